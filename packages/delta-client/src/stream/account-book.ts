import type { FillUpdate, MarginsUpdate, OrderUpdate, PositionUpdate } from './account-events.ts';

const TERMINAL = new Set(['closed', 'cancelled']);

/** Decimal strings compare by value: "59000" from REST and "59000.0" from the socket are one price. */
function sameDecimal(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return a === b || Number(a) === Number(b);
}

/** Ids seen lately, oldest forgotten first: enough to recognise every fill a catch-up can fetch again. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }
}

/**
 * What the consumer has been told, and the rule that decides whether an update is news. Whatever the source and
 * whatever the interleaving of socket and REST, the consumer sees each fill once, never an order state older
 * than one it already saw (a terminal order stays terminal), and never the same order, position or wallet
 * state twice in a row.
 */
export class AccountBook {
  private readonly orders = new Map<number, OrderUpdate>();
  private readonly fillIds: RecentIds;
  private readonly positions = new Map<string, PositionUpdate>();
  private readonly margins = new Map<string, MarginsUpdate>();
  /** The latest exchange time seen on an order or fill (µs): where a catch-up starts looking again. */
  lastUpdateUs = 0;

  constructor(private readonly limits = { orders: 10_000, fills: 20_000 }) {
    this.fillIds = new RecentIds(limits.fills);
  }

  /** The update when it is news, else undefined (a duplicate, or older than what was already told). */
  order(u: OrderUpdate): OrderUpdate | undefined {
    const last = this.orders.get(u.order_id);
    if (last) {
      const same =
        last.state === u.state &&
        last.size === u.size &&
        last.unfilled_size === u.unfilled_size &&
        sameDecimal(last.limit_price, u.limit_price) &&
        sameDecimal(last.average_fill_price, u.average_fill_price);
      if (same || TERMINAL.has(last.state)) return undefined;
      const older =
        last.updated_at_us !== null && u.updated_at_us !== null && u.updated_at_us < last.updated_at_us;
      // Without times, a fill only ever lowers the unfilled size of an order of the same size.
      const regress =
        (last.updated_at_us === null || u.updated_at_us === null) &&
        !TERMINAL.has(u.state) &&
        u.size === last.size &&
        u.unfilled_size > last.unfilled_size;
      if (older || regress) return undefined;
    }
    this.remember(u);
    return u;
  }

  fill(u: FillUpdate): FillUpdate | undefined {
    if (this.fillIds.has(u.fill_id)) return undefined;
    this.fillIds.add(u.fill_id);
    this.lastUpdateUs = Math.max(this.lastUpdateUs, u.timestamp_us);
    return u;
  }

  position(u: PositionUpdate): PositionUpdate | undefined {
    const last = this.positions.get(u.symbol);
    const same =
      last !== undefined &&
      last.size === u.size &&
      sameDecimal(last.entry_price, u.entry_price) &&
      sameDecimal(last.margin, u.margin) &&
      sameDecimal(last.liquidation_price, u.liquidation_price);
    // A flat product never seen before is no news either.
    if (same || (last === undefined && u.size === 0)) return undefined;
    this.positions.set(u.symbol, u);
    return u;
  }

  wallet(u: MarginsUpdate): MarginsUpdate | undefined {
    const last = this.margins.get(u.asset_symbol);
    if (last) {
      const same =
        sameDecimal(last.balance, u.balance) &&
        sameDecimal(last.available_balance, u.available_balance) &&
        sameDecimal(last.blocked_margin, u.blocked_margin);
      const older =
        last.timestamp_us !== null && u.timestamp_us !== null && u.timestamp_us < last.timestamp_us;
      if (same || older) return undefined;
    }
    this.margins.set(u.asset_symbol, u);
    return u;
  }

  /** Records what existed before the stream started, without telling anyone (so a catch-up does not repeat it). */
  seedFill(id: string): void {
    this.fillIds.add(id);
  }

  seedOrder(u: OrderUpdate): void {
    if (!this.orders.has(u.order_id)) this.remember(u);
  }

  /** Orders last told as open or pending: a catch-up must learn what became of each. */
  openOrderIds(): number[] {
    return [...this.orders.values()].filter((o) => !TERMINAL.has(o.state)).map((o) => o.order_id);
  }

  /** Products last told with a non-zero position. */
  openPositions(): PositionUpdate[] {
    return [...this.positions.values()].filter((p) => p.size !== 0);
  }

  /** The current view: open orders, open positions, wallets — what a newly connected browser is sent first. */
  current(): { orders: OrderUpdate[]; positions: PositionUpdate[]; margins: MarginsUpdate[] } {
    return {
      orders: [...this.orders.values()].filter((o) => !TERMINAL.has(o.state)),
      positions: this.openPositions(),
      margins: [...this.margins.values()],
    };
  }

  private remember(u: OrderUpdate): void {
    this.orders.delete(u.order_id); // re-inserted last: the map's order is the pruning order
    this.orders.set(u.order_id, u);
    if (u.updated_at_us !== null) this.lastUpdateUs = Math.max(this.lastUpdateUs, u.updated_at_us);
    if (this.orders.size <= this.limits.orders) return;
    for (const [id, o] of this.orders) {
      if (this.orders.size <= this.limits.orders) break;
      if (TERMINAL.has(o.state)) this.orders.delete(id);
    }
  }
}
