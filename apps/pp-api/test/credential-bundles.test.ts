import { randomUUID } from 'node:crypto';
import { clientOrderIdFor } from '@delta/plant/src/execution/client-order-id.ts';
import { createPortalClient } from '@delta/plant/src/execution/portal-client.ts';
import { ephemeralServiceKeys } from '@delta/service-auth';
import { importSigningJwk, openCredentialBundle } from '@delta/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, execute, type Onboarded, onboard } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

let stack: Stack;
let ops: Session;
let acct: Onboarded;
let other: Onboarded;
let usedApproval: string;
let executionCorrelation: string;

beforeAll(async () => {
  stack = await startStack();
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops, { name: 'Bundle customer' });
  other = await onboard(stack, ops, { name: 'Other customer' });
  usedApproval = await approve(ops, acct, { units: 1 });
  const r = await execute(ops, acct, { units: 1 }, usedApproval);
  if (r.status !== 200) throw new Error(`execute failed: ${JSON.stringify(r.body)}`);
  executionCorrelation = r.body.correlation_id as string;
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const bundleRequest = (keys = stack.keys.plant, body: Record<string, string>) =>
  createPortalClient(keys, { pp: stack.ppUrl }).post(
    'pp',
    '/internal/v1/credential-bundles',
    body,
    randomUUID(),
  );

async function ppSigningKey() {
  const jwks = (await (await fetch(`${stack.ppUrl}/.well-known/jwks.json`)).json()) as {
    keys: { use: string }[];
  };
  return importSigningJwk(jwks.keys.find((k) => k.use === 'sig'));
}

describe('credential bundles (PP → Plant)', () => {
  it('are issued only for an approval just consumed for that credential, and open only in Plant', async () => {
    const ok = await bundleRequest(undefined, {
      approval_id: usedApproval,
      credential_ref: acct.credentialRef,
      customer_id: acct.customerId,
    });
    expect(ok.status).toBe(200);
    const jwe = ok.body.credential_bundle as string;
    expect(jwe.split('.')).toHaveLength(5); // compact JWE: nothing readable in transit
    expect(jwe).not.toContain(acct.apiSecret);
    const opened = await openCredentialBundle(jwe, {
      plantPrivateKey: stack.keys.plant.encryption.privateKey,
      issuerPublicKeys: { pp: await ppSigningKey() },
      expectedAudience: 'plant',
      expectedApprovalId: usedApproval,
      expectedCredentialRef: acct.credentialRef,
    });
    expect(opened.credential.apiKey).toBe(acct.apiKey);
    expect(JSON.stringify(opened)).not.toContain(acct.apiSecret); // the credential redacts itself

    // Used after expiry (61 s later), or for another approval or credential: refused.
    const base = {
      plantPrivateKey: stack.keys.plant.encryption.privateKey,
      issuerPublicKeys: { pp: await ppSigningKey() },
      expectedAudience: 'plant',
    };
    await expect(
      openCredentialBundle(jwe, {
        ...base,
        expectedApprovalId: usedApproval,
        expectedCredentialRef: acct.credentialRef,
        now: new Date(Date.now() + 61_000),
      }),
    ).rejects.toMatchObject({ reason: 'bundle_expired' });
    await expect(
      openCredentialBundle(jwe, {
        ...base,
        expectedApprovalId: 'apr_bbbbbbbbbbbbbbbbbbbbbbbbbb',
        expectedCredentialRef: acct.credentialRef,
      }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      openCredentialBundle(jwe, {
        ...base,
        expectedApprovalId: usedApproval,
        expectedCredentialRef: other.credentialRef,
      }),
    ).rejects.toMatchObject({ status: 403 });
    // Another key cannot open it.
    const stranger = await ephemeralServiceKeys('plant');
    await expect(
      openCredentialBundle(jwe, {
        ...base,
        plantPrivateKey: stranger.encryption.privateKey,
        expectedApprovalId: usedApproval,
        expectedCredentialRef: acct.credentialRef,
      }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('are refused for another credential, an unconsumed approval, or a caller that is not Plant', async () => {
    const otherCred = await bundleRequest(undefined, {
      approval_id: usedApproval,
      credential_ref: other.credentialRef,
      customer_id: acct.customerId,
    });
    expect(otherCred.status).toBe(403);
    expect(otherCred.body.credential_bundle).toBeUndefined();

    const pending = await approve(ops, acct, { units: 1 });
    const notConsumed = await bundleRequest(undefined, {
      approval_id: pending,
      credential_ref: acct.credentialRef,
      customer_id: acct.customerId,
    });
    expect(notConsumed.status).toBe(403);
    expect(notConsumed.body.reason).toBe('bundle_not_consumed');

    const impostor = await bundleRequest(await ephemeralServiceKeys('plant'), {
      approval_id: usedApproval,
      credential_ref: acct.credentialRef,
      customer_id: acct.customerId,
    });
    expect(impostor.status).toBe(401);
    expect(impostor.body.reason).toBe('service_auth_failed');

    // A signed-in browser session means nothing on the internal API.
    const browser = await ops.call<{ reason: string }>('POST', '/internal/v1/credential-bundles', {
      approval_id: usedApproval,
      credential_ref: acct.credentialRef,
      customer_id: acct.customerId,
    });
    expect(browser.status).toBe(401);
    const audit = await stack.dbs.pp.db.query<{ outcome: string; reason: string | null }>(
      "SELECT outcome, reason FROM pp_audit WHERE action = 'credential.bundle' ORDER BY id",
    );
    expect(audit.rows.map((r) => r.outcome)).toEqual(expect.arrayContaining(['allowed', 'denied']));
  });

  it('come back with the approval consumption in one call, and are audited as such', async () => {
    const audit = await stack.dbs.pp.db.query<{
      action: string;
      outcome: string;
      details: Record<string, unknown>;
    }>('SELECT action, outcome, details FROM pp_audit WHERE correlation_id = $1 ORDER BY id', [
      executionCorrelation,
    ]);
    // One internal call for the execution: consumed, and the bundle issued with it — no second request.
    expect(audit.rows.map((r) => [r.action, r.outcome])).toEqual([
      ['approval.consume', 'allowed'],
      ['credential.bundle', 'allowed'],
    ]);
    expect(audit.rows[1]!.details).toMatchObject({ approval_id: usedApproval, issued_with: 'consume' });
  });

  it('a credential revoked after the approval: consumed, no bundle, nothing sent (credential_revoked)', async () => {
    const victim = await onboard(stack, ops, { name: 'Revoked-key customer' });
    const approvalId = await approve(ops, victim, { units: 1 });
    const revoke = await ops.call('POST', `/api/credentials/${victim.credentialRef}/revoke`);
    expect(revoke.status).toBe(200);
    const r = await execute(ops, victim, { units: 1 }, approvalId);
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('credential_revoked');
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approvalId))).toHaveLength(0);
    const audit = await stack.dbs.pp.db.query<{ action: string; outcome: string; reason: string | null }>(
      'SELECT action, outcome, reason FROM pp_audit WHERE correlation_id = $1 ORDER BY id',
      [r.body.correlation_id],
    );
    expect(audit.rows.map((a) => [a.action, a.outcome, a.reason])).toEqual([
      ['approval.consume', 'allowed', null],
      ['credential.bundle', 'denied', 'credential_revoked'],
    ]);
  });
});
