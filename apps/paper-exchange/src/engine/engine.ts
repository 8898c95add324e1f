import type { Db, Queryable } from '@delta/server-kit';
import type { Market } from '../market/market.ts';
import { Effects } from './effects.ts';
import type { EngineCtx } from './fills.ts';

/** The engine's view of the exchange: its database, its market, and where committed changes are announced. */
export interface Engine {
  db: Db;
  market: Market;
  publish(fx: Effects): void;
}

/**
 * One engine transaction: its effects are published once it has committed, never for a rollback. Operations that
 * span several transactions (matching after a move) call this once per transaction.
 */
export async function inTx<T>(e: Engine, fn: (tx: Queryable, ctx: EngineCtx) => Promise<T>): Promise<T> {
  const fx = new Effects();
  const result = await e.db.transaction((tx) => fn(tx, { market: e.market, fx }));
  e.publish(fx);
  return result;
}
