import type { THiredAgent } from '@delta/contracts';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import { isApiError } from '../api/http.ts';
import { useBrake, useCredentials, useSaveSetup } from '../api/queries.ts';
import { ErrorNotice, Loading } from '../components/Notices.tsx';
import { useHire } from '../lib/hire.ts';
import { href } from '../lib/route.ts';
import { FIELD_OF, fieldsOf, type SetupFields, setupFrom } from '../lib/setup-form.ts';

/** The agent's settings (coins, limits, approval policy, which keys) and its brake. */
export function SettingsPage() {
  const { hire, isPending, error } = useHire();
  const credentials = useCredentials();
  if (isPending || credentials.isPending) return <Loading what="your agent" />;
  if (error || credentials.error)
    return <ErrorNotice error={error ?? credentials.error} action="load your agent" />;
  if (!hire)
    return <p className="notice info">No trading agent is hired for you yet. Our desk will set it up.</p>;
  const own = (credentials.data?.items ?? []).filter((c) => c.state === 'active');
  return (
    <>
      <h1>Agent settings</h1>
      <Brake hire={hire} />
      <SetupForm
        key={hire.hired_agent_id}
        hire={hire}
        accounts={own.map((c) => ({
          ref: c.credential_ref,
          label: `${c.label} (${c.environment}, ${c.key_masked})`,
        }))}
      />
    </>
  );
}

function SetupForm({ hire, accounts }: { hire: THiredAgent; accounts: { ref: string; label: string }[] }) {
  const save = useSaveSetup();
  const [f, setF] = useState<SetupFields>(() =>
    fieldsOf(
      hire.setup,
      accounts.map((a) => a.ref),
    ),
  );
  const [errors, setErrors] = useState<Partial<Record<keyof SetupFields, string>>>({});
  const set = (k: keyof SetupFields) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: e.target.value });
  const serverErrors: Partial<Record<keyof SetupFields, string>> = {};
  if (isApiError(save.error))
    for (const fe of save.error.fieldErrors) {
      const k = FIELD_OF[fe.path.replace(/^setup\./, '')];
      if (k) serverErrors[k] ??= fe.message;
    }
  const err = (k: keyof SetupFields) => errors[k] ?? serverErrors[k];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const r = setupFrom(hire.setup, f);
    if (!r.ok) return setErrors(r.errors);
    setErrors({});
    save.mutate({ hiredAgentId: hire.hired_agent_id, setup: r.setup });
  };

  return (
    <form className="card" onSubmit={submit} aria-label="Agent settings" noValidate>
      <Field label="Exchange account" error={err('credential_ref')}>
        {(a) => (
          <select {...a} value={f.credential_ref} onChange={set('credential_ref')}>
            {accounts.length === 0 ? <option value="">No keys connected</option> : null}
            {accounts.map((o) => (
              <option key={o.ref} value={o.ref}>
                {o.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {accounts.length === 0 ? (
        <p className="small">
          <a href={href('keys')}>Connect your exchange keys</a> first.
        </p>
      ) : null}
      <Field
        label="Coins the agent may trade"
        hint="Separate with commas, e.g. BTC, ETH."
        error={err('allowed_coins')}
      >
        {(a) => <input {...a} value={f.allowed_coins} onChange={set('allowed_coins')} />}
      </Field>
      <Field label="Default coin" error={err('default_coin')}>
        {(a) => <input {...a} value={f.default_coin} onChange={set('default_coin')} />}
      </Field>
      <Field label="Most contracts in one order" error={err('max_units')}>
        {(a) => <input {...a} inputMode="numeric" value={f.max_units} onChange={set('max_units')} />}
      </Field>
      <Field
        label="Largest order value (₹, optional)"
        hint="Orders worth more than this at the current price are refused. Empty: no limit."
        error={err('max_notional_inr')}
      >
        {(a) => (
          <input {...a} inputMode="decimal" value={f.max_notional_inr} onChange={set('max_notional_inr')} />
        )}
      </Field>
      <Field
        label="Approval lifetime (minutes)"
        hint="How long your approval stays usable before the order is sent."
        error={err('ttl_minutes')}
      >
        {(a) => <input {...a} inputMode="numeric" value={f.ttl_minutes} onChange={set('ttl_minutes')} />}
      </Field>
      <Field
        label="Price band (basis points)"
        hint="How far the price may move after you approve before the order is held back. 100 bps = 1 %."
        error={err('price_band_bps')}
      >
        {(a) => (
          <input {...a} inputMode="numeric" value={f.price_band_bps} onChange={set('price_band_bps')} />
        )}
      </Field>
      <p className="muted small">Every trade still needs your approval — that never changes.</p>
      <ErrorNotice error={save.error} action="save the settings" />
      {save.isSuccess ? (
        <p className="notice ok" role="status">
          Saved.
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={save.isPending || accounts.length === 0}>
        {save.isPending ? 'Saving…' : 'Save settings'}
      </button>
    </form>
  );
}

function Brake({ hire }: { hire: THiredAgent }) {
  const brake = useBrake();
  const [reason, setReason] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (brake.isPending) return;
    if (hire.paused) brake.mutate({ hiredAgentId: hire.hired_agent_id, pause: false });
    else if (reason.trim())
      brake.mutate(
        { hiredAgentId: hire.hired_agent_id, pause: true, reason: reason.trim() },
        { onSuccess: () => setReason('') },
      );
  };
  return (
    <form
      className={`card brake${hire.paused ? ' paused' : ''}`}
      onSubmit={submit}
      aria-label="Pause or resume"
    >
      {hire.paused ? (
        <p role="status">
          <strong>Paused</strong> — “{hire.paused.reason}”. No new trade can be opened; closing still works.
        </p>
      ) : (
        <>
          <p>Running. Pause to stop any new trade from being opened (closing still works).</p>
          <Field label="Why pause?">
            {(a) => (
              <input {...a} maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
            )}
          </Field>
        </>
      )}
      <ErrorNotice error={brake.error} action={hire.paused ? 'resume' : 'pause'} />
      <button
        type="submit"
        className={hire.paused ? 'primary' : 'danger'}
        disabled={brake.isPending || (!hire.paused && !reason.trim())}
      >
        {brake.isPending ? 'One moment…' : hire.paused ? 'Resume' : 'Pause agent'}
      </button>
    </form>
  );
}
