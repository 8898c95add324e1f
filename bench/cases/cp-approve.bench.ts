import { AGENT, approve, execute, onboard, runBody } from '../../apps/pp-api/test/runbook-helpers.ts';
import { signIn, startStack } from '../../apps/pp-api/test/stack.ts';
import { CP_CSRF_HEADER, CP_SESSION_COOKIE } from '../../packages/contracts/src/index.ts';
import { signCpInvite } from '../../packages/portal/src/index.ts';
import { httpFetch } from '../../packages/server-kit/src/http-client.ts';
import { SoftwareAuthenticator } from '../../packages/testing/src/index.ts';
import type { BenchCase } from '../harness.ts';

/**
 * A customer's approval in CP — step-up options for the plan, a passkey assertion (a software authenticator),
 * approve (CP mints the approval bound to the plan and its band, Plant executes it) → filled — next to the ops
 * path in PP (mint with recorded consent, then execute) for the same trade in the same run. Both over real HTTP;
 * the proposals are drafted beforehand (reviewing is not part of the approval path).
 */
export default {
  name: 'cp-approve',
  description:
    'CP approve with a passkey step-up → filled vs PP approve + execute → filled, 1 customer, in process',
  async run(h) {
    const stack = await startStack({ cp: true, logLevel: 'warn', priceTtlMs: 250 });
    try {
      const ops = await signIn(stack, 'operator', httpFetch);
      const acct = await onboard(stack, ops, { name: 'Bench customer', balance: 100_000_000, maxUnits: 10 });
      const cpUrl = stack.cp!.url;
      const authenticator = new SoftwareAuthenticator({ origin: 'http://localhost:3002' });
      let cookie = '';
      let csrf = '1';
      const cp = async <T>(
        method: string,
        path: string,
        body?: unknown,
      ): Promise<{ status: number; body: T }> => {
        const r = await httpFetch(`${cpUrl}${path}`, {
          method,
          headers: {
            'content-type': 'application/json',
            ...(cookie ? { cookie: `${CP_SESSION_COOKIE}=${cookie}` } : {}),
            ...(method === 'GET' ? {} : { [CP_CSRF_HEADER]: csrf }),
          },
          ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
        });
        const set = r.headers.get('set-cookie');
        if (set?.startsWith(`${CP_SESSION_COOKIE}=`))
          cookie = set.split(';')[0]!.slice(CP_SESSION_COOKIE.length + 1);
        const text = await r.text();
        const parsed = (text ? JSON.parse(text) : {}) as T & { csrf_token?: string };
        if (typeof parsed.csrf_token === 'string') csrf = parsed.csrf_token;
        return { status: r.status, body: parsed };
      };
      const { token } = await signCpInvite(stack.keys.pp, {
        customerId: acct.customerId,
        issuedBy: 'ops:usr_000000000000000000000001(operator)',
      });
      const signup = await cp('POST', '/api/auth/signup', {
        invite: token,
        email: 'bench@example.com',
        password: 'correct horse battery staple',
      });
      if (signup.status !== 201) throw new Error(`signup ${signup.status}`);
      const reg = await cp<{ challenge_id: string; options: never }>(
        'POST',
        '/api/auth/passkeys/registration/options',
      );
      const verified = await cp('POST', '/api/auth/passkeys/registration/verify', {
        challenge_id: reg.body.challenge_id,
        response: authenticator.register(reg.body.options),
      });
      if (verified.status !== 201) throw new Error(`passkey ${verified.status}`);

      const trade = { units: 1 } as const;
      const OPERATIONS = 60;
      const WARMUP = 10;
      const proposals: { id: string; hash: string }[] = [];
      for (let i = 0; i < OPERATIONS + WARMUP; i++) {
        const p = await cp<{ proposal_id: string; plan: { intent_hash: string } }>('POST', '/api/proposals', {
          agent_id: AGENT,
          run: runBody(acct, trade),
          expires_in_s: 3_600,
        });
        if (p.status !== 201) throw new Error(`proposal ${p.status} ${JSON.stringify(p.body)}`);
        proposals.push({ id: p.body.proposal_id, hash: p.body.plan.intent_hash });
      }
      const subject = await h.measure(
        'CP approve with a passkey step-up → filled',
        { concurrency: 1, operations: OPERATIONS, warmup: WARMUP },
        async () => {
          const next = proposals.shift()!;
          const o = await cp<{ nonce_id: string; options: never }>('POST', '/api/step-up/options', {
            intent_hash: next.hash,
          });
          const r = await cp<{ run: { execution: { state: string } } }>(
            'POST',
            `/api/proposals/${next.id}/approve`,
            {
              step_up: {
                kind: 'webauthn',
                nonce_id: o.body.nonce_id,
                response: authenticator.assert(o.body.options),
              },
            },
          );
          if (r.status !== 200 || r.body.run.execution.state !== 'filled') {
            throw new Error(`approve ${r.status} ${JSON.stringify(r.body)}`);
          }
        },
      );
      const baseline = await h.measure(
        'PP approve (recorded consent) + execute → filled',
        { concurrency: 1, operations: OPERATIONS, warmup: WARMUP },
        async () => {
          const id = await approve(ops, acct, trade);
          const r = await execute(ops, acct, trade, id);
          if (r.status !== 200 || r.body.execution?.state !== 'filled')
            throw new Error(`execute ${r.status}`);
        },
      );
      h.compare(subject, baseline, {
        text: 'CP p50 ≤ 1.5× PP (the step-up and proposal look-up are the difference)',
        met: (c) => c.p50_ratio <= 1.5,
      });
    } finally {
      await stack.close();
    }
  },
} satisfies BenchCase;
