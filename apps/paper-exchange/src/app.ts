import { type App, createApp, type Db, type Logger, type Migration } from '@delta/server-kit';
import { z } from 'zod';
import type { PaperExchange } from './exchange.ts';
import { accountRoutes } from './routes/account.ts';
import { adminRoutes } from './routes/admin.ts';
import { orderRoutes } from './routes/orders.ts';
import { orderExtraRoutes } from './routes/orders-extra.ts';
import { publicRoutes } from './routes/public.ts';
import { type StreamOptions, StreamServer } from './stream/server.ts';
import { answerDeltaFrameworkError, deltaScope } from './v2-scope.ts';

export const SERVICE = 'paper-exchange';

export interface Deps {
  logger: Logger;
  db: Db;
  migrations: Migration[];
  exchange: PaperExchange;
  /** Paper mode: the /_paper admin API (keys, mark price, faults) is mounted. */
  adminEnabled: boolean;
  /** Delta's WebSocket API on the same port (`/` private host, `/public` public host); false: none. */
  streams?: StreamOptions | false;
}

/** Paper exchange — a faithful local Delta Exchange India (REST v2 subset) for dev, tests and paper trading. */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({
    service: SERVICE,
    description: 'a faithful local Delta Exchange India (REST v2 subset) for dev, tests and paper trading.',
    logger: deps.logger,
    db: deps.db,
    migrations: deps.migrations,
    answerFrameworkError: answerDeltaFrameworkError,
  });
  const px = deps.exchange;
  let streams: StreamServer | undefined;
  if (deps.streams !== false) {
    streams = new StreamServer(px, deps.streams ?? {});
    streams.attach(app.server);
    // Sockets first: an open socket would otherwise hold the HTTP server's close.
    const s = streams;
    app.addHook('preClose', async () => s.close());
  }
  await app.register(
    deltaScope(px, (v2) => {
      publicRoutes(v2, px);
      orderRoutes(v2, px);
      orderExtraRoutes(v2, px);
      accountRoutes(v2, px);
    }),
    { prefix: '/v2' },
  );
  if (deps.adminEnabled) {
    await app.register(
      async (admin) => {
        adminRoutes(admin as App, px);
        // Open sockets per endpoint and per account: tests check that a consumer released its socket.
        admin.get('/streams', async () => streams?.counts() ?? { private: 0, public: 0, accounts: {} });
        // A network failure on demand: cuts every socket, or one account's (`account` = its user id).
        (admin as App).post(
          '/streams/drop',
          { schema: { body: z.strictObject({ account: z.string().max(40).optional() }) } },
          async (request) => ({ dropped: streams?.drop(request.body.account) ?? 0 }),
        );
      },
      { prefix: '/_paper' },
    );
  }
  return app;
}
