import type { DeltaReadClient, Page } from '../read-client.ts';
import {
  type FillUpdate,
  fillFromRest,
  type MarginsUpdate,
  marginsFromRest,
  type OrderUpdate,
  orderFromRest,
  type PositionUpdate,
  positionFromRest,
} from './account-events.ts';

export interface CatchUpPlan {
  /** null: the start (state only, plus what exists already, to be recognised later); else µs to look back to. */
  sinceUs: number | null;
  /** Orders last known open: each must be accounted for (still open, or found finished). */
  knownOpen: number[];
  /** Product symbols followed, or null for all. */
  symbols: Set<string> | null;
  want: { orders: boolean; fills: boolean; positions: boolean; margins: boolean };
  /** Pages per listing before the catch-up gives up proving completeness (default 20 of 50). */
  maxPages: number;
  correlationId?: string;
}

export interface CatchUpResult {
  orders: OrderUpdate[];
  fills: FillUpdate[];
  /** Every open position (null when positions are not followed). */
  positions: PositionUpdate[] | null;
  margins: MarginsUpdate[];
  /** What existed before the start: recognised later, never reported. */
  seed: { fills: string[]; orders: OrderUpdate[] };
  /** True when a listing had more pages than allowed: the consumer should reload its view. */
  truncated: boolean;
}

const PAGE = 50;

/** Numeric ids by value (Delta's REST fill ids are integers), anything else as text. */
function byId(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Follows `after` cursors (newest first) until the listing ends or `maxPages` is reached. */
async function allPages<T>(
  first: (after: string | undefined) => Promise<Page<T>>,
  maxPages: number,
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let after: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const p = await first(after);
    items.push(...p.items);
    if (!p.after || p.items.length === 0) return { items, truncated: false };
    after = p.after;
  }
  return { items, truncated: true };
}

/**
 * What REST says happened since `sinceUs` — orders changed (open now, finished since, or known open before and
 * since finished), fills since, the open positions and the wallet — or, at the start, the current state plus
 * the latest fills and orders to recognise. Delta's listings filter on creation time, so an order created long
 * ago and finished during the gap is found through `knownOpen`, one look-up each.
 */
export async function catchUp(client: DeltaReadClient, plan: CatchUpPlan): Promise<CatchUpResult> {
  const o = plan.correlationId ? { correlationId: plan.correlationId } : {};
  const followed = (symbol: string | null | undefined) =>
    plan.symbols === null || symbol === null || symbol === undefined || plan.symbols.has(symbol);
  const source = plan.sinceUs === null ? 'snapshot' : 'catch_up';
  const result: CatchUpResult = {
    orders: [],
    fills: [],
    positions: null,
    margins: [],
    seed: { fills: [], orders: [] },
    truncated: false,
  };
  const since = plan.sinceUs ?? undefined;

  const orders = async () => {
    const open = await allPages(
      (after) => client.openOrdersPage({ page_size: PAGE, ...(after ? { after } : {}) }, o),
      plan.maxPages,
    );
    const history = await allPages(
      (after) =>
        client.orderHistory(
          {
            page_size: PAGE,
            ...(since !== undefined ? { start_time: since } : {}),
            ...(after ? { after } : {}),
          },
          o,
        ),
      since === undefined ? 1 : plan.maxPages,
    );
    result.truncated ||= open.truncated || (since !== undefined && history.truncated);
    const seen = new Set([...open.items, ...history.items].map((x) => x.id));
    const missing = plan.knownOpen.filter((id) => !seen.has(id));
    if (missing.length > plan.maxPages * PAGE) result.truncated = true;
    const looked = await Promise.all(
      missing.slice(0, plan.maxPages * PAGE).map((id) => client.getOrder(id, o)),
    );
    const changed = [...open.items, ...looked].map((x) => orderFromRest(x, source));
    const finished = history.items.map((x) => orderFromRest(x, source));
    if (since === undefined) result.seed.orders = finished;
    else changed.push(...finished);
    result.orders = changed
      .filter((x) => followed(x.symbol))
      .sort((a, b) => (a.updated_at_us ?? 0) - (b.updated_at_us ?? 0) || a.order_id - b.order_id);
  };

  const fills = async () => {
    const listed = await allPages(
      (after) =>
        client.fills(
          {
            page_size: PAGE,
            ...(since !== undefined ? { start_time: since } : {}),
            ...(after ? { after } : {}),
          },
          o,
        ),
      since === undefined ? 1 : plan.maxPages,
    );
    const all = listed.items.map(fillFromRest).filter((f) => followed(f.symbol));
    if (since === undefined) {
      result.seed.fills = all.map((f) => f.fill_id);
      return;
    }
    result.truncated ||= listed.truncated;
    // Oldest first, as they happened; equal times by id (Delta's fill ids grow).
    result.fills = all.sort((a, b) => a.timestamp_us - b.timestamp_us || byId(a.fill_id, b.fill_id));
  };

  const positions = async () => {
    const open = await client.marginedPositions(o);
    result.positions = open.map((p) => positionFromRest(p, source)).filter((p) => followed(p.symbol));
  };

  const margins = async () => {
    result.margins = (await client.balances(o)).balances.map((b) => marginsFromRest(b, source));
  };

  await Promise.all([
    plan.want.orders ? orders() : undefined,
    plan.want.fills ? fills() : undefined,
    plan.want.positions ? positions() : undefined,
    plan.want.margins ? margins() : undefined,
  ]);
  return result;
}
