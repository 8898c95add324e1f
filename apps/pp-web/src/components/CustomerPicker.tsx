import { Field } from '@delta/web-ui/field';
import { useCustomers } from '../api/queries.ts';
import { ErrorNotice } from './ErrorNotice.tsx';
import { Loading } from './States.tsx';

export function CustomerPicker({
  value,
  onChange,
  label = 'Customer',
}: {
  value: string;
  onChange: (customerId: string) => void;
  label?: string;
}) {
  const customers = useCustomers();
  if (customers.isPending) return <Loading what="customers" />;
  if (customers.isError) return <ErrorNotice error={customers.error} action="load customers" />;
  if (customers.data.items.length === 0) {
    return (
      <p className="empty">
        No customers yet. <a href="#/customers">Create one on the Customers page.</a>
      </p>
    );
  }
  return (
    <Field label={label}>
      {(a) => (
        <select {...a} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">Choose a customer…</option>
          {customers.data.items.map((c) => (
            <option key={c.customer_id} value={c.customer_id}>
              {c.display_name} ({c.customer_id})
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
