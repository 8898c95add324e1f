import { type TAgentSetup, ZAgentSetup } from '@delta/contracts';

/** The settings form as typed (strings), and the setup it makes. */
export interface SetupFields {
  credential_ref: string;
  default_coin: string;
  allowed_coins: string;
  max_units: string;
  max_notional_inr: string;
  ttl_minutes: string;
  price_band_bps: string;
}

export function fieldsOf(setup: TAgentSetup, ownRefs: string[]): SetupFields {
  return {
    // The agent trades on the customer's own keys: keys ops stored in PP are replaced by one of these.
    credential_ref: ownRefs.includes(setup.credential_ref) ? setup.credential_ref : (ownRefs[0] ?? ''),
    default_coin: setup.default_coin,
    allowed_coins: setup.allowed_coins.join(', '),
    max_units: String(setup.risk_limits.max_units_per_order),
    max_notional_inr: setup.risk_limits.max_notional_inr ?? '',
    ttl_minutes: String(setup.approval_policy?.ttl_minutes ?? 10),
    price_band_bps: String(setup.approval_policy?.price_band_bps ?? 50),
  };
}

const whole = (s: string) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : Number.NaN);

/**
 * The setup these fields make, or a message per field in words a customer understands (checked here first, then
 * by the contract every server checks too).
 */
export function setupFrom(
  base: TAgentSetup,
  f: SetupFields,
): { ok: true; setup: TAgentSetup } | { ok: false; errors: Partial<Record<keyof SetupFields, string>> } {
  const errors: Partial<Record<keyof SetupFields, string>> = {};
  const coins = f.allowed_coins
    .split(/[\s,]+/)
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
  const def = f.default_coin.trim().toUpperCase();
  if (!f.credential_ref) errors.credential_ref = 'Connect your exchange keys first (Exchange keys page).';
  if (coins.length === 0) errors.allowed_coins = 'Name at least one coin, e.g. BTC.';
  else if (new Set(coins).size !== coins.length) errors.allowed_coins = 'Each coin only once.';
  if (!coins.includes(def)) errors.default_coin = 'The default coin must be one of the coins you allow.';
  const units = whole(f.max_units);
  if (!(units >= 1 && units <= 1_000_000)) errors.max_units = 'A whole number of contracts, at least 1.';
  const notional = f.max_notional_inr.trim().replace(/,/g, '');
  if (notional && !/^\d+(\.\d+)?$/.test(notional))
    errors.max_notional_inr = 'An amount in rupees, like 500000 — or leave it empty for no limit.';
  const ttl = whole(f.ttl_minutes);
  if (!(ttl >= 1 && ttl <= 1440)) errors.ttl_minutes = 'Between 1 minute and 1,440 minutes (a day).';
  const bps = whole(f.price_band_bps);
  if (!(bps >= 1 && bps <= 10_000))
    errors.price_band_bps = 'Between 1 and 10,000 basis points (100 bps = 1 %).';
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const { max_notional_inr: _old, ...limits } = base.risk_limits;
  const setup = {
    ...base,
    credential_ref: f.credential_ref,
    exchange_account_id: f.credential_ref,
    default_coin: def,
    allowed_coins: coins,
    risk_limits: {
      ...limits,
      max_units_per_order: units,
      ...(notional ? { max_notional_inr: notional } : {}),
    },
    approval_policy: { ttl_minutes: ttl, price_band_bps: bps },
  };
  const parsed = ZAgentSetup.safeParse(setup);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = FIELD_OF[issue.path.join('.')] ?? 'allowed_coins';
      errors[key] ??= issue.message;
    }
    return { ok: false, errors };
  }
  return { ok: true, setup: parsed.data };
}

/** Where a server's field error (path under `setup.`) shows on the form. */
export const FIELD_OF: Record<string, keyof SetupFields> = {
  credential_ref: 'credential_ref',
  exchange_account_id: 'credential_ref',
  default_coin: 'default_coin',
  allowed_coins: 'allowed_coins',
  'risk_limits.max_units_per_order': 'max_units',
  'risk_limits.max_notional_inr': 'max_notional_inr',
  'approval_policy.ttl_minutes': 'ttl_minutes',
  'approval_policy.price_band_bps': 'price_band_bps',
};
