import { orderError } from '../delta-errors.ts';
import { PRODUCTS } from '../market/products.ts';
import { type Engine, inTx } from './engine.ts';
import { ORDER_COLUMNS, type OrderRow } from './rows.ts';

/**
 * The dead-man switch: heartbeats (`POST /v2/heartbeat/create`, acknowledged with `POST /v2/heartbeat` and a TTL
 * in ms; TTL 0 disables) whose configured actions run once the client has missed `unhealthy_count` TTLs, and the
 * simpler `POST /v2/orders/cancel_after` timer. State lives in the database and the timers are re-armed at start,
 * so a restarted exchange still cancels. The only action simulated is `cancel_orders`; `spreads` is accepted and
 * does nothing (the synthetic book has no quotes of the account's to widen).
 */

export interface HeartbeatSpec {
  heartbeat_id: string;
  impact: string;
  contract_types?: string[] | undefined;
  underlying_assets?: string[] | undefined;
  product_symbols?: string[] | undefined;
  config: { action: 'cancel_orders' | 'spreads'; unhealthy_count: number; tag?: string | undefined }[];
}

interface HeartbeatRow {
  account_id: string;
  heartbeat_id: string;
  impact: string;
  scope: { contract_types?: string[]; underlying_assets?: string[]; product_symbols?: string[] };
  config: HeartbeatSpec['config'];
  ttl_ms: string;
  last_ack: Date | null;
  expires_at: Date | null;
  fired_count: number;
}

const MAX_HEARTBEATS = 20;
export const DEADMAN_REASON = 'deadman_switch';

/** Product ids a heartbeat watches. */
function scopeProducts(scope: HeartbeatRow['scope']): number[] {
  return PRODUCTS.filter(
    (p) =>
      (!scope.product_symbols?.length || scope.product_symbols.includes(p.symbol)) &&
      (!scope.underlying_assets?.length || scope.underlying_assets.includes(p.underlying)) &&
      (!scope.contract_types?.length || scope.contract_types.includes('perpetual_futures')),
  ).map((p) => p.id);
}

export class DeadManSwitch {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly e: Engine) {}

  private arm(key: string, at: number, fn: () => Promise<void>): void {
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    if (this.stopped) return;
    const t = setTimeout(
      () => {
        this.timers.delete(key);
        void fn().catch(() => undefined);
      },
      Math.max(0, at - Date.now()),
    );
    t.unref();
    this.timers.set(key, t);
  }

  private disarm(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  /** Re-arms what was pending when the exchange stopped (an overdue one fires at once). */
  async load(): Promise<void> {
    const hb = await this.e.db.query<HeartbeatRow>(
      'SELECT * FROM px_heartbeats WHERE expires_at IS NOT NULL',
    );
    for (const h of hb.rows) this.armHeartbeat(h);
    const ca = await this.e.db.query<{ account_id: string; expires_at: Date }>(
      'SELECT * FROM px_cancel_after',
    );
    for (const c of ca.rows) this.armCancelAfter(c.account_id, c.expires_at.getTime());
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.timers.keys()]) this.disarm(key);
  }

  async create(accountId: string, spec: HeartbeatSpec): Promise<{ heartbeat_id: string; status: string }> {
    const count = await this.e.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM px_heartbeats WHERE account_id = $1 AND heartbeat_id <> $2',
      [accountId, spec.heartbeat_id],
    );
    if (count.rows[0]!.n >= MAX_HEARTBEATS)
      throw orderError('invalid_config', { max_heartbeats: MAX_HEARTBEATS });
    const scope = {
      contract_types: spec.contract_types,
      underlying_assets: spec.underlying_assets,
      product_symbols: spec.product_symbols,
    };
    await this.e.db.query(
      `INSERT INTO px_heartbeats (account_id, heartbeat_id, impact, scope, config) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, heartbeat_id) DO UPDATE SET impact = EXCLUDED.impact, scope = EXCLUDED.scope,
         config = EXCLUDED.config`,
      [accountId, spec.heartbeat_id, spec.impact, JSON.stringify(scope), JSON.stringify(spec.config)],
    );
    return { heartbeat_id: spec.heartbeat_id, status: 'active' };
  }

  async ack(accountId: string, heartbeatId: string, ttlMs: number) {
    const expires = ttlMs > 0 ? new Date(Date.now() + ttlMs) : null;
    const r = await this.e.db.query<HeartbeatRow>(
      `UPDATE px_heartbeats SET ttl_ms = $3, last_ack = now(), expires_at = $4, fired_count = 0
       WHERE account_id = $1 AND heartbeat_id = $2 RETURNING *`,
      [accountId, heartbeatId, ttlMs, expires],
    );
    const row = r.rows[0];
    if (!row) throw orderError('heartbeat_not_found', { heartbeat_id: heartbeatId });
    const key = `hb:${accountId}:${heartbeatId}`;
    if (expires) this.armHeartbeat(row);
    else this.disarm(key);
    return {
      heartbeat_timestamp: expires ? String(expires.getTime()) : '0',
      process_enabled: expires ? 'true' : 'false',
    };
  }

  async list(accountId: string, heartbeatId?: string) {
    const r = await this.e.db.query<HeartbeatRow>(
      `SELECT * FROM px_heartbeats WHERE account_id = $1 AND ($2::text IS NULL OR heartbeat_id = $2)
       ORDER BY created_at`,
      [accountId, heartbeatId ?? null],
    );
    return r.rows.map((h) => ({
      user_id: Number(h.account_id),
      heartbeat_id: h.heartbeat_id,
      impact: h.impact,
      contract_types: h.scope.contract_types ?? [],
      underlying_assets: h.scope.underlying_assets ?? [],
      product_symbols: h.scope.product_symbols ?? [],
      config: h.config,
      status: h.expires_at === null ? 'inactive' : h.fired_count > 0 ? 'unhealthy' : 'active',
      last_ack: h.last_ack ? String(h.last_ack.getTime()) : null,
      next_ack_required_by: h.expires_at ? String(h.expires_at.getTime()) : null,
    }));
  }

  private armHeartbeat(h: HeartbeatRow): void {
    if (!h.expires_at) return;
    const ttl = Number(h.ttl_ms);
    const key = `hb:${h.account_id}:${h.heartbeat_id}`;
    // The n-th missed TTL makes the heartbeat unhealthy n times; actions run when their count is reached.
    const at = h.expires_at.getTime() + h.fired_count * ttl;
    this.arm(key, at, async () => {
      const r = await this.e.db.query<HeartbeatRow>(
        `UPDATE px_heartbeats SET fired_count = fired_count + 1
         WHERE account_id = $1 AND heartbeat_id = $2 AND expires_at = $3 RETURNING *`,
        [h.account_id, h.heartbeat_id, h.expires_at],
      );
      const now = r.rows[0];
      if (!now) return; // acknowledged (or disabled) in the meantime
      const due = now.config.filter((c) => Math.max(1, c.unhealthy_count) === now.fired_count);
      if (due.some((c) => c.action === 'cancel_orders')) {
        await this.cancelOrders(now.account_id, scopeProducts(now.scope));
      }
      if (now.config.some((c) => Math.max(1, c.unhealthy_count) > now.fired_count)) this.armHeartbeat(now);
    });
  }

  async cancelAfter(accountId: string, ms: number) {
    if (ms <= 0) {
      await this.e.db.query('DELETE FROM px_cancel_after WHERE account_id = $1', [accountId]);
      this.disarm(`ca:${accountId}`);
      return { cancel_after_enabled: 'false', cancel_after_timestamp: '0' };
    }
    const at = Date.now() + ms;
    await this.e.db.query(
      `INSERT INTO px_cancel_after (account_id, expires_at) VALUES ($1, $2)
       ON CONFLICT (account_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
      [accountId, new Date(at)],
    );
    this.armCancelAfter(accountId, at);
    return { cancel_after_enabled: 'true', cancel_after_timestamp: String(at) };
  }

  private armCancelAfter(accountId: string, at: number): void {
    this.arm(`ca:${accountId}`, at, async () => {
      const r = await this.e.db.query(
        'DELETE FROM px_cancel_after WHERE account_id = $1 AND expires_at <= now() RETURNING account_id',
        [accountId],
      );
      if (r.rows.length > 0)
        await this.cancelOrders(
          accountId,
          PRODUCTS.map((p) => p.id),
        );
    });
  }

  /** Cancels the account's open and untriggered orders on these products (bracket legs included). */
  async cancelOrders(accountId: string, productIds: number[], reason = DEADMAN_REASON): Promise<number> {
    return inTx(this.e, async (tx, ctx) => {
      await tx.query('SELECT id FROM px_accounts WHERE id = $1 FOR UPDATE', [accountId]);
      const r = await tx.query<OrderRow>(
        `UPDATE px_orders SET state = 'cancelled', cancellation_reason = $3, updated_at = clock_timestamp()
         WHERE account_id = $1 AND product_id = ANY($2::int[]) AND state IN ('open', 'pending')
         RETURNING ${ORDER_COLUMNS}`,
        [accountId, productIds, reason],
      );
      for (const o of r.rows) ctx.fx.changed(o, o.stop_order_type ? 'stop_cancel' : null);
      return r.rows.length;
    });
  }
}
