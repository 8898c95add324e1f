import { createHash, randomUUID } from 'node:crypto';
import { createLogger, migrate, openDatabase } from '@delta/server-kit';
import { ephemeralServiceKeys, publicJwks, signServiceToken } from '@delta/service-auth';
import { DELTA_TRADING_AGENT } from '../../apps/plant/src/agent-mold/reference-agents.ts';
import { buildApp } from '../../apps/plant/src/app.ts';
import { createGatewayIdentityVerifier } from '../../apps/plant/src/auth/identity.ts';
import { createStaticMarketData, fixedPrices } from '../../apps/plant/src/integrations/market-data.ts';
import { plantMigrations } from '../../apps/plant/src/migrations.ts';
import type { BenchCase } from '../harness.ts';

const AGENT = 'AGT-TRD-DELTA-001';

const plantDraft: BenchCase = {
  name: 'plant-draft',
  description:
    "Plant draft-plan run (gateway identity assertion, validation, hook bus with quota reservation, plan, hash-chained audit append, usage event) vs the same app's /healthz, in-process on PGlite, concurrency 16",
  async run(h) {
    const migrations = plantMigrations();
    const db = await openDatabase({});
    await migrate(db, migrations);
    // Every request carries a gateway identity assertion, signed and verified as in production.
    const gateway = await ephemeralServiceKeys('plant-gateway');
    const app = await buildApp({
      identityVerifier: createGatewayIdentityVerifier({ jwks: publicJwks(gateway) }),
      logger: createLogger({ service: 'plant-bench', level: 'silent' }),
      db,
      migrations,
      marketData: createStaticMarketData(fixedPrices({ BTCUSD: '65000.5', ETHUSD: '3400.25' })),
      // The shipped daily budget (200 runs) would turn the measurement into 429s; the bench measures the work.
      referenceAgentSpecs: [
        {
          ...DELTA_TRADING_AGENT,
          dimensions: {
            ...DELTA_TRADING_AGENT.dimensions,
            budget: { present: true, config: { max_runs_per_day: 1_000_000 } },
          },
        },
      ],
    });
    await app.ready();
    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const body = payload === undefined ? '' : JSON.stringify(payload);
      const correlationId = randomUUID();
      const assertion = await signServiceToken(gateway, {
        iss: 'plant-gateway',
        aud: 'plant',
        principal: { kind: 'ops', user_id: 'usr_bench', role: 'operator' },
        correlation_id: correlationId,
        request_hash: createHash('sha256').update(`${method}\n${url}\n${body}`).digest('hex'),
      });
      return app.inject({
        method,
        url,
        payload: body || undefined,
        headers: {
          'x-identity-assertion': assertion,
          'x-correlation-id': correlationId,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
      });
    };
    const customer = await call('POST', '/api/v1/customers', { display_name: 'Bench customer' });
    if (customer.statusCode !== 201) throw new Error(`customer failed: ${customer.body}`);
    const customerId = customer.json().customer_id as string;
    const hired = await call('POST', '/api/v1/hired-agents', {
      customer_id: customerId,
      agent_id: AGENT,
      plan: 'paid',
      setup: {
        exchange_provider: 'delta_exchange_india',
        credential_ref: 'cred_pp_benchbenchbenchbenchbenchb',
        default_coin: 'BTC',
        allowed_coins: ['BTC', 'ETH'],
        risk_limits: { max_units_per_order: 100, max_notional_inr: '10000000' },
        execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
      },
    });
    if (hired.statusCode !== 201) throw new Error(`hire failed: ${hired.body}`);

    const operations = 2_000;
    const baseline = await h.measure('GET /healthz', { concurrency: 16, operations }, async () => {
      const res = await app.inject('/healthz');
      if (res.statusCode !== 200) throw new Error(String(res.statusCode));
    });
    const subject = await h.measure('POST run (draft plan)', { concurrency: 16, operations }, async () => {
      const res = await call('POST', `/api/v1/reference-agents/${AGENT}/run`, {
        customer_id: customerId,
        exchange_account_id: 'cred_pp_benchbenchbenchbenchbenchb',
        coin: 'BTC',
        units: 2,
        side: 'long',
        action: 'enter',
        limit_price: '65000.5',
      });
      if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
    });
    // No target yet: on PGlite every query shares one connection, so this is a floor, not a capacity figure.
    h.compare(subject, baseline);
    await app.close();
    await db.close();
  },
};

export default plantDraft;
