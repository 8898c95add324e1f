/**
 * What a database error may carry out of the Db layer. PGlite's errors hold the statement (`query`), its values
 * (`params`, `queryOptions`), and both engines put row values in `detail` ("Key (api_key)=(…) already exists"),
 * `where` and some messages (`invalid input syntax for type uuid: "…"`). An error is logged and serialised with
 * its own enumerable members, so those go here, once, for every statement: what stays is the SQLSTATE `code`,
 * `severity`, the names of the schema, table, column and constraint, and the message with any value replaced.
 */
const VALUE_BEARING = [
  'query',
  'params',
  'queryOptions',
  'detail',
  'where',
  'internalQuery',
  'hint',
] as const;

/** `…: "value"` at the end of a message (PostgreSQL's way of quoting the input it refused). */
const QUOTED_VALUE = /(: )"(?:[^"\\]|\\.|"")*"(\s*)$/s;
/** `value "…" is out of range …` and similar. */
const VALUE_PHRASE = /\b(value|input|string) "(?:[^"\\]|\\.|"")*"/g;

export const REDACTED_VALUE = '[value]';

function isDatabaseError(err: unknown): err is Error & Record<string, unknown> {
  if (!(err instanceof Error)) return false;
  const e = err as unknown as Record<string, unknown>;
  // SQLSTATE codes are five characters; PGlite adds `query`/`params`.
  return (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) || 'params' in e || 'query' in e;
}

/** Removes statement text and values from a database error, in place (its class, code and stack stay). */
export function scrubDatabaseError(err: unknown): unknown {
  if (!isDatabaseError(err)) return err;
  for (const key of VALUE_BEARING) {
    if (key in err) delete err[key];
  }
  const scrubbed = err.message
    .replace(QUOTED_VALUE, `$1${REDACTED_VALUE}$2`)
    .replace(VALUE_PHRASE, `$1 ${REDACTED_VALUE}`);
  if (scrubbed !== err.message) {
    const oldFirstLine = `${err.name}: ${err.message}`;
    err.message = scrubbed;
    if (typeof err.stack === 'string' && err.stack.startsWith(oldFirstLine))
      err.stack = `${err.name}: ${scrubbed}${err.stack.slice(oldFirstLine.length)}`;
  }
  return err;
}

/** Runs a database call; a failure leaves it scrubbed (see scrubDatabaseError). */
export async function scrubbed<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw scrubDatabaseError(err);
  }
}
