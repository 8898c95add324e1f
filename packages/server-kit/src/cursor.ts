import { z } from 'zod';
import { AppError } from './errors.ts';

/**
 * Opaque cursors: what a listing hands out as `next_cursor` and takes back. The content (JSON, base64url) is ours
 * to change; a caller passes back what it was given. One codec for every listing: keyset cursors over `seq`
 * (Plant's audit listings, the gateway's refusals) and over other keys (approvals, customers, the merged audit).
 */
export function encodeOpaqueCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

const invalidCursor = () =>
  new AppError(422, 'invalid_cursor', 'The cursor is not one this list returned.', {
    extra: {
      errors: [
        {
          path: 'cursor',
          code: 'invalid_cursor',
          message: 'Pass back a next_cursor value exactly as received.',
        },
      ],
    },
  });

/** The cursor's content, checked with `schema`; anything else (forged, truncated, another list's) is a 422. */
export function decodeOpaqueCursor<S extends z.ZodType>(
  cursor: string | undefined,
  schema: S,
): z.infer<S> | undefined {
  if (cursor === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}

const ZSeqCursor = z.object({ s: z.string().regex(/^\d{1,18}$/) });

/** A keyset cursor over a table's `seq` (newest first). */
export function encodeCursor(seq: string): string {
  return encodeOpaqueCursor({ s: seq });
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  return decodeOpaqueCursor(cursor, ZSeqCursor)?.s;
}

export function nextCursor<T extends { seq: string }>(rows: T[], limit: number): string | null {
  const last = rows[rows.length - 1];
  return rows.length === limit && last ? encodeCursor(last.seq) : null;
}
