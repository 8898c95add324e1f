import { AppError } from './errors.ts';

/**
 * Opaque keyset cursors over a table's `seq` (newest first): callers pass back what we gave them; the content is
 * ours to change. Shared by every listing that pages by sequence number (Plant's audit listings, the gateway's
 * refusals).
 */
export function encodeCursor(seq: string): string {
  return Buffer.from(JSON.stringify({ s: seq }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown };
    if (typeof parsed.s === 'string' && /^\d{1,18}$/.test(parsed.s)) return parsed.s;
  } catch {
    // fall through to the validation error
  }
  throw AppError.validation([
    { path: 'cursor', code: 'invalid_cursor', message: 'Pass back a next_cursor value exactly as received.' },
  ]);
}

export function nextCursor<T extends { seq: string }>(rows: T[], limit: number): string | null {
  const last = rows[rows.length - 1];
  return rows.length === limit && last ? encodeCursor(last.seq) : null;
}
