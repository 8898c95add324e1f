import {
  DECIMAL_PATTERN,
  INTENT_ACTION_FOR,
  type TTradeRunRequest,
  ZTradeRunRequest,
} from '@delta/contracts';

export interface RunFormValues {
  customer_id: string;
  exchange_account_id: string;
  coin: string;
  units: string;
  side: 'long' | 'short';
  action: 'enter' | 'exit';
  price_mode: 'market' | 'limit';
  limit_price: string;
}

export type RunFormField = keyof RunFormValues;
export type RunFormErrors = Partial<Record<RunFormField, string>>;

export type RunFormResult = { ok: true; request: TTradeRunRequest } | { ok: false; errors: RunFormErrors };

/**
 * Checks the run form the way Plant will (the shared ZTradeRunRequest), with messages an operator can act on,
 * plus the one rule only the page knows: the coin must be one the hired agent's setup allows.
 */
export function validateRunForm(v: RunFormValues, allowedCoins: readonly string[]): RunFormResult {
  const errors: RunFormErrors = {};
  if (!v.customer_id) errors.customer_id = 'Choose the customer.';
  if (!v.exchange_account_id) errors.exchange_account_id = 'Choose one of the customer’s exchange accounts.';
  if (!v.coin) errors.coin = 'Choose a coin.';
  else if (allowedCoins.length > 0 && !allowedCoins.includes(v.coin))
    errors.coin = `${v.coin} is not allowed for this agent. Allowed: ${allowedCoins.join(', ')}.`;

  const unitsText = v.units.trim();
  const units = Number(unitsText);
  if (unitsText === '') errors.units = 'Enter the number of contracts.';
  else if (!/^\d+$/.test(unitsText) || !Number.isSafeInteger(units))
    errors.units = 'Units must be a whole number of contracts, such as 1 or 5.';
  else if (units < 1) errors.units = 'Units must be at least 1.';
  else if (units > 1_000_000) errors.units = 'Units must be at most 1,000,000.';

  const limitText = v.limit_price.trim();
  if (v.price_mode === 'limit') {
    if (limitText === '') errors.limit_price = 'Enter a limit price, or choose a market order.';
    else if (!DECIMAL_PATTERN.test(limitText) || !/[1-9]/.test(limitText))
      errors.limit_price = 'The limit price must be a positive number such as 65000.5 (no commas).';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const request: TTradeRunRequest = {
    customer_id: v.customer_id,
    exchange_account_id: v.exchange_account_id,
    coin: v.coin,
    units,
    side: v.side,
    action: v.action,
    ...(v.price_mode === 'limit' ? { limit_price: limitText } : { market: true }),
  };
  // The shared schema is the last word; anything it rejects that we did not catch above is shown on its field.
  const parsed = ZTradeRunRequest.safeParse(request);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'units');
      const key: RunFormField = field === 'market' ? 'price_mode' : (field as RunFormField);
      errors[key] ??= issue.message;
    }
    return { ok: false, errors };
  }
  return { ok: true, request: parsed.data };
}

/** The execute request for a draft: the same fields plus the intent action its `action` requires. */
export function toExecuteRequest(draft: TTradeRunRequest, approvalId: string): TTradeRunRequest {
  return { ...draft, intent_action: INTENT_ACTION_FOR[draft.action], approval_id: approvalId.trim() };
}
