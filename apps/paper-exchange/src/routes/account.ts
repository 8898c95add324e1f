import type { App } from '@delta/server-kit';
import { z } from 'zod';
import { badSchema, deltaError } from '../delta-errors.ts';
import { getAccount, leverageMap, marginState, positions, setLeverage } from '../engine/accounts.ts';
import type { TransactionRow } from '../engine/rows.ts';
import { cancelOrder, placeOrder } from '../engine/trading.ts';
import { balanceView, marginedPositionView, positionView, transactionView } from '../engine/views.ts';
import type { PaperExchange } from '../exchange.ts';
import { dec, num } from '../format.ts';
import { maxLeverage, productById, productByRef, productBySymbol } from '../market/products.ts';
import { ok, parseDeltaInput, principalOf } from '../v2-scope.ts';
import { pageWindow, productIds, toPage, windowSql, ZHistoryQuery } from './pagination.ts';

const TRANSACTION_TYPES = new Set(['deposit', 'cashflow', 'commission', 'funding', 'liquidation_fee']);

const ZPositionQuery = z.looseObject({
  product_id: z.coerce.number().int().positive().optional(),
  underlying_asset_symbol: z.string().optional(),
});

const ZLeverage = z.looseObject({
  leverage: z.union([
    z.number(),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number),
  ]),
});

/** Positions, wallet, leverage and profile of the key's account. */
export function accountRoutes(app: App, px: PaperExchange) {
  app.get('/positions', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const q = parseDeltaInput(ZPositionQuery, request.query);
    const productId =
      q.product_id ??
      (q.underlying_asset_symbol ? productBySymbol(`${q.underlying_asset_symbol}USD`)?.id : undefined);
    if (productId === undefined) {
      throw badSchema([{ path: 'product_id', message: 'product_id or underlying_asset_symbol is required' }]);
    }
    const pos = (await positions(px.db, who.accountId)).find((p) => p.product_id === productId);
    return ok(positionView(pos));
  });

  app.get('/positions/margined', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const q = parseDeltaInput(z.looseObject({ product_ids: z.string().max(400).optional() }), request.query);
    const wanted = productIds(q);
    const lev = await leverageMap(px.db, who.accountId);
    const rows = (await positions(px.db, who.accountId)).filter(
      (p) => p.size !== 0 && (!wanted || wanted.includes(p.product_id)),
    );
    return ok(rows.map((p) => marginedPositionView(p, px.market, lev.get(p.product_id) ?? 1)));
  });

  // Kill switch: cancel every open order, then flatten every position with reduce-only market orders.
  app.post('/positions/close_all', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const open = await px.db.query<{ id: string }>(
      `SELECT id FROM px_orders WHERE account_id = $1 AND state IN ('open', 'pending')`,
      [who.accountId],
    );
    for (const o of open.rows) await cancelOrder(px, who.accountId, { id: o.id }).catch(() => undefined);
    for (const pos of await positions(px.db, who.accountId)) {
      const product = productById(pos.product_id);
      if (!product || pos.size === 0) continue;
      await placeOrder(px, who.accountId, {
        product,
        size: Math.abs(pos.size),
        side: pos.size > 0 ? 'sell' : 'buy',
        orderType: 'market_order',
        timeInForce: 'ioc',
        postOnly: false,
        reduceOnly: true,
        uniqueClientOrderId: px.uniqueClientOrderIds,
      });
    }
    return { success: true };
  });

  app.get('/wallet/balances', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const account = await getAccount(px.db, who.accountId);
    const m = await marginState(px.db, account);
    let unrealized = 0;
    for (const pos of await positions(px.db, who.accountId)) {
      const p = productById(pos.product_id);
      if (p && pos.size !== 0)
        unrealized += pos.size * p.contractValue * (px.market.mark(p.id) - num(pos.entry_price));
    }
    const equity = dec(m.balance + unrealized);
    return ok([balanceView(who.accountId, m)], { net_equity: equity, robo_trading_equity: '0' });
  });

  app.get('/wallet/transactions', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const q = parseDeltaInput(
      ZHistoryQuery.extend({
        asset_ids: z.string().max(200).optional(),
        transaction_types: z.string().max(400).optional(),
      }),
      request.query,
    );
    const types = q.transaction_types?.split(',').map((t) => t.trim());
    if (types?.some((t) => !/^[a-z_]{1,64}$/.test(t))) {
      throw badSchema([{ path: 'transaction_types', message: 'comma-separated transaction types' }]);
    }
    const usd = !q.asset_ids || q.asset_ids.split(',').some((a) => a.trim() === '14');
    const w = pageWindow(q);
    const s = windowSql(w, 'id', 'created_at', 3);
    const r = usd
      ? await px.db.query<TransactionRow>(
          `SELECT id, account_id, product_id, transaction_type, amount, balance, meta_data, created_at
           FROM px_transactions WHERE account_id = $1 AND ($2::text[] IS NULL OR transaction_type = ANY($2::text[]))
             AND ${s.where} ORDER BY ${s.order} LIMIT ${s.limit}`,
          [who.accountId, types?.filter((t) => TRANSACTION_TYPES.has(t)) ?? null, ...s.params],
        )
      : { rows: [] };
    const { items, meta } = toPage(r.rows, w);
    return ok(items.map(transactionView), meta);
  });

  // What Delta's own tools call to identify a key (GET /v2/profile is withdrawn for API keys in August 2026).
  app.get('/users/trading_preferences', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    return ok({
      user_id: Number(who.accountId),
      default_auto_topup: false,
      mmp_config: null,
      deto_for_commission: false,
      vip_level: 0,
      vip_discount_factor: '0.00',
      volume_30d: '0',
      email_preferences: {},
      notification_preferences: {},
      price_alert_assets: [],
      enabled_portfolios: {},
      interest_credit: false,
    });
  });

  const leverageRoute = '/products/:product/orders/leverage';
  app.get<{ Params: { product: string } }>(
    leverageRoute,
    { config: { deltaAuth: 'read' } },
    async (request) => {
      const who = principalOf(request);
      const p = productByRef(request.params.product);
      if (!p) throw deltaError(400, 'invalid_contract');
      const lev = (await leverageMap(px.db, who.accountId)).get(p.id) ?? p.defaultLeverage;
      return ok({ leverage: dec(lev), order_margin: '0', product_id: p.id, user_id: Number(who.accountId) });
    },
  );

  app.post<{ Params: { product: string } }>(
    leverageRoute,
    { config: { deltaAuth: 'trade' } },
    async (request) => {
      const who = principalOf(request);
      const p = productByRef(request.params.product);
      if (!p) throw deltaError(400, 'invalid_contract');
      const { leverage } = parseDeltaInput(ZLeverage, request.body);
      if (!(leverage >= 1 && leverage <= maxLeverage(p))) {
        throw deltaError(400, 'invalid_leverage', {
          min_leverage: '1',
          max_leverage: String(maxLeverage(p)),
        });
      }
      await setLeverage(px.db, who.accountId, p.id, leverage);
      return ok({
        leverage: dec(leverage),
        order_margin: '0',
        product_id: p.id,
        user_id: Number(who.accountId),
      });
    },
  );

  app.get('/profile', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const account = await getAccount(px.db, who.accountId);
    return ok({
      id: Number(account.id),
      email: account.email,
      account_name: `Paper ${account.id}`,
      first_name: 'Paper',
      last_name: `Trader ${account.id}`,
      country: 'India',
      is_sub_account: false,
      is_kyc_done: true,
      created_at: account.created_at.toISOString(),
      api_key_permissions: { read_data: true, trading: who.canTrade },
    });
  });
}
