import type { Queryable } from './types.ts';

export interface BatchInsertOptions<R> {
  table: string;
  columns: readonly string[];
  /** The row's values, in `columns` order. */
  values(row: R): unknown[];
  /** Rows per statement at most (default 200; PostgreSQL allows 65 535 parameters per statement). */
  maxRows?: number;
}

/**
 * Group commit for append-only rows that need no transaction with anything else (usage events, audit lines):
 * each caller's promise resolves once its row is committed, but rows that arrive while a statement is in flight
 * go together in the next multi-row INSERT — at concurrency 1 a row costs one round trip, under load a fraction.
 * A statement that fails is retried row by row, so one bad row fails only its own caller; no caller is told its
 * row is stored unless the INSERT that carried it succeeded. Order of rows = order of calls.
 */
export function createBatchInserter<R>(
  db: Queryable,
  options: BatchInsertOptions<R>,
): (row: R) => Promise<void> {
  const maxRows = Math.max(1, Math.min(options.maxRows ?? 200, Math.floor(65_535 / options.columns.length)));
  const head = `INSERT INTO ${options.table} (${options.columns.join(', ')}) VALUES `;
  const width = options.columns.length;
  const statements = new Map<number, string>();
  const statementFor = (rows: number) => {
    let sql = statements.get(rows);
    if (!sql) {
      const tuples: string[] = [];
      for (let r = 0; r < rows; r++)
        tuples.push(`(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`);
      sql = head + tuples.join(', ');
      statements.set(rows, sql);
    }
    return sql;
  };
  type Pending = { values: unknown[]; resolve: () => void; reject: (err: unknown) => void };
  let queue: Pending[] = [];
  let flushing = false;

  const write = async (batch: Pending[]) => {
    try {
      await db.query(
        statementFor(batch.length),
        batch.flatMap((p) => p.values),
      );
      for (const p of batch) p.resolve();
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      for (const p of batch) await write([p]);
    }
  };
  const flush = async () => {
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxRows);
        queue = queue.slice(batch.length);
        await write(batch);
      }
    } finally {
      flushing = false;
    }
  };

  return (row) =>
    new Promise<void>((resolve, reject) => {
      let values: unknown[];
      try {
        values = options.values(row);
      } catch (err) {
        reject(err);
        return;
      }
      if (values.length !== width) {
        reject(new Error(`${options.table}: expected ${width} values, got ${values.length}`));
        return;
      }
      queue.push({ values, resolve, reject });
      if (!flushing) {
        // Rows pushed in the same tick (e.g. Promise.all over several) go out together.
        flushing = true;
        queueMicrotask(() => void flush());
      }
    });
}
