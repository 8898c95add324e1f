import { z } from 'zod';

/**
 * The live account stream a portal pushes to its web app (PP: `GET /api/credentials/:ref/stream`, Server-Sent
 * Events): a `snapshot` first, then deltas. Each event's `type` is also its SSE event name. Decimals are strings
 * (as the exchange sends them), times microseconds. Objects are non-strict: a server may add fields.
 */
const ZDec = z.string();
const ZSource = z.enum(['snapshot', 'stream', 'catch_up']);

export const ZStreamPosition = z.object({
  symbol: z.string(),
  product_id: z.number().int(),
  /** Contracts, negative when short; 0 = the position was closed. */
  size: z.number(),
  entry_price: ZDec.nullable(),
  margin: ZDec.nullable(),
  liquidation_price: ZDec.nullable(),
  bankruptcy_price: ZDec.nullable(),
  realized_pnl: ZDec.nullable(),
  source: ZSource,
});
export type TStreamPosition = z.infer<typeof ZStreamPosition>;

export const ZStreamOrder = z.object({
  order_id: z.number().int(),
  client_order_id: z.string().nullable(),
  symbol: z.string(),
  product_id: z.number().int(),
  side: z.enum(['buy', 'sell']),
  order_type: z.string().nullable(),
  size: z.number(),
  unfilled_size: z.number(),
  state: z.enum(['open', 'pending', 'closed', 'cancelled']),
  limit_price: ZDec.nullable(),
  average_fill_price: ZDec.nullable(),
  cancellation_reason: z.string().nullable(),
  updated_at_us: z.number().nullable(),
  source: ZSource,
});
export type TStreamOrder = z.infer<typeof ZStreamOrder>;

export const ZStreamFill = z.object({
  fill_id: z.string(),
  order_id: z.string(),
  client_order_id: z.string().nullable(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  size: z.number(),
  price: ZDec,
  role: z.string(),
  /** The commission, when the source tells it (REST does; Delta's `v2/user_trades` does not). */
  fee: ZDec.nullable(),
  timestamp_us: z.number(),
  source: ZSource,
});
export type TStreamFill = z.infer<typeof ZStreamFill>;

export const ZStreamBalance = z.object({
  asset_symbol: z.string(),
  balance: ZDec,
  available_balance: ZDec,
  blocked_margin: ZDec.nullable(),
  order_margin: ZDec.nullable(),
  position_margin: ZDec.nullable(),
  timestamp_us: z.number().nullable(),
  source: ZSource,
});
export type TStreamBalance = z.infer<typeof ZStreamBalance>;

export const ZStreamMark = z.object({
  symbol: z.string(),
  mark_price: ZDec,
  timestamp_us: z.number().nullable(),
  /** Underlying per contract (e.g. "0.001" BTC for BTCUSD): unrealised PnL = (mark − entry) × size × this. */
  contract_value: ZDec.nullable(),
});
export type TStreamMark = z.infer<typeof ZStreamMark>;

export const STREAM_STATUSES = ['connected', 'reconnecting', 'caught_up'] as const;
export type TStreamStatus = (typeof STREAM_STATUSES)[number];

/** Why the server ended a stream (the last event it sends). */
export const STREAM_CLOSE_REASONS = [
  'slow_consumer',
  'exchange_key_rejected',
  'credential_revoked',
  'exchange_stream_failed',
  /** The viewer's session ended (signed out, expired, disabled): this stream only. */
  'session_ended',
  'shutdown',
] as const;
export type TStreamCloseReason = (typeof STREAM_CLOSE_REASONS)[number];

export const ZAccountSnapshotEvent = z.object({
  type: z.literal('snapshot'),
  credential_ref: z.string(),
  status: z.enum(STREAM_STATUSES),
  positions: z.array(ZStreamPosition),
  orders: z.array(ZStreamOrder),
  /** The latest fills, newest first. */
  fills: z.array(ZStreamFill),
  balances: z.array(ZStreamBalance),
  marks: z.array(ZStreamMark),
  at_us: z.number(),
});

export const ZAccountStreamEvent = z.discriminatedUnion('type', [
  ZAccountSnapshotEvent,
  z.object({ type: z.literal('position'), position: ZStreamPosition }),
  z.object({ type: z.literal('order'), order: ZStreamOrder }),
  z.object({ type: z.literal('fill'), fill: ZStreamFill }),
  z.object({ type: z.literal('margins'), balance: ZStreamBalance }),
  z.object({ type: z.literal('mark'), mark: ZStreamMark }),
  z.object({
    type: z.literal('status'),
    status: z.enum(STREAM_STATUSES),
    reason: z.string().nullable(),
  }),
  z.object({ type: z.literal('heartbeat'), at_us: z.number() }),
  z.object({ type: z.literal('closed'), reason: z.enum(STREAM_CLOSE_REASONS) }),
]);
export type TAccountStreamEvent = z.infer<typeof ZAccountStreamEvent>;
export type TAccountSnapshotEvent = z.infer<typeof ZAccountSnapshotEvent>;
export type TAccountStreamEventType = TAccountStreamEvent['type'];
export const ACCOUNT_STREAM_EVENT_TYPES = [
  'snapshot',
  'position',
  'order',
  'fill',
  'margins',
  'mark',
  'status',
  'heartbeat',
  'closed',
] as const satisfies readonly TAccountStreamEventType[];

/** Candle resolutions a portal's chart may ask for (Delta's REST resolutions). */
export const CANDLE_RESOLUTIONS = {
  '1m': 60,
  '3m': 180,
  '5m': 300,
  '15m': 900,
  '30m': 1_800,
  '1h': 3_600,
  '2h': 7_200,
  '4h': 14_400,
  '6h': 21_600,
  '1d': 86_400,
  '1w': 604_800,
} as const;
export type TCandleResolution = keyof typeof CANDLE_RESOLUTIONS;
/** Delta answers at most 2000 candles per request; a portal asks for no more. */
export const MAX_CANDLES = 2_000;

export const ZCandleView = z.object({
  /** Unix seconds: the candle's start. */
  time: z.number().int(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number().nullable(),
});
export type TCandleView = z.infer<typeof ZCandleView>;
export const ZCandleList = z.object({
  symbol: z.string(),
  resolution: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  candles: z.array(ZCandleView),
});
export type TCandleList = z.infer<typeof ZCandleList>;
