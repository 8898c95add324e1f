import { fileURLToPath } from 'node:url';
import { createVault } from '@delta/portal';
import { createLogger, parseConfig } from '@delta/server-kit';
import { ephemeralServiceKeys, type ServiceKeys } from '@delta/service-auth';
import { createTestDatabase, LogCapture, type TestDatabase } from '@delta/testing';
import { MasterKeyring } from '@delta/vault';
import { buildApp } from '../src/app.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { insertUser } from '../src/auth/users-repository.ts';
import { ZConfig } from '../src/config.ts';
import { ppMigrations } from '../src/migrations.ts';

export const PASSWORD = 'correct horse battery staple';

export interface PpTestApp {
  t: TestDatabase;
  app: Awaited<ReturnType<typeof buildApp>>;
  keys: ServiceKeys;
  logs: LogCapture;
  close(): Promise<void>;
}

export async function startPp(
  env: Record<string, string> = {},
  extra: Partial<Parameters<typeof buildApp>[0]> = {},
): Promise<PpTestApp> {
  const migrations = ppMigrations(fileURLToPath(new URL('../migrations', import.meta.url)));
  const t = await createTestDatabase({ migrations });
  const logs = new LogCapture();
  const config = parseConfig('pp-api', ZConfig, { LOGIN_MAX_FAILURES: '3', ...env });
  const keys = await ephemeralServiceKeys('pp');
  const keyring = new MasterKeyring([{ version: 'v1', key: Buffer.alloc(32, 7) }]);
  const app = await buildApp({
    logger: createLogger({ service: 'pp-api', level: 'debug', destination: logs }),
    db: t.db,
    migrations,
    config,
    keys,
    vault: createVault(t.db, 'pp', keyring),
    ...extra,
  });
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    await insertUser(t.db, {
      username: role,
      display_name: role,
      role,
      password_hash: await hashPassword(PASSWORD),
    });
  }
  return {
    t,
    app,
    keys,
    logs,
    async close() {
      await app.close();
      await t.drop();
    },
  };
}

/** Logs in through the API and returns the session cookie header value. */
export async function login(app: PpTestApp['app'], username: string, password = PASSWORD): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (r.statusCode !== 200) throw new Error(`login ${username}: ${r.statusCode} ${r.body}`);
  const set = r.headers['set-cookie'];
  const first = Array.isArray(set) ? set[0]! : set!;
  return first.split(';')[0]!;
}
