import { ZCredentialRef } from '@delta/contracts';
import { DeltaError, DeltaReadClient } from '@delta/delta-client';
import { type App, AppError } from '@delta/server-kit';
import { z } from 'zod';
import { requireUser } from '../auth/session-plugin.ts';
import type { Vault } from '../services/vault.ts';

const PRODUCTS = [
  { symbol: 'BTCUSD', id: 27 },
  { symbol: 'ETHUSD', id: 3136 },
];

/**
 * Read-only account views for the Positions page. PP holds the keys, so it reads the exchange itself (server
 * side); the keys never leave this process and nothing here can place or cancel an order.
 */
export function registerPositionRoutes(app: App, deps: { vault: Vault; paperUrl: string }) {
  app.get(
    '/api/credentials/:credential_ref/account',
    { schema: { tags: ['positions'], params: z.strictObject({ credential_ref: ZCredentialRef }) } },
    async (request) => {
      requireUser(request);
      const meta = await deps.vault.store.getMetadata(request.params.credential_ref);
      if (meta?.state !== 'active')
        throw AppError.notFound('credential_not_found', 'No active credential with this reference.');
      const { credential } = await deps.vault.store.openForUse(meta.credential_ref, {
        customerId: meta.customer_id,
      });
      const client = new DeltaReadClient({
        preset: meta.environment,
        baseUrl: meta.environment === 'paper' ? deps.paperUrl : undefined,
        credentials: { apiKey: credential.apiKey, apiSecret: credential.apiSecret },
        timeoutMs: 5_000,
      });
      const o = { correlationId: request.correlationId };
      try {
        const [positions, orders, fills, tickers, balances] = await Promise.all([
          client.marginedPositions(o),
          client.openOrders({}, o),
          client.fills({ page_size: 20 }, o),
          Promise.all(PRODUCTS.map((p) => client.ticker(p.symbol, o))),
          client.balances(o),
        ]);
        return {
          credential_ref: meta.credential_ref,
          customer_id: meta.customer_id,
          positions: positions.filter((p) => Number(p.size) !== 0),
          open_orders: orders,
          fills: fills.items,
          marks: tickers
            .filter((t) => t !== null)
            .map((t) => ({ symbol: t!.symbol, mark_price: t!.mark_price, timestamp: t!.timestamp ?? null })),
          balances: balances.balances,
          net_equity: balances.netEquity,
        };
      } catch (err) {
        if (err instanceof DeltaError) {
          throw new AppError(
            502,
            'exchange_error',
            `The exchange could not answer (${err.kind}). Try again.`,
          );
        }
        throw err;
      }
    },
  );
}
