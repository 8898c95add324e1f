import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { refusalStatus } from '@delta/contracts';
import { createReplayCache, ephemeralServiceKeys, type ServiceKeys } from '@delta/service-auth';
import { createTestDatabase, type TestDatabase } from '@delta/testing';
import {
  ExchangeCredential,
  type IssuedCredentialBundle,
  importSigningJwk,
  issueCredentialBundle,
  newCredentialRef,
} from '@delta/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleRequest, fetchCredentialBundle } from '../src/execution/credential-bundles.ts';
import { createPortalClient } from '../src/execution/portal-client.ts';
import { plantMigrations } from '../src/migrations.ts';
import { Refusal } from '../src/refusal.ts';

const CREDENTIAL = new ExchangeCredential({
  api_key: 'REPLAYKEYcanary1234',
  api_secret: 'REPLAYSECRETcanary5678abcd',
});
const CREDENTIAL_REF = newCredentialRef('pp');
const APPROVAL = 'apr_replayreplayreplayreplay';

let testDb: TestDatabase;
let plantKeys: ServiceKeys;
let ppKeys: ServiceKeys;
let server: Server;
let portalUrl: string;
/** What the stand-in portal answers: a bundle that may be the same one again (a replayed answer). */
let answer: IssuedCredentialBundle;

beforeAll(async () => {
  [testDb, plantKeys, ppKeys] = await Promise.all([
    createTestDatabase({ migrations: plantMigrations() }),
    ephemeralServiceKeys('plant'),
    ephemeralServiceKeys('pp'),
  ]);
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          credential_bundle: answer.credential_bundle,
          expires_at: answer.expires_at.toISOString(),
          environment: 'paper',
        }),
      ),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  portalUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await testDb?.drop();
});

const issue = () =>
  issueCredentialBundle({
    credential: CREDENTIAL,
    approvalId: APPROVAL,
    credentialRef: CREDENTIAL_REF,
    audience: 'plant',
    plantPublicJwk: plantKeys.encryption.publicJwk,
    ttlSeconds: 30,
    issuer: 'pp',
    issuerSigningKey: ppKeys.signing.privateKey,
    issuerKeyId: ppKeys.signing.kid,
  });

/** One Plant instance's bundle opener: its own portal client and replay cache, on the shared database. */
function plantInstance() {
  return {
    portals: createPortalClient(plantKeys, { pp: portalUrl }),
    keys: plantKeys,
    portalSigningKey: () => importSigningJwk(ppKeys.signing.publicJwk),
    replay: createReplayCache(testDb.db),
  };
}

const request: BundleRequest = {
  credentialRef: CREDENTIAL_REF,
  approvalId: APPROVAL,
  customerId: 'cus_replay',
  correlationId: crypto.randomUUID(),
};

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Refusal) return `${refusalStatus(err.code)} ${err.code}`;
    throw err;
  }
  return 'opened';
}

describe('credential bundle replay', () => {
  it('opens a bundle once, and refuses the same bundle again on this and on another Plant instance', async () => {
    const [one, two] = [plantInstance(), plantInstance()];
    answer = await issue();
    const opened = await fetchCredentialBundle(one, request);
    expect(opened.credential.apiKey).toBe(CREDENTIAL.apiKey);
    expect(await reasonOf(fetchCredentialBundle(two, request))).toBe('403 bundle_replayed');
    expect(await reasonOf(fetchCredentialBundle(one, request))).toBe('403 bundle_replayed');
    const rows = await testDb.db.query<{ jti: string }>('SELECT jti FROM used_token_ids');
    expect(rows.rows.map((r) => r.jti)).toContain(`bundle:pp:${answer.jti}`);

    // A new bundle for the same approval (its own jti) is not a replay.
    answer = await issue();
    expect(await reasonOf(fetchCredentialBundle(two, request))).toBe('opened');
  });

  it('refuses (503, nothing sent) rather than opens when the replay cache cannot be asked', async () => {
    const broken = await createTestDatabase({ migrations: plantMigrations() });
    await broken.drop();
    answer = await issue();
    const instance = { ...plantInstance(), replay: createReplayCache(broken.db) };
    expect(await reasonOf(fetchCredentialBundle(instance, request))).toBe('503 vault_unavailable');
  });
});
