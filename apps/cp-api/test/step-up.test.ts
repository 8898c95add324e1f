import { createHash } from 'node:crypto';
import { createLogger } from '@delta/server-kit';
import { URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StepUpContext, verifyStepUp } from '../src/auth/step-up.ts';
import { createThrottle } from '../src/auth/throttle.ts';
import { cpAudit } from '../src/cp-audit.ts';
import { Browser, CP_ORIGIN, type CpTestApp, startCp } from './cp-test-app.ts';

let cp: CpTestApp;
let ctx: StepUpContext;
let b: Browser;
let userId: string;
const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

beforeAll(async () => {
  cp = await startCp();
  ctx = {
    rp: { id: 'localhost', name: 'test', origin: CP_ORIGIN },
    keyring: cp.keyring,
    throttle: createThrottle(cp.t.db, { perAccount: 100, perIp: 100, windowSeconds: 900 }),
    logger: createLogger({ service: 'cp-api', level: 'silent' }),
  };
  b = new Browser(cp);
  userId = String((await b.signup('stepup@example.com')).body.user_id);
  await b.registerPasskey();
});
afterAll(async () => cp?.close());

async function options(intentHash: string) {
  const r = await b.call<{ nonce_id: string; options: { challenge: string } }>(
    'POST',
    '/api/step-up/options',
    {
      intent_hash: intentHash,
    },
  );
  expect(r.status).toBe(200);
  return r.body;
}

const verify = (intentHash: string, evidence: unknown, correlationId = crypto.randomUUID()) =>
  verifyStepUp(cp.t.db, { customerUserId: userId, intentHash, evidence, correlationId }, ctx);

async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return err as { reason: string; status: number };
  }
  throw new Error('expected a refusal');
}

describe('step-up with a passkey', () => {
  it('binds the challenge to the intent: SHA-256(intent_hash ‖ nonce), and returns the evidence record', async () => {
    const o = await options(H1);
    const row = await cp.t.db.query<{ nonce: string }>(
      'SELECT nonce FROM cp_challenges WHERE challenge_id = $1',
      [o.nonce_id],
    );
    const expected = createHash('sha256')
      .update(H1)
      .update(Buffer.from(row.rows[0]!.nonce, 'base64url'))
      .digest('base64url');
    expect(o.options.challenge).toBe(expected);
    expect(o.options).toMatchObject({ userVerification: 'required' });

    const correlationId = crypto.randomUUID();
    const response = b.authenticator.assert(o.options);
    const record = await verify(H1, { kind: 'webauthn', nonce_id: o.nonce_id, response }, correlationId);
    expect(record).toMatchObject({
      method: 'webauthn',
      credential_id: response.id,
      nonce_id: o.nonce_id,
      intent_hash: H1,
    });
    expect(Date.parse(record.verified_at)).toBeGreaterThan(Date.now() - 10_000);
    const rec = await cpAudit.list(cp.t.db, { correlation_id: correlationId });
    expect(rec[0]).toMatchObject({ action: 'step_up.verify', outcome: 'allowed', target: H1 });

    // The same evidence again: the nonce is used.
    const again = await refusal(
      verify(H1, { kind: 'webauthn', nonce_id: o.nonce_id, response }, correlationId),
    );
    expect(again).toMatchObject({ reason: 'step_up_replayed', status: 403 });
  });

  it('refuses missing evidence (step_up_required), on record', async () => {
    const correlationId = crypto.randomUUID();
    for (const evidence of [undefined, null, {}, { kind: 'webauthn' }, { kind: 'totp', code: 'abc' }])
      expect(await refusal(verify(H1, evidence, correlationId))).toMatchObject({
        reason: 'step_up_required',
      });
    const rec = await cpAudit.list(cp.t.db, { correlation_id: correlationId });
    expect(rec[0]).toMatchObject({ outcome: 'denied', reason: 'step_up_required' });
  });

  it('refuses an expired nonce (step_up_stale)', async () => {
    const o = await options(H1);
    await cp.t.db.query(
      "UPDATE cp_challenges SET expires_at = now() - interval '1 second' WHERE challenge_id = $1",
      [o.nonce_id],
    );
    const response = b.authenticator.assert(o.options);
    expect(await refusal(verify(H1, { kind: 'webauthn', nonce_id: o.nonce_id, response }))).toMatchObject({
      reason: 'step_up_stale',
    });
  });

  it('refuses a confirmation for another intent (step_up_mismatch) without burning it', async () => {
    const o = await options(H1);
    const response = b.authenticator.assert(o.options);
    expect(await refusal(verify(H2, { kind: 'webauthn', nonce_id: o.nonce_id, response }))).toMatchObject({
      reason: 'step_up_mismatch',
    });
    const ok = await verify(H1, { kind: 'webauthn', nonce_id: o.nonce_id, response });
    expect(ok.method).toBe('webauthn');
  });

  it('refuses a counter that did not advance (step_up_replayed) and a bad signature (step_up_failed)', async () => {
    const cred = b.authenticator.credentials[0]!;
    const o = await options(H1);
    const cloned = b.authenticator.assert(o.options, { counter: cred.counter });
    expect(
      await refusal(verify(H1, { kind: 'webauthn', nonce_id: o.nonce_id, response: cloned })),
    ).toMatchObject({
      reason: 'step_up_replayed',
    });
    const o2 = await options(H1);
    const forged = b.authenticator.assert(o2.options, { tamper: true });
    expect(
      await refusal(verify(H1, { kind: 'webauthn', nonce_id: o2.nonce_id, response: forged })),
    ).toMatchObject({
      reason: 'step_up_failed',
    });
    const o3 = await options(H1);
    const noUv = b.authenticator.assert(o3.options, { userVerified: false });
    expect(
      await refusal(verify(H1, { kind: 'webauthn', nonce_id: o3.nonce_id, response: noUv })),
    ).toMatchObject({
      reason: 'step_up_failed',
    });
    const unknown = b.authenticator.assert(o3.options);
    expect(
      await refusal(verify(H1, { kind: 'webauthn', nonce_id: crypto.randomUUID(), response: unknown })),
    ).toMatchObject({ reason: 'step_up_failed' });
  });

  it('refuses another customer’s nonce', async () => {
    const other = new Browser(cp);
    await other.signup('stepup-other@example.com');
    await other.registerPasskey();
    const o = await other.call<{ nonce_id: string; options: never }>('POST', '/api/step-up/options', {
      intent_hash: H1,
    });
    const response = b.authenticator.assert(o.body.options);
    expect(
      await refusal(verify(H1, { kind: 'webauthn', nonce_id: o.body.nonce_id, response })),
    ).toMatchObject({
      reason: 'step_up_failed',
    });
  });

  it('asks for a session, the anti-forgery header and a well-formed intent hash', async () => {
    expect(
      (await new Browser(cp).call('POST', '/api/step-up/options', { intent_hash: H1 })).body.reason,
    ).toBe('login_required');
    expect(
      (await b.call('POST', '/api/step-up/options', { intent_hash: H1 }, { csrf: null })).body.reason,
    ).toBe('csrf_failed');
    const bad = await b.call('POST', '/api/step-up/options', { intent_hash: 'A'.repeat(64) });
    expect(bad.status).toBe(422);
  });
});

describe('step-up with an authenticator app (TOTP)', () => {
  it('accepts a code once: the same time step again is step_up_replayed, a wrong code step_up_failed', async () => {
    const t = new Browser(cp);
    const me = await t.signup('stepup-totp@example.com');
    const e = await t.call<{ otpauth_uri: string }>('POST', '/api/auth/totp/enrolment');
    const totp = URI.parse(e.body.otpauth_uri);
    await t.call('POST', '/api/auth/totp/enrolment/confirm', {
      code: totp.generate({ timestamp: Date.now() - 30_000 }),
    });
    const id = String(me.body.user_id);
    const run = (evidence: unknown) =>
      verifyStepUp(
        cp.t.db,
        { customerUserId: id, intentHash: H2, evidence, correlationId: crypto.randomUUID() },
        ctx,
      );
    const code = totp.generate({ timestamp: Date.now() + 30_000 });
    expect(await run({ kind: 'totp', code })).toMatchObject({
      method: 'totp',
      credential_id: null,
      intent_hash: H2,
    });
    expect(await refusal(run({ kind: 'totp', code }))).toMatchObject({ reason: 'step_up_replayed' });
    expect(await refusal(run({ kind: 'totp', code: totp.generate() }))).toMatchObject({
      reason: 'step_up_replayed',
    });
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await refusal(run({ kind: 'totp', code: wrong }))).toMatchObject({ reason: 'step_up_failed' });
  });

  it('throttles repeated failures (step_up_throttled)', async () => {
    const t = new Browser(cp);
    const me = await t.signup('stepup-throttle@example.com');
    await t.call('POST', '/api/auth/totp/enrolment');
    const id = String(me.body.user_id);
    const strict = {
      ...ctx,
      throttle: createThrottle(cp.t.db, { perAccount: 5, perIp: 20, windowSeconds: 900 }),
    };
    const run = () =>
      verifyStepUp(
        cp.t.db,
        {
          customerUserId: id,
          intentHash: H2,
          evidence: { kind: 'totp', code: '000000' },
          correlationId: crypto.randomUUID(),
        },
        strict,
      );
    for (let i = 0; i < 5; i++) expect(await refusal(run())).toMatchObject({ reason: 'step_up_failed' });
    expect(await refusal(run())).toMatchObject({ reason: 'step_up_throttled', status: 429 });
  });
});
