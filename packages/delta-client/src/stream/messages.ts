import { z } from 'zod';
import { ZDecimal, ZOrderState } from '../schemas.ts';

/**
 * Delta's socket messages, parsed before anyone sees them (the exchange's shapes are untrusted input). Field
 * names follow Delta's documented messages; decimals stay strings, sizes and ids are integers, times are µs.
 */

const ZInt = z.number().int();
const ZSide = z.enum(['buy', 'sell']);
const ZDec = z.union([ZDecimal, z.number().transform(String)]);
const ZNum = z.union([z.number(), ZDecimal.transform(Number)]);
/** Delta sends "" for an order without a client id. */
const ZClientId = z
  .string()
  .nullish()
  .transform((v) => (v ? v : null));

export const ZSubscriptions = z.object({
  type: z.literal('subscriptions'),
  channels: z.array(
    z.object({ name: z.string(), symbols: z.array(z.string()).optional(), error: z.string().optional() }),
  ),
});

export const ZKeyAuthReply = z.object({
  type: z.literal('key-auth'),
  success: z.boolean(),
  status_code: ZInt.optional(),
  status: z.string().optional(),
  message: z.string().optional(),
});

export const ZOrderUpdate = z.object({
  type: z.literal('orders'),
  action: z.enum(['create', 'update', 'delete']),
  reason: z.string().nullish(),
  symbol: z.string(),
  product_id: ZInt,
  order_id: ZInt,
  client_order_id: ZClientId,
  size: ZInt,
  unfilled_size: ZInt,
  average_fill_price: ZDec.nullish(),
  limit_price: ZDec.nullish(),
  side: ZSide,
  order_type: z.string().nullish(),
  cancellation_reason: z.string().nullish(),
  state: ZOrderState,
  seq_no: ZInt,
  timestamp: ZInt,
});
export type StreamOrderUpdate = z.infer<typeof ZOrderUpdate>;

/** An order as a snapshot lists it (Delta's sample shows fewer fields than a REST order). */
const ZSnapshotOrder = z.object({
  id: ZInt,
  product_id: ZInt,
  product_symbol: z.string().nullish(),
  client_order_id: ZClientId,
  size: ZInt,
  unfilled_size: ZInt,
  side: ZSide,
  order_type: z.string().nullish(),
  state: ZOrderState,
  limit_price: ZDec.nullish(),
  average_fill_price: ZDec.nullish(),
  cancellation_reason: z.string().nullish(),
  updated_at: z.union([z.string(), z.number()]).nullish(),
});

export const ZOrderSnapshot = z.object({
  type: z.literal('orders'),
  action: z.literal('snapshot'),
  symbol: z.string(),
  meta: z.object({ seq_no: ZInt, timestamp: ZInt.optional() }),
  result: z.array(ZSnapshotOrder),
});
export type StreamOrderSnapshot = z.infer<typeof ZOrderSnapshot>;

const positionFields = {
  product_id: ZInt,
  size: ZInt,
  entry_price: ZDec.nullish(),
  margin: ZDec.nullish(),
  liquidation_price: ZDec.nullish(),
  bankruptcy_price: ZDec.nullish(),
  realized_pnl: ZDec.nullish(),
  realized_funding: ZDec.nullish(),
};

export const ZPositionUpdate = z.object({
  type: z.literal('positions'),
  action: z.enum(['create', 'update', 'delete']),
  reason: z.string().nullish(),
  symbol: z.string(),
  ...positionFields,
});
export type StreamPositionUpdate = z.infer<typeof ZPositionUpdate>;

export const ZPositionSnapshot = z.object({
  type: z.literal('positions'),
  action: z.literal('snapshot'),
  result: z.array(
    z.object({ ...positionFields, product_symbol: z.string().nullish(), symbol: z.string().nullish() }),
  ),
});
export type StreamPositionSnapshot = z.infer<typeof ZPositionSnapshot>;

/** `v2/user_trades`: Delta's compact fill (f fill id, o order id, se sequence per symbol, po position after). */
export const ZUserTrade = z.object({
  type: z.literal('v2/user_trades'),
  sy: z.string(),
  f: z.union([z.string().min(1), ZInt.transform(String)]),
  R: z.string().nullish(),
  o: z.union([ZInt.transform(String), z.string().min(1)]),
  S: ZSide,
  s: ZInt,
  p: ZDec,
  po: ZInt.nullish(),
  r: z.string(),
  c: ZClientId,
  t: ZInt,
  se: ZInt,
});
export type StreamUserTrade = z.infer<typeof ZUserTrade>;

export const ZMargins = z.object({
  type: z.literal('margins'),
  asset_symbol: z.string(),
  balance: ZDec,
  available_balance: ZDec,
  blocked_margin: ZDec.nullish(),
  order_margin: ZDec.nullish(),
  position_margin: ZDec.nullish(),
  commission: ZDec.nullish(),
  timestamp: ZInt.nullish(),
});
export type StreamMargins = z.infer<typeof ZMargins>;

export const ZSystemStatus = z.object({
  type: z.literal('system_status'),
  event: z.string().nullish(),
  status: z.string(),
  maintenance_start_time: z.number().nullish(),
  maintenance_finish_time: z.number().nullish(),
  timestamp: z.number().nullish(),
});
export type StreamSystemStatus = z.infer<typeof ZSystemStatus>;

// Public channels: the compact shapes of the public host and the long ones of the private host.
const ZMarkCompact = z.object({ type: z.literal('mark_price'), sy: z.string(), p: ZDec, ts: ZInt });
const ZMarkLong = z.object({
  type: z.literal('mark_price'),
  symbol: z.string(),
  price: ZDec,
  timestamp: ZInt,
});
const ZTickerCompact = z.object({
  type: z.literal('ticker'),
  sy: z.string(),
  sp: ZDec.nullish(),
  ts: ZInt,
  d: z.array(z.object({ m: ZDec })).min(1),
});
const ZTickerLong = z.object({
  type: z.literal('v2/ticker'),
  symbol: z.string(),
  mark_price: ZDec,
  spot_price: ZDec.nullish(),
  timestamp: ZInt,
});
const ZCandleCompact = z.object({
  type: z.string(),
  sy: z.string(),
  res: z.string(),
  o: ZNum,
  h: ZNum,
  l: ZNum,
  c: ZNum,
  v: ZNum.nullish(),
  ts: ZInt,
});
const ZCandleLong = z.object({
  type: z.string(),
  symbol: z.string(),
  resolution: z.string(),
  open: ZNum,
  high: ZNum,
  low: ZNum,
  close: ZNum,
  volume: ZNum.nullish(),
  candle_start_time: ZInt.nullish(),
  timestamp: ZInt,
});

/** `MARK:BTCUSD` → `BTCUSD` (mark channels and mark candles carry the prefix). */
const bare = (symbol: string) => (symbol.startsWith('MARK:') ? symbol.slice(5) : symbol);

export type StreamMessage =
  | { kind: 'subscriptions'; channels: z.infer<typeof ZSubscriptions>['channels'] }
  | { kind: 'key-auth'; reply: z.infer<typeof ZKeyAuthReply> }
  | { kind: 'heartbeat' }
  | { kind: 'pong' }
  | { kind: 'error'; message: string }
  | { kind: 'order'; update: StreamOrderUpdate }
  | { kind: 'order_snapshot'; snapshot: StreamOrderSnapshot }
  | { kind: 'position'; update: StreamPositionUpdate }
  | { kind: 'position_snapshot'; snapshot: StreamPositionSnapshot }
  | { kind: 'fill'; trade: StreamUserTrade }
  | { kind: 'margins'; margins: StreamMargins }
  | { kind: 'system_status'; status: StreamSystemStatus }
  | { kind: 'mark_price'; symbol: string; price: string; timestamp: number }
  | { kind: 'ticker'; symbol: string; mark_price: string; spot_price: string | null; timestamp: number }
  | {
      kind: 'candle';
      /** `BTCUSD` for traded-price candles, `MARK:BTCUSD` for mark-price candles. */
      symbol: string;
      resolution: string;
      open: number;
      high: number;
      low: number;
      close: number;
      volume: number | null;
      timestamp: number;
    }
  /** A channel this client does not model: its body is left for the consumer to parse (it is `unknown`). */
  | { kind: 'other'; type: string; data: unknown }
  /** A message that did not match its documented shape (issues name fields, never values). */
  | { kind: 'invalid'; type: string; issues: string };

function parseWith<S extends z.ZodType, T>(
  type: string,
  schema: S,
  data: unknown,
  map: (v: z.infer<S>) => T,
): T | StreamMessage {
  const r = schema.safeParse(data);
  if (r.success) return map(r.data);
  const issues = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`)
    .join('; ');
  return { kind: 'invalid', type, issues };
}

/** One text frame → a typed message. Never throws: unreadable input becomes `invalid`. */
export function parseStreamMessage(text: string): StreamMessage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { kind: 'invalid', type: '(not json)', issues: 'not JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { kind: 'invalid', type: '(not an object)', issues: 'not a JSON object' };
  }
  const rec = data as Record<string, unknown>;
  const type = typeof rec.type === 'string' ? rec.type.slice(0, 64) : '';
  switch (type) {
    case 'subscriptions':
      return parseWith(type, ZSubscriptions, data, (v) => ({ kind: 'subscriptions', channels: v.channels }));
    case 'key-auth':
      return parseWith(type, ZKeyAuthReply, data, (reply) => ({ kind: 'key-auth', reply }));
    case 'heartbeat':
      return { kind: 'heartbeat' };
    case 'pong':
      return { kind: 'pong' };
    case 'error':
      return { kind: 'error', message: typeof rec.message === 'string' ? rec.message.slice(0, 200) : '' };
    case 'orders':
      return rec.action === 'snapshot'
        ? parseWith(type, ZOrderSnapshot, data, (snapshot) => ({ kind: 'order_snapshot', snapshot }))
        : parseWith(type, ZOrderUpdate, data, (update) => ({ kind: 'order', update }));
    case 'positions':
      return rec.action === 'snapshot'
        ? parseWith(type, ZPositionSnapshot, data, (snapshot) => ({ kind: 'position_snapshot', snapshot }))
        : parseWith(type, ZPositionUpdate, data, (update) => ({ kind: 'position', update }));
    case 'v2/user_trades':
      return parseWith(type, ZUserTrade, data, (trade) => ({ kind: 'fill', trade }));
    case 'margins':
      return parseWith(type, ZMargins, data, (margins) => ({ kind: 'margins', margins }));
    case 'system_status':
      return parseWith(type, ZSystemStatus, data, (status) => ({ kind: 'system_status', status }));
    case 'mark_price':
      return 'sy' in rec
        ? parseWith(type, ZMarkCompact, data, (m) => ({
            kind: 'mark_price',
            symbol: bare(m.sy),
            price: m.p,
            timestamp: m.ts,
          }))
        : parseWith(type, ZMarkLong, data, (m) => ({
            kind: 'mark_price',
            symbol: bare(m.symbol),
            price: m.price,
            timestamp: m.timestamp,
          }));
    case 'ticker':
      return parseWith(type, ZTickerCompact, data, (t) => ({
        kind: 'ticker',
        symbol: t.sy,
        mark_price: t.d[0]!.m,
        spot_price: t.sp ?? null,
        timestamp: t.ts,
      }));
    case 'v2/ticker':
      return parseWith(type, ZTickerLong, data, (t) => ({
        kind: 'ticker',
        symbol: t.symbol,
        mark_price: t.mark_price,
        spot_price: t.spot_price ?? null,
        timestamp: t.timestamp,
      }));
  }
  if (type.startsWith('candlestick_')) {
    return 'sy' in rec
      ? parseWith(type, ZCandleCompact, data, (c) => candle(c.sy, c.res, [c.o, c.h, c.l, c.c], c.v, c.ts))
      : parseWith(type, ZCandleLong, data, (c) =>
          candle(c.symbol, c.resolution, [c.open, c.high, c.low, c.close], c.volume, c.timestamp),
        );
  }
  return { kind: 'other', type, data };
}

function candle(
  symbol: string,
  resolution: string,
  [open, high, low, close]: [number, number, number, number],
  volume: number | null | undefined,
  timestamp: number,
): StreamMessage {
  return { kind: 'candle', symbol, resolution, open, high, low, close, volume: volume ?? null, timestamp };
}
