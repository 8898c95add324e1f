import {
  INTENT_ACTION_FOR,
  planIntentOf,
  type TAgentSetup,
  type TDraftPlan,
  type TPositionTradeRequest,
  type TRiskCheck,
  type TTradeIntent,
} from '@delta/contracts';
import type { ProductSpec } from '../../integrations/market-data.ts';
import { approvedBandChecks, bandOf } from './approved-band.ts';
import {
  add,
  compare,
  type Decimal,
  dec,
  divCeil,
  isMultipleOf,
  mul,
  normalizeDecimal,
  roundToMultiple,
  sub,
  toDecimalString,
} from './decimal.ts';
import { intentHash } from './intent-hash.ts';

export interface PlanSubject {
  agentId: string;
  hiredAgentId: string;
  customerId: string;
  setup: TAgentSetup;
}

export interface PlanOptions {
  playbookId: string;
  /** INR per USD as a decimal string (Delta India settles INR deposits at a fixed 85). */
  inrPerUsd: string;
  /**
   * For an order that adds risk: whether the hire's trial and daily budget leave it a run (`run_quota` check).
   * Absent for exits, which no trial or budget limits.
   */
  runQuota?: { ok: true } | { ok: false; detail: string };
  /**
   * For an exit: the open position it reduces, read from the exchange through the portal (signed contracts), or
   * why it could not be read. Absent where no position reader is wired (then the executor alone checks it).
   */
  openPosition?: { size: number } | { unavailable: string };
}

type TradeFields = Pick<
  TPositionTradeRequest,
  'exchange_account_id' | 'coin' | 'units' | 'side' | 'action' | 'limit_price' | 'market' | 'price_band'
>;

/**
 * The deterministic heart of the trading skill: the same request, setup, product and mark price always give a
 * byte-identical plan. Pure: no clock, no ids, no I/O. A plan with any failed risk check is not approvable.
 */
export function buildDraftPlan(
  request: TradeFields,
  subject: PlanSubject,
  product: ProductSpec,
  markPrice: string,
  options: PlanOptions,
): TDraftPlan {
  const { setup } = subject;
  const limitPrice = request.limit_price === undefined ? null : normalizeDecimal(request.limit_price);
  const orderType = limitPrice === null ? 'market' : 'limit';
  const intentAction = INTENT_ACTION_FOR[request.action];
  const buys = (request.action === 'enter') === (request.side === 'long');
  const leverage = setup.leverage ?? product.default_leverage;

  const pricing = pricingFor(request.units, product, markPrice, leverage, options.inrPerUsd);

  const intent: TTradeIntent = {
    customer_id: subject.customerId,
    hired_agent_id: subject.hiredAgentId,
    exchange_account_id: request.exchange_account_id,
    coin: request.coin,
    product_id: product.id,
    product_symbol: product.symbol,
    side: request.side,
    action: request.action,
    intent_action: intentAction,
    units: request.units,
    order_type: orderType,
    limit_price: limitPrice,
  };
  const band = bandOf(request.price_band, markPrice);
  if (band) intent.price_band = band;

  const checks = riskChecks(request, setup, product, {
    markPrice,
    limitPrice,
    leverage,
    notionalInr: pricing.notional_inr,
  });
  if (band) checks.push(...approvedBandChecks(band, markPrice, product));
  if (request.action === 'exit' && options.openPosition !== undefined) {
    checks.push(openPositionCheck(request, product, options.openPosition));
  }
  if (options.runQuota !== undefined) {
    checks.push({
      check: 'run_quota',
      passed: options.runQuota.ok,
      reason: options.runQuota.ok
        ? "the hired agent's trial and daily budget allow this execution"
        : `the hired agent cannot execute a new entry: ${options.runQuota.detail}`,
    });
  }

  return {
    plan_version: 1,
    playbook_id: options.playbookId,
    agent_id: subject.agentId,
    hired_agent_id: subject.hiredAgentId,
    customer_id: subject.customerId,
    exchange_account_id: request.exchange_account_id,
    intent: planIntentOf(intent),
    order: {
      product_id: product.id,
      product_symbol: product.symbol,
      size: request.units,
      side: buys ? 'buy' : 'sell',
      order_type: orderType === 'limit' ? 'limit_order' : 'market_order',
      limit_price: limitPrice,
      // Delta has no close-position endpoint: an exit is an opposite-side reduce_only order.
      reduce_only: request.action === 'exit',
      post_only: false,
      // A market order must not rest on the book; a limit order rests until filled or cancelled.
      time_in_force: orderType === 'limit' ? 'gtc' : 'ioc',
    },
    pricing,
    risk_checks: checks,
    requires_approval: true,
    approvable: checks.every((c) => c.passed),
    intent_hash: intentHash(intent),
  };
}

/** Notional and margin of `units` contracts at the mark, in USD and in INR at the exchange's rate. */
export function pricingFor(
  units: number,
  product: ProductSpec,
  markPrice: string,
  leverage: number,
  inrPerUsd: string,
): TDraftPlan['pricing'] {
  const quantity = mul(dec(units), dec(product.contract_value));
  const notionalUsd = mul(quantity, dec(markPrice));
  const notionalInr = mul(notionalUsd, dec(inrPerUsd));
  return {
    mark_price: normalizeDecimal(markPrice),
    contract_value: normalizeDecimal(product.contract_value),
    underlying_asset: product.underlying_asset,
    underlying_quantity: toDecimalString(quantity),
    notional_usd: toDecimalString(notionalUsd),
    inr_per_usd: normalizeDecimal(inrPerUsd),
    notional_inr: toDecimalString(notionalInr),
    leverage,
    estimated_margin_usd: toDecimalString(divCeil(notionalUsd, BigInt(leverage), 2)),
    estimated_margin_inr: toDecimalString(divCeil(notionalInr, BigInt(leverage), 2)),
  };
}

/**
 * A run trades on its setup's exchange account: `exchange_account_id` (the spec's name in a run) and the setup's
 * `credential_ref` name the same thing. Another of the customer's accounts would be refused only at execution,
 * after the approval was used (the bundle is the setup's key), so it fails here, before anything is approved.
 */
export function exchangeAccountCheck(setup: TAgentSetup, exchangeAccountId: string): TRiskCheck {
  const same = setup.credential_ref === exchangeAccountId;
  return {
    check: 'exchange_account',
    passed: same,
    reason: same
      ? "exchange_account_id is the setup's exchange account"
      : "exchange_account_id is not the setup's exchange account (credential_ref)",
  };
}

function riskChecks(
  request: TradeFields,
  setup: TAgentSetup,
  product: ProductSpec,
  computed: { markPrice: string; limitPrice: string | null; leverage: number; notionalInr: string },
): TRiskCheck[] {
  const checks: TRiskCheck[] = [];
  const add = (check: string, passed: boolean, reason: string) => checks.push({ check, passed, reason });

  // An exit only reduces an open position (reduce_only, clamped to what is held): the limits on adding risk never
  // keep a customer from getting out, even after the coin left allowed_coins or the limits were lowered.
  const exit = request.action === 'exit';
  const exempt = (limit: string) => `an exit only reduces the open position: ${limit} does not limit it`;

  const allowed = setup.allowed_coins.includes(request.coin);
  add(
    'coin_allowed',
    allowed || exit,
    allowed
      ? `${request.coin} is in allowed_coins`
      : exit
        ? exempt('allowed_coins')
        : `${request.coin} is not in allowed_coins (${setup.allowed_coins.join(', ')})`,
  );

  checks.push(exchangeAccountCheck(setup, request.exchange_account_id));

  const live = product.state === 'live';
  add('product_live', live, live ? `${product.symbol} is live` : `${product.symbol} is ${product.state}`);

  const max = setup.risk_limits.max_units_per_order;
  const withinUnits = request.units <= max;
  add(
    'max_units_per_order',
    withinUnits || exit,
    withinUnits
      ? `${request.units} ≤ max_units_per_order ${max}`
      : exit
        ? exempt('max_units_per_order')
        : `${request.units} exceeds max_units_per_order ${max}`,
  );

  const maxInr = setup.risk_limits.max_notional_inr;
  if (maxInr === undefined) {
    add('max_notional_inr', true, 'no max_notional_inr is set');
  } else {
    const within = compare(dec(computed.notionalInr), dec(maxInr)) <= 0;
    add(
      'max_notional_inr',
      within || exit,
      within || !exit
        ? `notional ₹${computed.notionalInr} at the mark price ${within ? 'is within' : 'exceeds'} max_notional_inr ₹${normalizeDecimal(maxInr)}`
        : exempt('max_notional_inr'),
    );
  }

  if (computed.limitPrice === null) {
    add('limit_price_tick', true, 'market order: no limit price');
  } else {
    const onTick = isMultipleOf(dec(computed.limitPrice), dec(product.tick_size));
    add(
      'limit_price_tick',
      onTick,
      onTick
        ? `limit price is a multiple of the tick size ${product.tick_size}`
        : `limit price ${computed.limitPrice} is not a multiple of the tick size ${product.tick_size}`,
    );
  }

  if (computed.limitPrice !== null)
    checks.push(priceBandCheck(computed.limitPrice, computed.markPrice, product));

  const levOk = computed.leverage <= product.max_leverage;
  add(
    'leverage',
    levOk,
    levOk
      ? `leverage ${computed.leverage}× ≤ ${product.symbol} max ${product.max_leverage}×`
      : `leverage ${computed.leverage}× exceeds ${product.symbol} max ${product.max_leverage}×`,
  );
  return checks;
}

/**
 * A limit price outside the exchange's allowed band would be refused by the exchange (or, on a lenient venue,
 * rest far from the market): a failed check, with the band shown. The band is ± price_band % of the mark price,
 * rounded inwards to the tick, so a price this check passes is one the exchange accepts.
 */
function priceBandCheck(limitPrice: string, markPrice: string, product: ProductSpec): TRiskCheck {
  if (product.price_band_pct === undefined) {
    return {
      check: 'limit_price_band',
      passed: true,
      reason: `the exchange publishes no price band for ${product.symbol}; it refuses a price outside its own band`,
    };
  }
  const mark = dec(markPrice);
  const pct = dec(product.price_band_pct);
  const tick = dec(product.tick_size);
  // mark × (100 ± pct) / 100 — dividing by 100 is two more decimal places — rounded inwards to the tick.
  const edge = (factor: Decimal): Decimal => {
    const scaled = mul(mark, factor);
    return { units: scaled.units, scale: scaled.scale + 2 };
  };
  const lower = roundToMultiple(edge(sub(dec(100), pct)), tick, 'up');
  const upper = roundToMultiple(edge(add(dec(100), pct)), tick, 'down');
  const price = dec(limitPrice);
  const within = compare(price, lower) >= 0 && compare(price, upper) <= 0;
  const band = `${toDecimalString(lower)}–${toDecimalString(upper)} (±${normalizeDecimal(product.price_band_pct)}% of the mark ${normalizeDecimal(markPrice)})`;
  return {
    check: 'limit_price_band',
    passed: within,
    reason: within
      ? `limit price ${limitPrice} is within the exchange's price band ${band}`
      : `limit price ${limitPrice} is outside the exchange's price band ${band}`,
  };
}

/** An exit reduces an open position on the side it names: flat (or the other way) is not approvable. */
function openPositionCheck(
  request: TradeFields,
  product: ProductSpec,
  position: { size: number } | { unavailable: string },
): TRiskCheck {
  const what = `${request.side} ${product.symbol} position`;
  if ('unavailable' in position) {
    return {
      check: 'open_position',
      passed: false,
      reason: `the open ${what} could not be read (${position.unavailable}); draft again in a moment`,
    };
  }
  const held = request.side === 'long' ? Math.max(0, position.size) : Math.max(0, -position.size);
  if (held === 0) {
    const other =
      position.size === 0
        ? 'the account is flat'
        : `the account holds ${Math.abs(position.size)} contracts the other way`;
    return {
      check: 'open_position',
      passed: false,
      reason: `there is no open ${what} to exit (${other})`,
    };
  }
  const closes = Math.min(request.units, held);
  return {
    check: 'open_position',
    passed: true,
    reason:
      closes === held
        ? `the open ${what} is ${held} contract${held === 1 ? '' : 's'}; this exit closes it`
        : `the open ${what} is ${held} contracts; this exit reduces it by ${closes}`,
  };
}
