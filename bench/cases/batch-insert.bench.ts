import { createBatchInserter, type Queryable } from '../../packages/server-kit/src/index.ts';
import { createTestDatabase } from '../../packages/testing/src/database.ts';
import type { BenchCase } from '../harness.ts';
import { cpuPerOperation } from '../process-cpu.ts';

const COLUMNS = ['who', 'action', 'outcome', 'details', 'occurred_at'] as const;
type Row = { who: string; action: string; outcome: string; details: Record<string, unknown>; at: Date };
const values = (r: Row) => [r.who, r.action, r.outcome, JSON.stringify(r.details), r.at];

/**
 * Why server-kit keeps its own group-commit inserter (docs/decisions.md): append-only rows written by concurrent
 * requests (usage events), one INSERT per row against createBatchInserter, whose rows wait for the statement in
 * flight and then go out together. 16 writers either in lock step or arriving 0–3 ms apart, as requests do (a
 * per-tick batcher such as DataLoader groups only the first kind). PostgreSQL (as deployed, TEST_DATABASE_URL)
 * and PGlite (the default).
 */
export default {
  name: 'batch-insert',
  description:
    'group-commit createBatchInserter vs one INSERT per row, 16 concurrent writers (in lock step, or arriving 0–3 ms apart), on PostgreSQL and on PGlite',
  async run(h) {
    for (const [engine, staggered] of [
      ['postgres', false],
      ['postgres', true],
      ['pglite', false],
    ] as const) {
      const saved = process.env.TEST_DATABASE_URL;
      if (engine === 'postgres')
        process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
      else delete process.env.TEST_DATABASE_URL;
      const t = await createTestDatabase({ migrations: [] });
      if (saved === undefined) delete process.env.TEST_DATABASE_URL;
      else process.env.TEST_DATABASE_URL = saved;
      try {
        await t.db.exec(
          `CREATE TABLE usage_like (seq bigserial PRIMARY KEY, who text NOT NULL, action text NOT NULL,
           outcome text NOT NULL, details jsonb NOT NULL, occurred_at timestamptz NOT NULL)`,
        );
        let statements = 0;
        const counted: Queryable = {
          query: (sql, params) => {
            statements++;
            return t.db.query(sql, params);
          },
        };
        const batched = createBatchInserter<Row>(counted, { table: 'usage_like', columns: COLUMNS, values });
        const sql = `INSERT INTO usage_like (${COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5)`;
        const single = (r: Row) => counted.query(sql, values(r));
        let n = 0;
        const row = (): Row => ({
          who: `customer:cus_${n % 50}`,
          action: 'place_order',
          outcome: 'allowed',
          details: { n: n++, correlation_id: crypto.randomUUID() },
          at: new Date(),
        });
        const opts = { concurrency: 16, operations: engine === 'postgres' ? 4000 : 2000, warmup: 200 };
        const groups = {
          'this process': (pid: number) => pid === process.pid,
          PostgreSQL: (_pid: number, comm: string) => comm.startsWith('postgres'),
        };
        const arrive = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        const run = async (name: string, write: (r: Row) => Promise<unknown>) => {
          const label = staggered ? `${name}, staggered` : name;
          const insert = staggered
            ? async (r: Row) => {
                await arrive();
                return write(r);
              }
            : write;
          statements = 0;
          let m!: Awaited<ReturnType<typeof h.measure>>;
          const cpu = await cpuPerOperation(groups, opts.operations + opts.warmup, async () => {
            m = await h.measure(`${label} (${engine})`, opts, () => insert(row()));
          });
          const cpuText = Object.entries(cpu)
            .filter(([g]) => engine === 'postgres' || g !== 'PostgreSQL')
            .map(([g, ms]) => `${g} ${(ms * 1000).toFixed(0)} µs`)
            .join(', ');
          h.note(
            `${label} (${engine}, c=16): ${(statements / (opts.operations + opts.warmup)).toFixed(2)} statements per row; CPU per row ${cpuText}`,
          );
          return m;
        };
        const subject = await run('createBatchInserter', batched);
        const baseline = await run('one INSERT per row', single);
        h.compare(subject, baseline);
      } finally {
        await t.drop();
      }
    }
  },
} satisfies BenchCase;
