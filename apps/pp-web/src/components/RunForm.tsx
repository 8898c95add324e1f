import type { TTradeRunRequest } from '@delta/contracts';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import type { TCredentialView } from '../api/schemas.ts';
import { type RunFormErrors, type RunFormValues, validateRunForm } from '../lib/run-form.ts';

const ACTION_LABELS = {
  enter: 'enter (open)',
  exit: 'exit (close)',
  cancel: 'cancel (a resting order)',
} as const;

/** The trade inputs of the runner. Submitting drafts a plan; nothing here can reach the exchange. */
export function RunForm({
  initial,
  accounts,
  allowedCoins,
  onDraft,
  onEdit,
  busy,
  disabledReason,
}: {
  initial: RunFormValues;
  accounts: TCredentialView[];
  allowedCoins: readonly string[];
  onDraft: (request: TTradeRunRequest) => void;
  /** Any edit makes an earlier plan (and its approval) stale. */
  onEdit?: () => void;
  busy: boolean;
  disabledReason?: string | undefined;
}) {
  const [v, setV] = useState<RunFormValues>(initial);
  const [errors, setErrors] = useState<RunFormErrors>({});
  function set<K extends keyof RunFormValues>(k: K, value: RunFormValues[K]) {
    setV((p) => ({ ...p, [k]: value }));
    setErrors((p) => ({ ...p, [k]: undefined }));
    onEdit?.();
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || disabledReason) return;
    const r = validateRunForm(v, allowedCoins);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    onDraft(r.request);
  }

  const coins = allowedCoins.length > 0 ? allowedCoins : v.coin ? [v.coin] : [];
  return (
    <form onSubmit={submit} noValidate aria-label="Trade intent">
      {errors.customer_id ? (
        <p className="field-error" role="alert">
          {errors.customer_id}
        </p>
      ) : null}
      <div className="row">
        <Field
          label="Exchange account (exchange_account_id)"
          error={errors.exchange_account_id}
          hint={accounts.length === 0 ? 'No active account: add keys in Agent setup.' : undefined}
        >
          {(a) => (
            <select
              {...a}
              value={v.exchange_account_id}
              onChange={(e) => set('exchange_account_id', e.target.value)}
            >
              <option value="">Choose…</option>
              {accounts.map((c) => (
                <option key={c.exchange_account_id} value={c.exchange_account_id}>
                  {c.label} · {c.environment} · {c.key_masked}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Coin" error={errors.coin}>
          {(a) => (
            <select {...a} value={v.coin} onChange={(e) => set('coin', e.target.value)}>
              <option value="">Choose…</option>
              {coins.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          )}
        </Field>
        {v.action === 'cancel' ? (
          <Field
            label="Order id (exchange)"
            error={errors.order_id}
            hint="The resting order to cancel: Positions lists each with a Cancel… link."
          >
            {(a) => (
              <input
                {...a}
                inputMode="numeric"
                value={v.order_id ?? ''}
                onChange={(e) => set('order_id', e.target.value)}
                placeholder="1042"
              />
            )}
          </Field>
        ) : (
          <Field label="Units (contracts)" error={errors.units}>
            {(a) => (
              <input
                {...a}
                inputMode="numeric"
                value={v.units}
                onChange={(e) => set('units', e.target.value)}
                placeholder="1"
              />
            )}
          </Field>
        )}
      </div>
      <div className="row">
        <fieldset>
          <legend>Action</legend>
          {(['enter', 'exit', 'cancel'] as const).map((s) => (
            <label key={s} className="inline">
              <input type="radio" name="action" checked={v.action === s} onChange={() => set('action', s)} />{' '}
              {ACTION_LABELS[s]}
            </label>
          ))}
        </fieldset>
        {v.action === 'cancel' ? null : (
          <>
            <fieldset>
              <legend>Side</legend>
              {(['long', 'short'] as const).map((s) => (
                <label key={s} className="inline">
                  <input type="radio" name="side" checked={v.side === s} onChange={() => set('side', s)} />{' '}
                  {s}
                </label>
              ))}
            </fieldset>
            <fieldset>
              <legend>Price</legend>
              {(['market', 'limit'] as const).map((s) => (
                <label key={s} className="inline">
                  <input
                    type="radio"
                    name="price_mode"
                    checked={v.price_mode === s}
                    onChange={() => set('price_mode', s)}
                  />{' '}
                  {s}
                </label>
              ))}
              {errors.price_mode ? <span className="field-error">{errors.price_mode}</span> : null}
            </fieldset>
            {v.price_mode === 'limit' ? (
              <Field label="Limit price (USD)" error={errors.limit_price}>
                {(a) => (
                  <input
                    {...a}
                    inputMode="decimal"
                    value={v.limit_price}
                    onChange={(e) => set('limit_price', e.target.value)}
                    placeholder="65000.5"
                  />
                )}
              </Field>
            ) : null}
          </>
        )}
      </div>
      <button type="submit" disabled={busy || Boolean(disabledReason)} title={disabledReason}>
        {busy ? 'Drafting…' : 'Draft plan'}
      </button>
      {disabledReason ? <p className="hint">{disabledReason}</p> : null}
    </form>
  );
}
