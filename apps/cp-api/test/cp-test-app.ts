import { fileURLToPath } from 'node:url';
import { CP_CSRF_HEADER, CP_SESSION_COOKIE } from '@delta/contracts';
import { createVault, signCpInvite } from '@delta/portal';
import { createLogger, parseConfig } from '@delta/server-kit';
import { ephemeralServiceKeys, type ServiceKeys } from '@delta/service-auth';
import { createTestDatabase, LogCapture, SoftwareAuthenticator, type TestDatabase } from '@delta/testing';
import { MasterKeyring } from '@delta/vault';
import { buildApp } from '../src/app.ts';
import { type Config, ZConfig } from '../src/config.ts';
import { cpMigrations } from '../src/migrations.ts';

export const CP_ORIGIN = 'http://localhost:3002';
export const PASSWORD = 'correct horse battery staple';
export const CUSTOMER = 'cus_0123456789abcdefghjkmnpqrs';

export interface CpTestApp {
  t: TestDatabase;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** PP's keys: invitations are signed with them (CP is given their public half). */
  ppKeys: ServiceKeys;
  /** The vault keyring CP was given (it seals TOTP seeds). */
  keyring: MasterKeyring;
  config: Config;
  logs: LogCapture;
  invite(customerId?: string, ttlSeconds?: number): Promise<{ token: string; jti: string }>;
  close(): Promise<void>;
}

export async function startCp(
  env: Record<string, string> = {},
  extra: Partial<Parameters<typeof buildApp>[0]> = {},
): Promise<CpTestApp> {
  const migrations = cpMigrations(fileURLToPath(new URL('../migrations', import.meta.url)));
  const t = await createTestDatabase({ migrations });
  const logs = new LogCapture();
  const config = parseConfig('cp-api', ZConfig, { CP_PUBLIC_URL: CP_ORIGIN, ...env });
  const ppKeys = await ephemeralServiceKeys('pp');
  const keyring = new MasterKeyring([{ version: 'v1', key: Buffer.alloc(32, 9) }]);
  const app = await buildApp({
    logger: createLogger({ service: 'cp-api', level: 'debug', destination: logs }),
    db: t.db,
    migrations,
    config,
    keys: await ephemeralServiceKeys('cp'),
    vault: createVault(t.db, 'cp', keyring),
    ppInviteKey: async () => ppKeys.signing.publicJwk,
    ...extra,
  });
  return {
    t,
    app,
    ppKeys,
    keyring,
    config,
    logs,
    async invite(customerId = CUSTOMER, ttlSeconds?: number) {
      const { token, invite } = await signCpInvite(ppKeys, {
        customerId,
        issuedBy: 'ops:usr_000000000000000000000001(operator)',
        ...(ttlSeconds ? { ttlSeconds } : {}),
      });
      return { token, jti: invite.jti };
    },
    async close() {
      await app.close();
      await t.drop();
    },
  };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
  raw: string;
}

/** A browser of one customer: keeps the session cookie and its anti-forgery token, and sends them. */
export class Browser {
  cookie: string | undefined;
  csrf: string | undefined;
  readonly authenticator = new SoftwareAuthenticator({ origin: CP_ORIGIN });
  readonly seen: string[] = [];
  constructor(
    readonly cp: CpTestApp,
    readonly ip = '127.0.0.1',
  ) {}

  async call<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    body?: unknown,
    o: { csrf?: string | null; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (this.cookie) headers.cookie = `${CP_SESSION_COOKIE}=${this.cookie}`;
    const csrf = o.csrf === undefined ? (this.csrf ?? '1') : o.csrf;
    if (method !== 'GET' && csrf !== null) headers[CP_CSRF_HEADER] = csrf;
    const r = await this.cp.app.inject({
      method,
      url,
      headers,
      remoteAddress: this.ip,
      ...(body !== undefined ? { payload: body as object } : method === 'POST' ? { payload: {} } : {}),
    });
    const set = r.cookies.find((c) => c.name === CP_SESSION_COOKIE);
    if (set) this.cookie = set.value || undefined;
    const parsed = r.body ? (JSON.parse(r.body) as T) : ({} as T);
    const csrfToken = (parsed as { csrf_token?: unknown }).csrf_token;
    if (typeof csrfToken === 'string') this.csrf = csrfToken;
    this.seen.push(`${r.statusCode} ${JSON.stringify(r.headers)} ${r.body}`);
    return { status: r.statusCode, body: parsed, headers: r.headers, raw: r.body };
  }

  /** Signs up with a fresh invitation; the browser then holds the sign-up session. */
  async signup(email: string, password = PASSWORD, customerId = CUSTOMER) {
    const { token } = await this.cp.invite(customerId);
    const r = await this.call('POST', '/api/auth/signup', { invite: token, email, password });
    if (r.status !== 201) throw new Error(`signup: ${r.status} ${r.raw}`);
    return r;
  }

  /** Registers a passkey of this browser's software authenticator on the signed-in account. */
  async registerPasskey() {
    const o = await this.call<{ challenge_id: string; options: never }>(
      'POST',
      '/api/auth/passkeys/registration/options',
    );
    const response = this.authenticator.register(o.body.options);
    const r = await this.call('POST', '/api/auth/passkeys/registration/verify', {
      challenge_id: o.body.challenge_id,
      response,
    });
    if (r.status !== 201) throw new Error(`passkey registration: ${r.status} ${r.raw}`);
    return r;
  }
}
