import { dateTime } from '@delta/web-ui';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import { TRADING_AGENT_ID, useAllHiredAgents, useCreateCustomer, useCustomers } from '../api/queries.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { href } from '../lib/hash-route.ts';
import { useCan } from '../lib/session.tsx';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function CreateCustomerForm() {
  const can = useCan('operator');
  const create = useCreateCustomer();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<{ name?: string; email?: string }>({});

  function submit(e: FormEvent) {
    e.preventDefault();
    if (create.isPending || !can.allowed) return;
    const found: typeof errors = {};
    if (!name.trim()) found.name = 'Enter the customer’s name.';
    if (email.trim() && !EMAIL.test(email.trim())) found.email = 'Enter an email such as asha@example.com.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    create.mutate(
      { display_name: name.trim(), ...(email.trim() ? { email: email.trim() } : {}) },
      {
        onSuccess: () => {
          setName('');
          setEmail('');
        },
      },
    );
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="new-customer-title">
      <h3 id="new-customer-title">New customer</h3>
      <div className="row">
        <Field label="Name" error={errors.name}>
          {(a) => <input {...a} value={name} onChange={(e) => setName(e.target.value)} maxLength={120} />}
        </Field>
        <Field label="Email (optional)" error={errors.email}>
          {(a) => <input {...a} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
      </div>
      <ErrorNotice error={create.error} action="create the customer" />
      {create.isSuccess ? (
        <p className="notice ok" role="status">
          Created {create.data.display_name} ({create.data.customer_id}).{' '}
          <a href={href('setup', { customer_id: create.data.customer_id })}>
            Add exchange keys and hire the agent →
          </a>
        </p>
      ) : null}
      <button type="submit" disabled={create.isPending || !can.allowed} title={can.why || undefined}>
        {create.isPending ? 'Creating…' : 'Create customer'}
      </button>
      {can.allowed ? null : <p className="hint">{can.why}</p>}
    </form>
  );
}

export function CustomersPage() {
  const customers = useCustomers();
  // All hired agents in one call (no customer filter) to show who has the trading agent.
  const hired = useAllHiredAgents();
  const hiredBy = new Set(
    (hired.data?.items ?? []).filter((h) => h.agent_id === TRADING_AGENT_ID).map((h) => h.customer_id),
  );
  return (
    <div className="page">
      <h2>Customers</h2>
      <CreateCustomerForm />
      <section className="card" aria-labelledby="customers-title">
        <h3 id="customers-title">All customers</h3>
        {customers.isPending ? <Loading what="customers" /> : null}
        <ErrorNotice error={customers.error} action="load customers" />
        {customers.data?.items.length === 0 ? (
          <Empty>No customers yet. Create the first one above.</Empty>
        ) : null}
        {customers.data && customers.data.items.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Id</th>
                  <th scope="col">Created</th>
                  <th scope="col">Trading agent</th>
                </tr>
              </thead>
              <tbody>
                {customers.data.items.map((c) => (
                  <tr key={c.customer_id}>
                    <td>
                      {c.display_name}
                      {c.email ? <div className="muted small">{c.email}</div> : null}
                    </td>
                    <td className="mono">{c.customer_id}</td>
                    <td>{dateTime(c.created_at)}</td>
                    <td>
                      {hiredBy.has(c.customer_id) ? (
                        <>
                          Hired · <a href={href('setup', { customer_id: c.customer_id })}>setup</a> ·{' '}
                          <a href={href('reference-agents', { customer_id: c.customer_id })}>run</a>
                        </>
                      ) : (
                        <a href={href('setup', { customer_id: c.customer_id })}>Hire the trading agent</a>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </div>
  );
}
