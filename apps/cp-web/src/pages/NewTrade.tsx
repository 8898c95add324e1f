import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import { useCreateProposal, useCredentials, useMe } from '../api/queries.ts';
import { ErrorNotice, fieldError, Loading } from '../components/Notices.tsx';
import { useHire } from '../lib/hire.ts';
import { href, navigate } from '../lib/route.ts';

/** Drafting a trade: it becomes a proposal in the inbox, reviewed and approved like any other. */
export function NewTradePage() {
  const me = useMe();
  const { hire, isPending, error } = useHire();
  const credentials = useCredentials();
  const create = useCreateProposal();
  const [coin, setCoin] = useState('');
  const [units, setUnits] = useState('1');
  const [side, setSide] = useState<'long' | 'short'>('long');
  const [action, setAction] = useState<'enter' | 'exit'>('enter');
  const [type, setType] = useState<'market' | 'limit'>('market');
  const [limit, setLimit] = useState('');

  if (isPending || credentials.isPending) return <Loading what="your agent" />;
  if (error) return <ErrorNotice error={error} action="load your agent" />;
  if (!hire)
    return <p className="notice info">No trading agent is hired for you yet. Our desk will set it up.</p>;
  const { setup } = hire;
  const ownKeys = credentials.data?.items.some(
    (c) => c.credential_ref === setup.credential_ref && c.state === 'active',
  );
  if (!ownKeys)
    return (
      <p className="notice info" role="status">
        Connect your exchange keys and choose them in <a href={href('settings')}>Agent settings</a> before
        drafting a trade. <a href={href('keys')}>Connect keys</a>
      </p>
    );
  const chosenCoin = coin || setup.default_coin;
  const max = setup.risk_limits.max_units_per_order;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (create.isPending || !me.data) return;
    create.mutate(
      {
        agent_id: hire.agent_id,
        run: {
          customer_id: me.data.customer_id,
          exchange_account_id: setup.credential_ref,
          coin: chosenCoin,
          units: Number(units),
          side,
          action,
          ...(type === 'market' ? { market: true } : { limit_price: limit.trim() }),
        },
      } as Parameters<typeof create.mutate>[0],
      { onSuccess: (p) => navigate('proposal', p.proposal_id) },
    );
  };

  return (
    <>
      <h1>New trade</h1>
      <p className="muted">You will see the exact order, its price and its checks before anything is sent.</p>
      <form className="card" onSubmit={submit} aria-label="New trade">
        <Field label="Coin" error={fieldError(create.error, 'coin')}>
          {(a) => (
            <select {...a} value={chosenCoin} onChange={(e) => setCoin(e.target.value)}>
              {setup.allowed_coins.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Contracts"
          hint={`Up to ${max} per order (your limit).`}
          error={fieldError(create.error, 'units')}
        >
          {(a) => (
            <input
              {...a}
              type="number"
              inputMode="numeric"
              min={1}
              max={max}
              step={1}
              required
              value={units}
              onChange={(e) => setUnits(e.target.value)}
            />
          )}
        </Field>
        <Choice
          legend="Direction"
          value={side}
          onChange={setSide}
          options={{ long: 'Long (price up)', short: 'Short (price down)' }}
        />
        <Choice
          legend="Open or close"
          value={action}
          onChange={setAction}
          options={{ enter: 'Open / add', exit: 'Close / reduce' }}
        />
        <Choice
          legend="Order type"
          value={type}
          onChange={setType}
          options={{ market: 'Market', limit: 'Limit' }}
        />
        {type === 'limit' ? (
          <Field label="Limit price (USD)" error={fieldError(create.error, 'limit_price')}>
            {(a) => (
              <input
                {...a}
                inputMode="decimal"
                required
                value={limit}
                onChange={(e) => setLimit(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        <ErrorNotice error={create.error} action="draft the trade" />
        <button type="submit" className="primary big" disabled={create.isPending}>
          {create.isPending ? 'Drafting…' : 'Review trade'}
        </button>
      </form>
    </>
  );
}

function Choice<T extends string>({
  legend,
  value,
  onChange,
  options,
}: {
  legend: string;
  value: T;
  onChange: (v: T) => void;
  options: Record<T, string>;
}) {
  return (
    <fieldset className="choice">
      <legend>{legend}</legend>
      {(Object.keys(options) as T[]).map((k) => (
        <label key={k} className={value === k ? 'on' : ''}>
          <input type="radio" name={legend} value={k} checked={value === k} onChange={() => onChange(k)} />
          {options[k]}
        </label>
      ))}
    </fieldset>
  );
}
