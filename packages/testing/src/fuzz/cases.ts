import { type FuzzOperation, type JsonSchema, type OpenApiDocument, type Rng, resolve } from './openapi.ts';

export const NUL = 'a\u0000b';
export const LONE_SURROGATE = 'x\ud800y';

/** `levels` nested arrays around a 1, as JSON text (10 KB at 5 000 levels: under every body limit). */
export function deepNesting(levels: number): string {
  return `${'['.repeat(levels)}1${']'.repeat(levels)}`;
}

/** Stands for a deeply nested value in a generated body; replaced by the raw text when the body is serialised. */
const DEEP = '\u0001fuzz-deep\u0001';

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

/** A plausible value for `schema` (it need not pass every refinement: the point is to get past the first checks). */
export function sampleValue(
  schema: JsonSchema | undefined,
  rng: Rng,
  doc?: OpenApiDocument,
  depth = 0,
): unknown {
  const s = doc ? resolve(doc, schema) : schema;
  if (!s || depth > 8) return 'x';
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return rng.pick(s.enum);
  if (s.default !== undefined && rng.chance(0.3)) return s.default;
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives?.length) {
    const usable = alternatives.filter((a) => (a as JsonSchema).type !== 'null');
    return sampleValue(rng.pick(usable.length ? usable : alternatives), rng, doc, depth + 1);
  }
  if (s.allOf?.length) return sampleValue(s.allOf[0], rng, doc, depth + 1);
  const type = typesOf(s).find((t) => t !== 'null') ?? 'string';
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set(s.required ?? []);
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        if (required.has(k) || rng.chance(0.5)) out[k] = sampleValue(v, rng, doc, depth + 1);
      }
      return out;
    }
    case 'array': {
      const n = Math.max(s.minItems ?? 0, 1);
      if (s.prefixItems) return s.prefixItems.map((p) => sampleValue(p, rng, doc, depth + 1));
      return Array.from({ length: n }, () => sampleValue(s.items, rng, doc, depth + 1));
    }
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : 1;
      const max = typeof s.maximum === 'number' ? s.maximum : min + 100;
      return Math.floor(min + rng.next() * Math.max(0, max - min));
    }
    case 'boolean':
      return rng.chance(0.5);
    default:
      return sampleString(s, rng);
  }
}

function sampleString(s: JsonSchema, rng: Rng): string {
  switch (s.format) {
    case 'uuid':
      return crypto.randomUUID();
    case 'date-time':
      return new Date().toISOString();
    case 'email':
      return 'fuzz@example.com';
    case 'uri':
      return 'https://example.com/x';
  }
  if (s.pattern && /^\^?\\d/.test(s.pattern)) return String(1 + rng.int(100));
  const len = Math.max(s.minLength ?? 1, Math.min(8, s.maxLength ?? 8));
  return 'fuzz'.padEnd(len, 'z').slice(0, Math.max(len, 1));
}

/** A value of a different JSON type than `value`. */
function wrongTyped(value: unknown, rng: Rng): unknown {
  const options: unknown[] = [
    typeof value === 'string' ? 12345 : 'not-a-number',
    typeof value === 'boolean' ? 'true' : true,
    Array.isArray(value) ? { a: 1 } : [1, 'two'],
    null,
    typeof value === 'object' && value !== null ? 'object?' : { nested: { deeper: 1 } },
    -1e308,
    1.5,
  ];
  return rng.pick(options);
}

// ---------------------------------------------------------------------------------------------------------------
// Cases

export interface FuzzCase {
  label: string;
  method: string;
  /** Path and query, already percent-encoded as it is to be sent. */
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Send the target's credentials with it (true by default). */
  auth: boolean;
  /** Credentials to send instead of the target's (bad-auth cases). */
  badAuth?: Record<string, string>;
}

const enc = (v: unknown) => encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v));

/** Percent-encodes a string like encodeURIComponent, but lone surrogates become their (invalid) UTF-8 bytes. */
export function encodeLoose(value: string): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out +=
        `%${(0xe0 | (cp >> 12)).toString(16)}%${(0x80 | ((cp >> 6) & 0x3f)).toString(16)}%${(0x80 | (cp & 0x3f)).toString(16)}`.toUpperCase();
    } else out += encodeURIComponent(ch);
  }
  return out;
}

/** Path-parameter values that must be refused with a 4xx (raw: already encoded). */
const BAD_SEGMENTS = [
  '%ZZ',
  '%C0%80',
  'a%00b',
  '%ED%A0%80',
  'x'.repeat(600),
  '%',
  '..%2F..%2Fetc',
  '%F0%9F%92%A9',
];
const BAD_QUERY_VALUES = ['a%00b', '%ED%A0%80', '%ZZ', 'x'.repeat(8_000), '-1', '1e999', '%C0%80', '[]', ''];

export function buildPath(op: FuzzOperation, values: Record<string, string>): string {
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => values[name] ?? 'x');
}

function query(pairs: [string, string][]): string {
  return pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : '';
}

/** Credentials that must be refused: an unsigned token and made-up session cookies. */
const BAD_AUTH = {
  authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  cookie: 'pp_session=not-a-session; cp_session=nope',
};

/** The fuzz requests for one operation: about `budget` of them, chosen by `rng`. */
export function casesFor(op: FuzzOperation, rng: Rng, doc?: OpenApiDocument, budget = 16): FuzzCase[] {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const validPath = () =>
    Object.fromEntries(pathParams.map((p) => [p.name, enc(sampleValue(p.schema, rng, doc))])) as Record<
      string,
      string
    >;
  const validQuery = (): [string, string][] =>
    queryParams
      .filter((p) => p.required || rng.chance(0.5))
      .map((p) => [encodeURIComponent(p.name), enc(sampleValue(p.schema, rng, doc))]);
  const hasBody = op.method !== 'GET' && op.method !== 'DELETE';
  const validBody = () => (op.body ? sampleValue(op.body, rng, doc) : hasBody ? {} : undefined);
  const json = { 'content-type': 'application/json' };

  const make = (
    label: string,
    opts: {
      path?: Record<string, string>;
      query?: [string, string][];
      body?: unknown;
      raw?: string | Buffer;
      headers?: Record<string, string>;
      auth?: boolean;
      badAuth?: Record<string, string>;
    } = {},
  ): FuzzCase => {
    // (JSON.stringify itself overflows on deep values: they are spliced in as text.)
    const body =
      opts.raw !== undefined
        ? opts.raw
        : opts.body === undefined
          ? undefined
          : JSON.stringify(opts.body).replace(JSON.stringify(DEEP), deepNesting(5_000));
    return {
      label,
      method: op.method,
      url: buildPath(op, opts.path ?? validPath()) + query(opts.query ?? validQuery()),
      headers: { ...(body !== undefined ? json : {}), ...opts.headers },
      body,
      auth: opts.auth ?? true,
      badAuth: opts.badAuth,
    };
  };

  /** A copy of `body` with the value at a random (string-valued if possible) member replaced. */
  const mutateMember = (value: (old: unknown) => unknown, preferStrings = true): unknown => {
    const base = validBody();
    if (base === null || typeof base !== 'object' || Array.isArray(base)) return { fuzz: value(undefined) };
    const obj = base as Record<string, unknown>;
    const keys = Object.keys(obj);
    const strings = keys.filter((k) => typeof obj[k] === 'string');
    const key =
      (preferStrings && strings.length ? rng.pick(strings) : keys.length ? rng.pick(keys) : undefined) ??
      'fuzz';
    // Sometimes one level down, so nested fields are reached too.
    const inner = obj[key];
    if (inner && typeof inner === 'object' && !Array.isArray(inner) && rng.chance(0.5)) {
      const innerObj = inner as Record<string, unknown>;
      const innerKeys = Object.keys(innerObj);
      const k2 = innerKeys.length ? rng.pick(innerKeys) : 'fuzz';
      innerObj[k2] = value(innerObj[k2]);
      return obj;
    }
    obj[key] = value(inner);
    return obj;
  };

  const all: (() => FuzzCase)[] = [
    () => make('plausible', { body: validBody() }),
    () => make('no credentials', { body: validBody(), auth: false }),
    () => make('bad credentials', { body: validBody(), badAuth: BAD_AUTH }),
  ];
  if (hasBody) {
    all.push(
      () => make('empty object body', { body: {} }),
      () => make('no body', { body: undefined, headers: {} }),
      () => make('empty JSON body', { raw: '' }),
      () => make('malformed JSON', { raw: '{"a":' }),
      () => make('body not an object', { body: rng.pick([[1, 2], 'str', 42, null, true]) }),
      () => make('text/plain body', { raw: 'a=b', headers: { 'content-type': 'text/plain' } }),
      () =>
        make('form body', { raw: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      () =>
        make('wrong charset', {
          body: validBody(),
          headers: { 'content-type': 'application/json; charset=latin1' },
        }),
      () =>
        make('extra member', {
          body: { ...((validBody() as object) ?? {}), fuzz_extra: 'x', __proto__x: 1 },
        }),
      () => make('__proto__ member', { raw: '{"__proto__":{"polluted":1}}' }),
      () => make('constructor.prototype member', { raw: '{"constructor":{"prototype":{"polluted":1}}}' }),
      () => {
        const b = validBody() as Record<string, unknown>;
        const req = (op.body?.required ?? []).filter((k) => k in (b ?? {}));
        if (b && req.length) delete b[rng.pick(req)];
        return make('missing required member', { body: b });
      },
      () => make('wrong-typed member', { body: mutateMember((old) => wrongTyped(old, rng), false) }),
      () => make('NUL in a string', { body: mutateMember(() => NUL) }),
      () => make('NUL as a JSON escape', { body: mutateMember(() => `\\u0000${NUL}`) }),
      () => make('lone surrogate in a string', { body: mutateMember(() => LONE_SURROGATE) }),
      () => make('huge string under the body limit', { body: mutateMember(() => 'h'.repeat(40_000)) }),
      () => make('huge string over the body limit', { body: mutateMember(() => 'H'.repeat(300_000)) }),
      () => make('huge number', { body: mutateMember(() => 1e308, false) }),
      () => make('numeric string with 400 digits', { body: mutateMember(() => '9'.repeat(400)) }),
      () =>
        make('zero, negative or non-finite number', {
          body: mutateMember(() => rng.pick(['0', '-1', 'Infinity', 'NaN', '1e999', 0, -0.5]), false),
        }),
      () => make('deeply nested member', { body: mutateMember(() => DEEP, false) }),
      () => make('deeply nested body', { raw: deepNesting(5_000) }),
      () =>
        make('many members', {
          body: Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`k${i}`, i])),
        }),
      () => make('NUL in a member name', { body: { [`k${NUL}`]: 1, ...((validBody() as object) ?? {}) } }),
    );
  }
  if (pathParams.length) {
    all.push(
      () => {
        const values = validPath();
        values[rng.pick(pathParams).name] = rng.pick(BAD_SEGMENTS);
        return make('bad path parameter', { path: values, body: validBody() });
      },
      () => {
        const values = validPath();
        values[rng.pick(pathParams).name] = rng.pick(['a%00b', '%ED%A0%80', '%ZZ']);
        return make('NUL/surrogate/bad escape in a path parameter', { path: values, body: validBody() });
      },
      () => {
        const values = validPath();
        values[rng.pick(pathParams).name] = 'p'.repeat(rng.pick([101, 500, 5_000]));
        return make('over-long path parameter', { path: values, body: validBody() });
      },
    );
  }
  all.push(
    () => {
      const q = validQuery();
      const name = queryParams.length ? encodeURIComponent(rng.pick(queryParams).name) : 'fuzz';
      q.push([name, rng.pick(BAD_QUERY_VALUES)]);
      return make('bad query value', { query: q, body: validBody() });
    },
    () => {
      const q = validQuery();
      const name = queryParams.length ? encodeURIComponent(rng.pick(queryParams).name) : 'q';
      q.push([name, 'a%00b']);
      return make('NUL in the query', { query: q, body: validBody() });
    },
    () =>
      make('unknown and repeated query keys', {
        query: [...validQuery(), ['fuzz_unknown', '1'], ['fuzz_unknown', '2'], ['a%00', 'b']],
        body: validBody(),
      }),
    () =>
      make('odd headers', {
        body: validBody(),
        headers: rng.pick<Record<string, string>>([
          { 'x-correlation-id': 'x'.repeat(4_000) },
          { 'x-correlation-id': '../../etc/passwd' },
          { accept: 'text/html' },
          { 'content-type': 'application/json', 'x-forwarded-for': 'not an ip' },
          { 'x-fuzz': '\u00ff\u00fe latin-1' },
        ]),
      }),
  );
  // Always the first three, then a random selection of the rest.
  const head = all.slice(0, 3);
  const rest = all.slice(3);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return [...head, ...rest.slice(0, Math.max(0, budget - head.length))].map((f) => f());
}
