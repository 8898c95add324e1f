/** One optional condition of a listing: `expression op $n`, skipped when the value is undefined. */
export type SqlFilter = readonly [
  expression: string,
  op: '=' | '<' | '>' | '>=',
  type: 'text' | 'uuid' | 'bigint' | 'timestamptz',
  value: unknown,
];

/**
 * The WHERE clause of a filtered listing and its parameters. Every filter is written `($n::type IS NULL OR expr op
 * $n)`, so the statement's text is the same whichever filters are given (one prepared statement per listing); the
 * values only ever travel as parameters.
 */
export function optionalFilters(filters: readonly SqlFilter[]): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const parts = filters.map(([expression, op, type, value]) => {
    params.push(value ?? null);
    const n = params.length;
    return `($${n}::${type} IS NULL OR ${expression} ${op} $${n})`;
  });
  return { where: parts.join(' AND ') || 'true', params };
}
