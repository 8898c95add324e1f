import { z } from 'zod';

// Ids have one shape each (ids.ts); there is deliberately no "any opaque id" schema.

/** A machine-readable name (an action, a reason code): lower-case snake_case, optionally dotted. */
export const ZMachineName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,47}(\.[a-z][a-z0-9_]{0,47})*$/, 'must be a lower-case name such as place_order')
  .max(64);

/** A coin as the exchange names its underlying asset (BTC, ETH, …). */
export const ZCoin = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{1,9}$/, 'must be an upper-case coin symbol such as BTC');
export type TCoin = z.infer<typeof ZCoin>;

/** Money and prices travel as decimal strings, never JSON numbers, so no value ever passes through a float. */
export const DECIMAL_PATTERN = /^(0|[1-9]\d{0,14})(\.\d{1,8})?$/;
export const ZDecimalString = z
  .string()
  .regex(DECIMAL_PATTERN, 'must be a decimal string such as "65000.5" (up to 15 digits, 8 decimals)');
export const ZPositiveDecimalString = ZDecimalString.refine((v) => /[1-9]/.test(v), 'must be greater than 0');

/** Cursor pagination shared by list endpoints. */
export const ZPageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** A next_cursor value passed back as received: base64url, nothing else. */
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a next_cursor value exactly as received')
    .optional(),
};

export const ZTimeRange = {
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};
