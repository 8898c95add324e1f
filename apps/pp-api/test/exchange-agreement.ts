/**
 * Plant's picture of a customer's account against the exchange's, one order at a time: what the late-order and
 * fault-mix tests end with. Reads both databases directly (the exchange's own tables are its truth).
 */
import { expect } from 'vitest';
import type { Stack } from './stack.ts';

export interface PlantExecution {
  approval_id: string;
  client_order_id: string;
  state: string;
  reason: string | null;
  side: 'buy' | 'sell';
  product_id: number;
  exchange_order_id: string | null;
  filled_size: number | null;
  discovered_late_at: Date | null;
}

export async function plantExecutions(stack: Stack, customerId: string): Promise<PlantExecution[]> {
  const r = await stack.dbs.plant.db.query<PlantExecution>(
    `SELECT approval_id, client_order_id, state, reason, side, product_id, exchange_order_id, filled_size,
            discovered_late_at
       FROM executions WHERE customer_id = $1 ORDER BY created_at`,
    [customerId],
  );
  return r.rows;
}

interface ExchangeOrder {
  id: string;
  client_order_id: string | null;
  side: 'buy' | 'sell';
  product_id: number;
  size: number;
  unfilled_size: number;
  state: string;
}

export async function exchangeOrders(stack: Stack, accountId: number): Promise<ExchangeOrder[]> {
  const r = await stack.dbs.paper.db.query<ExchangeOrder>(
    `SELECT id::text AS id, client_order_id, side, product_id, size, unfilled_size, state
       FROM px_orders WHERE account_id = $1 ORDER BY id`,
    [accountId],
  );
  return r.rows;
}

/**
 * Once every execution is settled: no duplicate order, no order without an execution (and so without an approval),
 * every execution that names an order names that one, every "not placed" execution has no order, and the
 * positions the exchange holds are the sum of what Plant recorded as filled.
 */
export async function expectAgreement(stack: Stack, customerId: string, accountId: number) {
  const executions = await plantExecutions(stack, customerId);
  const orders = await exchangeOrders(stack, accountId);
  const summary = JSON.stringify({ executions, orders }, null, 1).slice(0, 4000);

  const byClientId = new Map<string, ExchangeOrder[]>();
  for (const o of orders) {
    expect(o.client_order_id, `an order without a client id: ${summary}`).not.toBeNull();
    byClientId.set(o.client_order_id!, [...(byClientId.get(o.client_order_id!) ?? []), o]);
  }
  for (const [cid, list] of byClientId) expect(list, `duplicate orders for ${cid}`).toHaveLength(1);

  const executionByCid = new Map(executions.map((e) => [e.client_order_id, e]));
  for (const o of orders) {
    const e = executionByCid.get(o.client_order_id!);
    expect(e, `order ${o.id} has no execution (no approval): ${summary}`).toBeDefined();
    expect(e!.exchange_order_id, `execution of ${o.client_order_id} does not name its order`).toBe(o.id);
    expect(e!.filled_size).toBe(o.size - o.unfilled_size);
    expect(e!.state).toBe(o.state === 'closed' ? 'filled' : o.state);
  }
  for (const e of executions) {
    expect(['filled', 'open', 'cancelled', 'rejected'], `unsettled: ${summary}`).toContain(e.state);
    if (e.exchange_order_id === null)
      expect(byClientId.has(e.client_order_id), `${e.client_order_id} recorded ${e.state} but exists`).toBe(
        false,
      );
  }

  const positions = await stack.dbs.paper.db.query<{ product_id: number; size: number }>(
    'SELECT product_id, size FROM px_positions WHERE account_id = $1',
    [accountId],
  );
  const held = new Map(positions.rows.map((p) => [Number(p.product_id), Number(p.size)]));
  const recorded = new Map<number, number>();
  for (const e of executions) {
    if (!e.filled_size) continue;
    const signed = (e.side === 'buy' ? 1 : -1) * e.filled_size;
    recorded.set(Number(e.product_id), (recorded.get(Number(e.product_id)) ?? 0) + signed);
  }
  for (const product of new Set([...held.keys(), ...recorded.keys()])) {
    expect(recorded.get(product) ?? 0, `position in ${product}: ${summary}`).toBe(held.get(product) ?? 0);
  }
  return { executions, orders };
}
