import { z } from 'zod';

/** Opaque identifiers sent by portals (customer ids, exchange accounts, approvals, credential refs). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const ZOpaqueId = z
  .string()
  .regex(ID_PATTERN, 'must be 1–128 characters of letters, digits, "_", ".", ":" or "-"');

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
  cursor: z.string().max(200).optional(),
};

export const ZTimeRange = {
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};
