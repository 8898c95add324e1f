import { type TAgentSetup, ZAgentSetup } from '@delta/contracts';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import type { TCredentialView } from '../api/schemas.ts';

interface SetupValues {
  credential_ref: string;
  default_coin: string;
  allowed_coins: string;
  max_units_per_order: string;
  max_notional_inr: string;
  leverage: string;
  interval_seconds: string;
  window_start: string;
  window_end: string;
  window_timezone: string;
}
type Errors = Partial<Record<keyof SetupValues, string>>;

function toValues(s: TAgentSetup | undefined, accounts: TCredentialView[]): SetupValues {
  return {
    credential_ref: s?.credential_ref ?? accounts[0]?.credential_ref ?? '',
    default_coin: s?.default_coin ?? 'BTC',
    allowed_coins: (s?.allowed_coins ?? ['BTC', 'ETH']).join(', '),
    max_units_per_order: String(s?.risk_limits.max_units_per_order ?? 10),
    max_notional_inr: s?.risk_limits.max_notional_inr ?? '',
    leverage: s?.leverage !== undefined ? String(s.leverage) : '',
    interval_seconds: s?.interval_seconds !== undefined ? String(s.interval_seconds) : '',
    window_start: s?.active_window?.start ?? '',
    window_end: s?.active_window?.end ?? '',
    window_timezone: s?.active_window?.timezone ?? 'Asia/Kolkata',
  };
}

const FIELD_OF: Record<string, keyof SetupValues> = {
  credential_ref: 'credential_ref',
  exchange_account_id: 'credential_ref',
  default_coin: 'default_coin',
  allowed_coins: 'allowed_coins',
  'risk_limits.max_units_per_order': 'max_units_per_order',
  'risk_limits.max_notional_inr': 'max_notional_inr',
  leverage: 'leverage',
  interval_seconds: 'interval_seconds',
  'active_window.start': 'window_start',
  'active_window.end': 'window_end',
  'active_window.timezone': 'window_timezone',
  active_window: 'window_start',
};

const int = (s: string) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : Number.NaN);

/** Builds the AgentSetup from the form and checks it with the shared schema Plant uses. */
export function buildSetup(v: SetupValues): { setup: TAgentSetup } | { errors: Errors } {
  const coins = v.allowed_coins
    .split(/[\s,]+/)
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
  const windowOn = v.window_start || v.window_end;
  const candidate = {
    exchange_provider: 'delta_exchange_india',
    credential_ref: v.credential_ref,
    exchange_account_id: v.credential_ref || undefined,
    default_coin: v.default_coin.trim().toUpperCase(),
    allowed_coins: coins,
    risk_limits: {
      max_units_per_order: int(v.max_units_per_order),
      ...(v.max_notional_inr.trim() ? { max_notional_inr: v.max_notional_inr.trim() } : {}),
    },
    execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
    ...(v.leverage.trim() ? { leverage: int(v.leverage) } : {}),
    ...(v.interval_seconds.trim() ? { interval_seconds: int(v.interval_seconds) } : {}),
    ...(windowOn
      ? { active_window: { start: v.window_start, end: v.window_end, timezone: v.window_timezone.trim() } }
      : {}),
  };
  const r = ZAgentSetup.safeParse(candidate);
  if (r.success) return { setup: r.data };
  const errors: Errors = {};
  for (const issue of r.error.issues) {
    const key = FIELD_OF[issue.path.join('.')] ?? FIELD_OF[String(issue.path[0])] ?? 'default_coin';
    errors[key] ??=
      key === 'credential_ref' ? 'Choose the exchange account (add keys above first).' : issue.message;
  }
  return { errors };
}

export function SetupForm({
  setup,
  accounts,
  submitLabel,
  onSubmit,
  busy,
  disabledReason,
}: {
  setup: TAgentSetup | undefined;
  accounts: TCredentialView[];
  submitLabel: string;
  onSubmit: (s: TAgentSetup) => void;
  busy: boolean;
  disabledReason?: string | undefined;
}) {
  const [v, setV] = useState<SetupValues>(() => toValues(setup, accounts));
  const [errors, setErrors] = useState<Errors>({});
  const bind = (k: keyof SetupValues) => ({
    value: v[k],
    onChange: (e: { target: { value: string } }) => setV((p) => ({ ...p, [k]: e.target.value })),
  });
  const disabled = busy || Boolean(disabledReason);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (disabled) return;
    const r = buildSetup(v);
    if ('errors' in r) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    onSubmit(r.setup);
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Agent setup">
      <div className="row">
        <Field label="Exchange account" error={errors.credential_ref}>
          {(a) => (
            <select {...a} {...bind('credential_ref')}>
              <option value="">Choose…</option>
              {accounts.map((c) => (
                <option key={c.credential_ref} value={c.credential_ref}>
                  {c.label} · {c.environment} · {c.key_masked}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Allowed coins" error={errors.allowed_coins} hint="Comma-separated, e.g. BTC, ETH">
          {(a) => <input {...a} {...bind('allowed_coins')} />}
        </Field>
        <Field label="Default coin" error={errors.default_coin}>
          {(a) => <input {...a} {...bind('default_coin')} />}
        </Field>
      </div>
      <div className="row">
        <Field label="Max units per order" error={errors.max_units_per_order}>
          {(a) => <input {...a} inputMode="numeric" {...bind('max_units_per_order')} />}
        </Field>
        <Field label="Max notional (INR, optional)" error={errors.max_notional_inr}>
          {(a) => <input {...a} inputMode="decimal" {...bind('max_notional_inr')} />}
        </Field>
        <Field label="Leverage (optional)" error={errors.leverage}>
          {(a) => <input {...a} inputMode="numeric" {...bind('leverage')} />}
        </Field>
      </div>
      <p className="locked" data-testid="execution-policy">
        <span className="tag">locked</span> Execution policy:{' '}
        <strong>customer approval required for every trade action</strong>
        <span className="muted small"> (fixed; it cannot be changed)</span>
      </p>
      <details open={Boolean(v.interval_seconds || v.window_start)}>
        <summary>Interval and active window (optional, for later strategies)</summary>
        <div className="row">
          <Field label="Interval (seconds)" error={errors.interval_seconds} hint="60 – 86400">
            {(a) => <input {...a} inputMode="numeric" {...bind('interval_seconds')} />}
          </Field>
          <Field label="Window start (HH:MM)" error={errors.window_start}>
            {(a) => <input {...a} type="time" {...bind('window_start')} />}
          </Field>
          <Field label="Window end (HH:MM)" error={errors.window_end}>
            {(a) => <input {...a} type="time" {...bind('window_end')} />}
          </Field>
          <Field label="Time zone" error={errors.window_timezone}>
            {(a) => <input {...a} {...bind('window_timezone')} />}
          </Field>
        </div>
      </details>
      <button type="submit" className="primary" disabled={disabled} title={disabledReason}>
        {busy ? 'Saving…' : submitLabel}
      </button>
      {disabledReason ? <p className="hint">{disabledReason}</p> : null}
    </form>
  );
}
