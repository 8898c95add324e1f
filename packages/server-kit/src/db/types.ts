export interface QueryResult<T> {
  rows: T[];
  /** Rows inserted, updated or deleted (0 for a SELECT on some engines: use rows.length there). */
  rowCount: number;
}

/** Something SQL can be sent to: the database itself or a transaction on it. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

/**
 * One interface over embedded PGlite and PostgreSQL. Same SQL dialect, same migrations, same value types:
 * int8 and numeric come back as strings (no silent precision loss), timestamptz as Date, json/jsonb parsed.
 */
export interface Db extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. Inside, use only `tx`
   * (on PGlite the database is single-connection, so using `db` inside would wait for the transaction).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
