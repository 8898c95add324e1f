import { loadConfigOrExit, runService } from '@delta/server-kit';
import { buildApp, SERVICE } from './app.ts';
import { argvToEnv, ZConfig } from './config.ts';
import { PaperExchange } from './exchange.ts';
import { PAPER_EXCHANGE_MIGRATIONS_DIR } from './index.ts';

Object.assign(process.env, argvToEnv(process.argv.slice(2)));
const config = loadConfigOrExit(SERVICE, ZConfig);
if (Boolean(config.PAPER_API_KEY) !== Boolean(config.PAPER_API_SECRET)) {
  process.stderr.write('paper-exchange: give both --api-key and --api-secret (or neither)\n');
  process.exit(78);
}

let exchange: PaperExchange | undefined;

await runService({
  service: SERVICE,
  config,
  migrationsDir: PAPER_EXCHANGE_MIGRATIONS_DIR,
  build: async (ctx) => {
    exchange = new PaperExchange({
      db: ctx.db,
      logger: ctx.logger,
      seed: config.PAPER_SEED,
      walkMs: config.PAPER_WALK_MS,
      fundingIntervalMs: config.PAPER_FUNDING_INTERVAL_MS,
    });
    await exchange.start();
    if (config.PAPER_API_KEY && config.PAPER_API_SECRET) {
      const key = await exchange.createApiKey({
        apiKey: config.PAPER_API_KEY,
        apiSecret: config.PAPER_API_SECRET,
        permissions: ['read', 'trade'],
        balance: 10_000,
      });
      ctx.logger.info(
        { key_prefix: `${key.apiKey.slice(0, 4)}…`, user_id: key.userId, balance_usd: '10000' },
        'funded API key ready (trading permission)',
      );
    }
    return buildApp({
      logger: ctx.logger,
      db: ctx.db,
      migrations: ctx.migrations,
      exchange,
      adminEnabled: config.PAPER_MODE,
    });
  },
  background: async () => async () => {
    await exchange?.stop();
  },
});
