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
  action: 'enter' | 'exit' | 'cancel';
  price_mode: 'market' | 'limit';
  limit_price: string;
  /** For a cancel: the exchange id of the resting order. */
  order_id?: string;
}

export type RunFormField = keyof RunFormValues;
export type RunFormErrors = Partial<Record<RunFormField, string>>;

export type RunFormResult = { ok: true; request: TTradeRunRequest } | { ok: false; errors: RunFormErrors };

/**
 * Checks the run form the way Plant will (the shared ZTradeRunRequest), with messages an operator can act on,
 * plus the one rule only the page knows: an entry's coin must be one the hired agent's setup allows (an exit or
 * a cancel only reduces risk, so it is never held to it).
 */
export function validateRunForm(v: RunFormValues, allowedCoins: readonly string[]): RunFormResult {
  const errors: RunFormErrors = {};
  if (!v.customer_id) errors.customer_id = 'Choose the customer.';
  if (!v.exchange_account_id) errors.exchange_account_id = 'Choose one of the customer’s exchange accounts.';
  if (!v.coin) errors.coin = 'Choose a coin.';
  else if (v.action === 'enter' && allowedCoins.length > 0 && !allowedCoins.includes(v.coin))
    errors.coin = `${v.coin} is not allowed for this agent. Allowed: ${allowedCoins.join(', ')}.`;
  if (v.action === 'cancel') return validateCancel(v, errors);

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
  return checked(request, errors);
}

function validateCancel(v: RunFormValues, errors: RunFormErrors): RunFormResult {
  const orderId = (v.order_id ?? '').trim();
  if (orderId === '') errors.order_id = 'Enter the exchange order id of the resting order (from Positions).';
  else if (!/^[1-9]\d{0,14}$/.test(orderId))
    errors.order_id = 'The order id is the exchange’s number, such as 1042.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return checked(
    {
      customer_id: v.customer_id,
      exchange_account_id: v.exchange_account_id,
      coin: v.coin,
      action: 'cancel',
      order_id: orderId,
    },
    errors,
  );
}

/** The shared schema is the last word; anything it rejects that we did not catch is shown on its field. */
function checked(request: TTradeRunRequest, errors: RunFormErrors): RunFormResult {
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

/**
 * The execute request for a draft: the same fields plus the intent action its `action` requires, and the
 * approval (none: an execution without one, which Plant refuses with approval_required).
 */
export function toExecuteRequest(draft: TTradeRunRequest, approvalId: string): TTradeRunRequest {
  const id = approvalId.trim();
  const approval = id ? { approval_id: id } : {};
  return draft.action === 'cancel'
    ? { ...draft, intent_action: INTENT_ACTION_FOR.cancel, ...approval }
    : { ...draft, intent_action: INTENT_ACTION_FOR[draft.action], ...approval };
}
