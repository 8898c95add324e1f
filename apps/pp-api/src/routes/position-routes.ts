import { ZCredentialRef } from '@delta/contracts';
import { DeltaError } from '@delta/delta-client';
import { accountClient, openCredential, type Vault } from '@delta/portal';
import { type App, AppError, problem } from '@delta/server-kit';
import { z } from 'zod';
import { requireUser } from '../auth/session-plugin.ts';

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
      const client = accountClient(
        await openCredential(deps.vault, meta.credential_ref, meta.customer_id),
        deps.paperUrl,
      );
      const o = { correlationId: request.correlationId };
      try {
        // Marks of every product the exchange lists (its catalogue is the one source of products).
        const [positions, orders, fills, tickers, balances] = await Promise.all([
          client.marginedPositions(o),
          client.openOrders({}, o),
          client.fills({ page_size: 20 }, o),
          client.tickers({ contract_types: ['perpetual_futures'] }, o),
          client.balances(o),
        ]);
        return {
          credential_ref: meta.credential_ref,
          customer_id: meta.customer_id,
          positions: positions.filter((p) => Number(p.size) !== 0),
          open_orders: orders,
          fills: fills.items,
          marks: tickers.map((t) => ({
            symbol: t.symbol,
            mark_price: t.mark_price,
            timestamp: t.timestamp ?? null,
          })),
          balances: balances.balances,
          net_equity: balances.netEquity,
        };
      } catch (err) {
        if (err instanceof DeltaError) {
          throw problem('exchange_error', `The exchange could not answer (${err.kind}). Try again.`);
        }
        throw err;
      }
    },
  );
}
