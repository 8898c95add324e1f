import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { refusalStatus } from '@delta/contracts';
import { createReplayCache, ephemeralServiceKeys, type ServiceKeys } from '@delta/service-auth';
import { testApprovalId, testCredentialRef, testCustomerId } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCredentialBundle } from '../src/execution/credential-bundles.ts';
import { createPortalApprovalVerifier } from '../src/execution/portal-approval-verifier.ts';
import { createPortalClient } from '../src/execution/portal-client.ts';
import type { ExecuteOrderRequest, OrderExecutor } from '../src/integrations/order-executor.ts';
import { Refusal } from '../src/refusal.ts';
import { hire, type PlantTestApp, run, runBody, startPlant } from './plant-test-app.ts';

/**
 * Plant reads the portals' internal answers with the contracts' schemas (ZConsumeAnswer, ZConsumeRefusal,
 * ZCredentialBundleAnswer, ZBundleRefusal): an answer that does not parse is a refusal, never a trade.
 */
let p: PlantTestApp;
let plantKeys: ServiceKeys;
let server: Server;
let portalUrl: string;
/** What the stand-in portal answers next. */
let answer: { status: number; body: unknown } = { status: 500, body: {} };

const APPROVAL = testApprovalId('apr-portal-answers');
const HASH = 'c'.repeat(64);
const ACCOUNT = testCredentialRef('acct-001');
const consume = {
  approvalId: APPROVAL,
  intentHash: HASH,
  customerId: testCustomerId('cust-001'),
  hiredAgentId: '00000000-0000-4000-8000-000000000001',
  credentialRef: ACCOUNT,
  correlationId: '00000000-0000-4000-8000-0000000000aa',
};
const consumed = {
  consumed: true,
  approval_id: APPROVAL,
  intent_hash: HASH,
  consumed_at: '2026-01-01T00:00:00Z',
};
const sealed = {
  credential_bundle: 'header.key.iv.ciphertext.tag',
  environment: 'paper',
  expires_at: '2026-01-01T00:01:00Z',
};

beforeAll(async () => {
  plantKeys = await ephemeralServiceKeys('plant');
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  portalUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p = await startPlant();
});
afterAll(async () => {
  server?.close();
  await p?.close();
});

const verifier = () =>
  createPortalApprovalVerifier(createPortalClient(plantKeys, { pp: portalUrl }), { withBundle: true });

describe('the consume answer (ZConsumeAnswer / ZConsumeRefusal)', () => {
  it.each([
    ['consumed as a string', { ...consumed, consumed: 'yes' }],
    ['no intent hash', { ...consumed, intent_hash: undefined }],
    ['a malformed intent hash', { ...consumed, intent_hash: 'c' }],
    ['a malformed approval id', { ...consumed, approval_id: 'apr-1' }],
    ['not JSON', 'consumed'],
    ['an empty body', ''],
  ])('a 200 with %s is no consumption', async (_label, body) => {
    answer = { status: 200, body };
    expect(await verifier().consume(consume)).toEqual({
      ok: false,
      reason: 'approval_verification_unavailable',
    });
  });

  it("a 403 passes on the ledger's reason, and only a reason the contract names", async () => {
    answer = { status: 403, body: { reason: 'expired', detail: 'too late' } };
    expect(await verifier().consume(consume)).toEqual({ ok: false, reason: 'expired' });
    answer = { status: 403, body: { reason: 'skip_approval' } };
    expect(await verifier().consume(consume)).toEqual({
      ok: false,
      reason: 'approval_verification_unavailable',
    });
    answer = { status: 500, body: { reason: 'expired' } };
    expect(await verifier().consume(consume)).toEqual({
      ok: false,
      reason: 'approval_verification_unavailable',
    });
  });

  it('the bundle that came with the consumption is in the verdict, sealed; a partial one is not', async () => {
    answer = { status: 200, body: { ...consumed, ...sealed } };
    expect(await verifier().consume(consume)).toEqual({
      ok: true,
      approvalId: APPROVAL,
      intentHash: HASH,
      consumedAt: consumed.consumed_at,
      bundle: sealed,
    });
    answer = { status: 200, body: { ...consumed, credential_bundle: sealed.credential_bundle } };
    const partial = await verifier().consume(consume);
    expect(partial.ok && partial.bundle).toBe(undefined);
  });

  it('an answer that does not parse never reaches the exchange', async () => {
    const calls: ExecuteOrderRequest[] = [];
    const executor: OrderExecutor = {
      async execute(request) {
        calls.push(request);
        return { exchangeOrderId: '1', state: 'filled' };
      },
    };
    const q = await startPlant({ approvalVerifier: verifier(), orderExecutor: executor });
    try {
      await hire(q.app, testCustomerId('cust-001'));
      answer = { status: 200, body: { consumed: true, approval_id: testApprovalId('apr-odd') } };
      const res = await run(
        q.app,
        runBody({ intent_action: 'place_order', approval_id: testApprovalId('apr-odd') }),
      );
      expect(res.statusCode).toBe(403);
      expect(res.json().reason).toBe('approval_invalid');
      expect(calls).toHaveLength(0);
    } finally {
      await q.close();
    }
  });
});

describe('the bundle answer (ZCredentialBundleAnswer / ZBundleRefusal)', () => {
  const deps = () => ({
    portals: createPortalClient(plantKeys, { pp: portalUrl }),
    keys: plantKeys,
    portalSigningKey: () => Promise.reject(new Error('not reached')),
    replay: createReplayCache(p.testDb.db),
  });
  const request = {
    credentialRef: ACCOUNT,
    approvalId: APPROVAL,
    customerId: consume.customerId,
    correlationId: consume.correlationId,
  };
  async function refusal(): Promise<string> {
    try {
      await fetchCredentialBundle(deps(), request);
    } catch (err) {
      if (err instanceof Refusal) return `${refusalStatus(err.code)} ${err.code}`;
      throw err;
    }
    return 'opened';
  }

  it.each([
    ['a bundle of an unknown environment', 200, { ...sealed, environment: 'mainnet' }],
    ['no bundle', 200, { environment: 'paper', expires_at: sealed.expires_at }],
    ['an empty bundle', 200, { ...sealed, credential_bundle: '' }],
    ['a refusal the contract does not name', 403, { reason: 'service_auth_failed' }],
    ['a server error', 500, { reason: 'credential_revoked' }],
    ['not JSON', 200, 'bundle'],
  ])('%s is refused (bundle_unavailable), nothing opened', async (_label, status, body) => {
    answer = { status, body };
    expect(await refusal()).toBe('403 bundle_unavailable');
  });

  it("a documented refusal passes on the portal's reason", async () => {
    answer = { status: 403, body: { reason: 'credential_revoked' } };
    expect(await refusal()).toBe('403 credential_revoked');
  });
});
