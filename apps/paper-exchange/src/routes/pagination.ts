import { z } from 'zod';
import { badSchema } from '../delta-errors.ts';

/**
 * Delta's cursor pagination for history listings (orders/history, fills, wallet/transactions): newest first,
 * opaque `after` (older page) / `before` (newer page) cursors in `meta`, no `total` (removed January 2026),
 * `page_size` at most 50 — Delta's changelog says a larger value "will return only 50 items", so it is clamped,
 * not refused — and comma-separated `product_ids` of at most 10 (more is a 4xx).
 */

export const MAX_HISTORY_PAGE = 50;
export const MAX_PRODUCT_IDS = 10;
/** Without an explicit start, history covers about 90 days. */
export const DEFAULT_HISTORY_DAYS = 90;

const cursor = z.string().min(1).max(200).optional();
const micros = z.coerce.number().int().min(0).max(8_640_000_000_000_000).optional();

export const ZHistoryQuery = z.looseObject({
  product_ids: z.string().max(400).optional(),
  product_id: z.coerce.number().int().positive().optional(),
  contract_types: z.string().max(200).optional(),
  order_types: z.string().max(200).optional(),
  start_time: micros,
  end_time: micros,
  after: cursor,
  before: cursor,
  page_size: z.coerce.number().int().min(1).max(1_000_000).optional(),
});
export type HistoryQuery = z.infer<typeof ZHistoryQuery>;

/** Product ids to filter on (null: all), refusing more than ten or anything not an id. */
export function productIds(q: { product_ids?: string | undefined; product_id?: number | undefined }) {
  if (q.product_ids === undefined) return q.product_id ? [q.product_id] : null;
  const parts = q.product_ids.split(',').map((s) => s.trim());
  if (parts.length > MAX_PRODUCT_IDS) {
    throw badSchema([{ path: 'product_ids', message: `at most ${MAX_PRODUCT_IDS} product ids` }]);
  }
  if (!parts.every((s) => /^\d{1,9}$/.test(s))) {
    throw badSchema([{ path: 'product_ids', message: 'comma-separated product ids' }]);
  }
  return parts.map(Number);
}

export function encodeCursor(id: string): string {
  return Buffer.from(`c:${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(value: string | undefined, param: 'after' | 'before'): string | null {
  if (value === undefined) return null;
  const text = Buffer.from(value, 'base64url').toString('utf8');
  const m = /^c:(\d{1,18})$/.exec(text);
  if (!m) throw badSchema([{ path: param, message: 'pass back a cursor exactly as received in meta' }]);
  return m[1]!;
}

export interface PageWindow {
  /** Rows with ids below this (an `after` cursor). */
  below: string | null;
  /** Rows with ids above this (a `before` cursor). */
  above: string | null;
  size: number;
  /** Microseconds. */
  start: number;
  end: number | null;
}

export function pageWindow(q: HistoryQuery, now = Date.now(), maxPage = MAX_HISTORY_PAGE): PageWindow {
  return {
    below: decodeCursor(q.after, 'after'),
    above: decodeCursor(q.before, 'before'),
    size: Math.min(q.page_size ?? maxPage, maxPage),
    start: q.start_time ?? (now - DEFAULT_HISTORY_DAYS * 86_400_000) * 1000,
    end: q.end_time ?? null,
  };
}

/**
 * Rows fetched newest first with one extra (or, for a `before` page, oldest first with one extra) become a page
 * and its cursors.
 */
export function toPage<T extends { id: string }>(rows: T[], w: PageWindow) {
  const more = rows.length > w.size;
  const items = rows.slice(0, w.size);
  if (w.above !== null) items.reverse();
  const first = items[0];
  const last = items[items.length - 1];
  const olderExists = w.above !== null ? true : more;
  const newerExists = w.above !== null ? more : w.below !== null;
  return {
    items,
    meta: {
      after: olderExists && last ? encodeCursor(last.id) : null,
      before: newerExists && first ? encodeCursor(first.id) : null,
    },
  };
}

/** The SQL pieces of a window: `id < below`, `id > above`, the time range, the order and the limit. */
export function windowSql(w: PageWindow, idCol: string, timeCol: string, firstParam: number) {
  const p = (k: number) => `$${firstParam + k}`;
  return {
    where: `(${p(0)}::bigint IS NULL OR ${idCol} < ${p(0)}::bigint) AND (${p(1)}::bigint IS NULL OR ${idCol} > ${p(1)}::bigint)
      AND ${timeCol} >= to_timestamp(${p(2)}::double precision / 1000000)
      AND (${p(3)}::double precision IS NULL OR ${timeCol} <= to_timestamp(${p(3)}::double precision / 1000000))`,
    order: w.above !== null ? `${idCol} ASC` : `${idCol} DESC`,
    limit: p(4),
    params: [w.below, w.above, w.start, w.end, w.size + 1] as unknown[],
  };
}
