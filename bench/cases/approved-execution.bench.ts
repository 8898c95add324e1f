import { createHmac } from 'node:crypto';
import { DELTA_TRADING_AGENT } from '../../apps/plant/src/agent-mold/reference-agents.ts';
import { approve, execute, type Onboarded, onboard } from '../../apps/pp-api/test/runbook-helpers.ts';
import { signIn, startStack } from '../../apps/pp-api/test/stack.ts';
import { httpFetch } from '../../packages/server-kit/src/http-client.ts';
import type { BenchCase, Measurement } from '../harness.ts';
import { cpuPerOperation } from '../process-cpu.ts';

/**
 * The approved execution path end to end — PP → gateway → Plant (hooks, approval consumed at PP, risk re-check,
 * credential bundle from the vault, execution record) → paper exchange — against a bare signed order POST to the
 * same paper exchange. Every service on its own PostgreSQL database. Approvals are minted beforehand (a person
 * approving is not part of the execution path).
 */
export default {
  name: 'approved-execution',
  description:
    'approved execute through PP → gateway → Plant → vault → paper exchange vs a bare signed POST /v2/orders, 4 customers/accounts, on PostgreSQL',
  async run(h) {
    process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
    // Plant in its own process (as deployed: one process per service), the rest in this one.
    const stack = await startStack({
      plantProcess: true,
      plantEnv: { PLANT_MAX_RUNS_PER_DAY: '1000000', LOG_LEVEL: 'warn' },
      logLevel: 'warn',
      priceTtlMs: 250,
      paperRateLimit: { unitsPerWindow: 10_000_000, windowMs: 300_000 },
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
    try {
      // Subject and baseline use the same light keep-alive client (the load generator shares the machine).
      const ops = await signIn(stack, 'operator', httpFetch);
      // Several customers, each with its own exchange account, as real load is: one account's orders are
      // serialised by the exchange itself (the bare baseline spreads over as many accounts, for a fair ratio).
      const ACCOUNTS = 4;
      const accts: Onboarded[] = [];
      const bares: { apiKey: string; apiSecret: string }[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        accts.push(
          await onboard(stack, ops, { name: `Bench customer ${i}`, balance: 100_000_000, maxUnits: 10 }),
        );
        bares.push(await stack.paper.createApiKey({ balance: 100_000_000 }));
      }
      let seq = 0;
      const barePost = async () => {
        const bare = bares[seq % ACCOUNTS]!;
        const body = JSON.stringify({
          product_id: 27,
          size: 1,
          side: 'buy',
          order_type: 'market_order',
          client_order_id: `bare${process.pid}x${seq++}`,
        });
        const ts = String(Math.floor(Date.now() / 1000));
        const signature = createHmac('sha256', bare.apiSecret)
          .update(`POST${ts}/v2/orders${body}`)
          .digest('hex');
        const r = await httpFetch(`${stack.paper.url}/v2/orders`, {
          method: 'POST',
          headers: {
            'api-key': bare.apiKey,
            timestamp: ts,
            signature,
            'user-agent': 'bench',
            'content-type': 'application/json',
          },
          body,
        });
        if (r.status !== 200) throw new Error(`bare ${r.status}`);
        await r.arrayBuffer();
      };

      for (const [concurrency, operations] of [
        [1, 200],
        [16, 400],
      ] as const) {
        const warmup = Math.min(20, Math.floor(operations / 5));
        // Mint every approval this round uses (8 at a time), outside the measurement.
        const approvals: { acct: (typeof accts)[number]; id: string }[] = [];
        const want = operations + warmup;
        let minted = 0;
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (minted < want) {
              const acct = accts[minted++ % ACCOUNTS]!;
              approvals.push({ acct, id: await approve(ops, acct, { units: 1 }) });
            }
          }),
        );
        const queue = approvals;
        // CPU per operation of each part of the machine, to show where the time goes (Linux /proc).
        const plantPid = stack.plantProcess?.pid();
        const groups = {
          'this process (PP, gateway, paper exchange, load generator)': (pid: number) => pid === process.pid,
          Plant: (pid: number) => pid === plantPid,
          PostgreSQL: (_pid: number, comm: string) => comm.startsWith('postgres'),
        };
        let baseline!: Measurement;
        let subject!: Measurement;
        const bareCpu = await cpuPerOperation(groups, operations + warmup, async () => {
          baseline = await h.measure(
            'bare signed POST /v2/orders',
            { concurrency, operations, warmup },
            barePost,
          );
        });
        const subjectCpu = await cpuPerOperation(groups, operations + warmup, async () => {
          subject = await h.measure(
            'approved execute (PP → gateway → Plant → vault → exchange)',
            { concurrency, operations, warmup },
            async () => {
              const next = queue.pop();
              if (!next) throw new Error('out of approvals');
              const r = await execute(ops, next.acct, { units: 1 }, next.id);
              if (r.status !== 200 || r.body.execution?.state !== 'filled')
                throw new Error(`execute ${r.status} ${JSON.stringify(r.body)}`);
            },
          );
        });
        const fmt = (cpu: Record<string, number>) => {
          const total = Object.values(cpu).reduce((a, b) => a + b, 0);
          return `${total.toFixed(1)} ms (${Object.entries(cpu)
            .map(([g, ms]) => `${g} ${ms.toFixed(1)}`)
            .join(', ')})`;
        };
        if (Object.keys(subjectCpu).length > 0) {
          h.note(
            `c=${concurrency}: CPU per approved execution ${fmt(subjectCpu)}; per bare order ${fmt(bareCpu)}. ` +
              'On 2 cores, executions/s cannot exceed 2000 ms ÷ the execution total.',
          );
        }
        h.compare(subject, baseline, {
          text: concurrency === 16 ? 'p50 ≤ 4× bare and ≥ 150 executions/s' : 'p50 ≤ 4× bare',
          met: (c) => c.p50_ratio <= 4 && (concurrency !== 16 || c.subject.throughput_per_s >= 150),
        });
      }
    } finally {
      await stack.close();
    }
  },
} satisfies BenchCase;
