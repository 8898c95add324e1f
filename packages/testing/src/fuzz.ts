/**
 * An OpenAPI-driven HTTP fuzzer for the platform's services. It reads a service's `GET /docs/json`, builds for
 * every operation a handful of requests (a plausible one, then missing, extra, wrong-typed, huge, NUL and
 * lone-surrogate values, deep nesting, bad percent-encodings, over-long path parameters, wrong media types, bad
 * credentials) and checks every answer: never a 5xx, and every error is a problem body carrying `reason` and
 * `correlation_id` (or, where a service speaks another protocol, that protocol's error shape). Raw-socket cases
 * (malformed request lines, oversized or invalid headers, bad URL encoding) go through node:net, since no HTTP
 * client will send them. Everything random comes from one seeded generator, so a failing run is replayed with
 * `FUZZ_SEED=<seed>`.
 */
import http from 'node:http';
import net from 'node:net';
import { seededRandom } from '@delta/server-kit';

// ---------------------------------------------------------------------------------------------------------------
// Seeded randomness

export interface Rng {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** Seeded (server-kit's seededRandom): the same sequence for the same seed on every machine. */
export function createRng(seed: number): Rng {
  const next = seededRandom(seed);
  return {
    seed,
    next,
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

/** The seed of this run: `FUZZ_SEED` when set (replay), otherwise a fresh one. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.FUZZ_SEED;
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`FUZZ_SEED must be a non-negative integer, got ${given}`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAPI

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  minItems?: number;
  default?: unknown;
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  [k: string]: unknown;
};

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface FuzzOperation {
  method: string;
  /** The OpenAPI path template, e.g. `/api/customers/{customer_id}`. */
  path: string;
  parameters: OpenApiParameter[];
  body?: JsonSchema;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export async function fetchOpenApi(baseUrl: string): Promise<OpenApiDocument> {
  const r = await fetch(`${baseUrl}/docs/json`);
  if (r.status !== 200) throw new Error(`${baseUrl}/docs/json answered ${r.status}`);
  return (await r.json()) as OpenApiDocument;
}

/** Every operation of the document (the docs routes themselves excepted). */
export function listOperations(doc: OpenApiDocument): FuzzOperation[] {
  const ops: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (path === '/docs' || path.startsWith('/docs/')) continue;
    for (const method of METHODS) {
      const op = item[method] as
        | {
            parameters?: OpenApiParameter[];
            requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
          }
        | undefined;
      if (!op) continue;
      const content = op.requestBody?.content;
      const body = content
        ? (content['application/json']?.schema ?? Object.values(content)[0]?.schema)
        : undefined;
      const parameters = (op.parameters ?? []).map((p) => ({ ...p, schema: resolve(doc, p.schema) }));
      // A path parameter the document does not declare (e.g. a route with no params schema) still exists.
      for (const m of path.matchAll(/\{([^}]+)\}/g)) {
        if (!parameters.some((p) => p.in === 'path' && p.name === m[1]))
          parameters.push({ name: m[1]!, in: 'path', required: true, schema: { type: 'string' } });
      }
      ops.push({ method: method.toUpperCase(), path, parameters, body: resolve(doc, body) });
    }
  }
  return ops;
}

function resolve(doc: OpenApiDocument, schema: JsonSchema | undefined, depth = 0): JsonSchema | undefined {
  if (!schema || depth > 20) return schema;
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() ?? '';
    return resolve(doc, doc.components?.schemas?.[name], depth + 1);
  }
  return schema;
}

// ---------------------------------------------------------------------------------------------------------------
// Values

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

function buildPath(op: FuzzOperation, values: Record<string, string>): string {
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => values[name] ?? 'x');
}

function query(pairs: [string, string][]): string {
  return pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : '';
}

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

const BAD_AUTH = {
  authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  cookie: 'pp_session=not-a-session; cp_session=nope',
};

// ---------------------------------------------------------------------------------------------------------------
// Sending

export interface FuzzAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** Sends exactly what the case says (the URL is not re-encoded). A transport failure is an answer of status 0. */
export function send(
  baseUrl: string,
  c: FuzzCase,
  extraHeaders: Record<string, string> = {},
): Promise<FuzzAnswer> {
  const u = new URL(baseUrl);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: c.method,
        path: c.url,
        agent,
        headers: { ...extraHeaders, ...c.headers },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (err) => resolve({ status: 0, headers: {}, body: String(err) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ status: 0, headers: {}, body: `transport: ${err.message}` }));
    req.end(c.body);
  });
}

/** Raw bytes over a fresh TCP connection; the answer is whatever came back before the server closed or 5 s passed. */
export function sendRaw(baseUrl: string, bytes: string | Buffer): Promise<FuzzAnswer> {
  const u = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    const finish = () => {
      socket.destroy();
      resolve(parseRawAnswer(Buffer.concat(chunks).toString('latin1')));
    };
    const timer = setTimeout(finish, 5_000);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      const answer = parseRawAnswer(Buffer.concat(chunks).toString('latin1'));
      const length = Number(answer.headers['content-length'] ?? Number.NaN);
      if (Number.isFinite(length) && Buffer.byteLength(answer.body, 'latin1') >= length) {
        clearTimeout(timer);
        finish();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      finish();
    });
    socket.write(bytes);
  });
}

function parseRawAnswer(text: string): FuzzAnswer {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, body: Buffer.from(body, 'latin1').toString('utf8') };
}

/** Requests no HTTP client will send: each must still get a problem body (or a closed connection, never a 5xx). */
export function rawCases(
  host: string,
  samplePath = '/healthz',
): { label: string; bytes: string | Buffer; routed?: boolean }[] {
  const h = `Host: ${host}\r\n`;
  const base = samplePath.split('?')[0]!.replace(/\/[^/]*$/, '');
  return [
    { label: 'malformed request line', bytes: 'GARBAGE\r\n\r\n' },
    { label: 'unknown HTTP version', bytes: `GET / HTTP/9.9\r\n${h}\r\n` },
    {
      label: 'oversized header',
      bytes: `GET ${samplePath} HTTP/1.1\r\n${h}X-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    },
    {
      label: 'many headers',
      bytes: `GET ${samplePath} HTTP/1.1\r\n${h}${Array.from({ length: 3_000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`,
    },
    { label: 'NUL in a header value', bytes: `GET ${samplePath} HTTP/1.1\r\n${h}X-Fuzz: a\u0000b\r\n\r\n` },
    { label: 'invalid header name', bytes: `GET ${samplePath} HTTP/1.1\r\n${h}Bad Header: x\r\n\r\n` },
    {
      label: 'bad Content-Length',
      bytes: `POST ${samplePath} HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`,
    },
    {
      label: 'two Content-Lengths',
      bytes: `POST ${samplePath} HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
    },
    {
      label: 'bad chunked encoding',
      bytes: `POST ${samplePath} HTTP/1.1\r\n${h}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`,
    },
    { label: 'bad URL encoding %ZZ', routed: true, bytes: `GET ${base}/%ZZ HTTP/1.1\r\n${h}\r\n` },
    { label: 'overlong UTF-8 %C0%80', routed: true, bytes: `GET ${base}/%C0%80 HTTP/1.1\r\n${h}\r\n` },
    { label: 'encoded surrogate', routed: true, bytes: `GET ${base}/%ED%A0%80 HTTP/1.1\r\n${h}\r\n` },
    {
      label: 'raw non-ASCII in the URL',
      bytes: Buffer.concat([
        Buffer.from(`GET ${base}/`),
        Buffer.from([0xc3, 0xa9, 0xff]),
        Buffer.from(` HTTP/1.1\r\n${h}\r\n`),
      ]),
    },
    {
      label: 'absolute-form URL',
      routed: true,
      bytes: `GET http://evil.example${samplePath} HTTP/1.1\r\n${h}\r\n`,
    },
    { label: 'asterisk-form URL', bytes: `OPTIONS * HTTP/1.1\r\n${h}\r\n` },
    { label: 'no Host header', routed: true, bytes: `GET ${samplePath} HTTP/1.1\r\n\r\n` },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Checking

export type ErrorShape = 'problem' | 'delta';

/** Why an answer breaks the rules, or undefined when it keeps them. Status 0 (no answer) is judged by the caller. */
export function checkAnswer(answer: FuzzAnswer, shape: ErrorShape = 'problem'): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (answer.status < 400) return undefined;
  if (/\bat .+:\d+:\d+\)?/.test(answer.body)) return `stack trace in a ${answer.status} body`;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    if (shape === 'delta' && answer.status === 404 && answer.body === 'Not Found') return undefined;
    return `${answer.status} body is not JSON: ${answer.body.slice(0, 200)}`;
  }
  const b = (body ?? {}) as Record<string, unknown>;
  if (shape === 'delta') {
    const deltaShape =
      (b.success === false &&
        typeof b.error === 'object' &&
        b.error !== null &&
        typeof (b.error as { code?: unknown }).code === 'string') ||
      (typeof b.error === 'string' && typeof b.message === 'string');
    return deltaShape
      ? undefined
      : `${answer.status} body is not Delta's error shape: ${answer.body.slice(0, 200)}`;
  }
  const contentType = String(answer.headers['content-type'] ?? '');
  if (!contentType.startsWith('application/problem+json'))
    return `${answer.status} content-type is ${contentType || '(none)'}: ${answer.body.slice(0, 200)}`;
  if (typeof b.reason !== 'string' || typeof b.correlation_id !== 'string')
    return `${answer.status} problem body without reason/correlation_id: ${answer.body.slice(0, 200)}`;
  if (b.status !== answer.status)
    return `problem status ${String(b.status)} differs from HTTP ${answer.status}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Running

export interface FuzzTarget {
  /** For reports, e.g. `pp-api (operator)`. */
  name: string;
  baseUrl: string;
  /** The document whose operations are fuzzed (by default the target's own /docs/json). */
  doc?: OpenApiDocument;
  /** Credentials for a case that asks for them (given the case, so a signature can cover the request). */
  auth?: (c: FuzzCase) => Record<string, string> | Promise<Record<string, string>>;
  /** Operations left out (e.g. logout, which would end the session being fuzzed). */
  skip?: (op: FuzzOperation) => boolean;
  /** The error shape a path must answer with (default problem+json everywhere). */
  shapeOf?: (path: string) => ErrorShape;
  /** Cases per operation (default 16). */
  budget?: number;
  /** Run after each case (e.g. undo a state change the case made). */
  afterCase?: (op: FuzzOperation, c: FuzzCase, answer: FuzzAnswer) => Promise<void>;
  /** Raw-socket cases too (default true). */
  raw?: boolean;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
}

export interface FuzzViolation {
  target: string;
  request: string;
  label: string;
  problem: string;
}

export interface FuzzReport {
  requests: number;
  statuses: Record<number, number>;
  violations: FuzzViolation[];
}

/** Fuzzes every operation of a target; returns what broke the rules. */
export async function fuzzTarget(target: FuzzTarget, rng: Rng): Promise<FuzzReport> {
  const doc = target.doc ?? (await fetchOpenApi(target.baseUrl));
  const ops = listOperations(doc).filter((op) => !target.skip?.(op));
  const report: FuzzReport = { requests: 0, statuses: {}, violations: [] };
  const shapeOf = target.shapeOf ?? (() => 'problem' as const);
  const note = (request: string, label: string, answer: FuzzAnswer, shape: ErrorShape) => {
    report.requests++;
    report.statuses[answer.status] = (report.statuses[answer.status] ?? 0) + 1;
    const problem = answer.status === 0 ? `no answer (${answer.body})` : checkAnswer(answer, shape);
    if (problem) report.violations.push({ target: target.name, request, label, problem });
  };

  const jobs: (() => Promise<void>)[] = [];
  for (const op of ops) {
    for (const c of casesFor(op, rng, doc, target.budget ?? 16)) {
      jobs.push(async () => {
        const creds = c.badAuth ?? (c.auth && target.auth ? await target.auth(c) : {});
        const answer = await send(target.baseUrl, c, creds);
        note(`${c.method} ${c.url.slice(0, 160)}`, c.label, answer, shapeOf(c.url));
        await target.afterCase?.(op, c, answer);
      });
    }
  }
  // A fixed order per seed, but operations interleaved so state changes from one reach the others.
  for (let i = jobs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
  }
  const concurrency = target.concurrency ?? 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );

  if (target.raw !== false) {
    const u = new URL(target.baseUrl);
    const sample = ops.find((op) => op.parameters.some((p) => p.in === 'path')) ?? ops[0];
    const samplePath = sample ? buildPath(sample, {}) : '/healthz';
    for (const rc of rawCases(u.host, samplePath)) {
      const answer = await sendRaw(target.baseUrl, rc.bytes);
      // A closed connection without an answer is acceptable for bytes that are not HTTP at all.
      if (answer.status === 0) {
        report.requests++;
        continue;
      }
      note(`raw ${rc.label}`, rc.label, answer, rc.routed ? shapeOf(samplePath) : 'problem');
    }
  }
  return report;
}

/** One line per distinct problem (same label and problem text), with a count, for failure messages. */
export function summarise(violations: FuzzViolation[], max = 60): string {
  const groups = new Map<string, { n: number; v: FuzzViolation }>();
  for (const v of violations) {
    const key = `${v.target}|${v.label}|${v.request.split('?')[0]}|${v.problem.slice(0, 80)}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { n: 1, v });
  }
  return [...groups.values()]
    .slice(0, max)
    .map(({ n, v }) => `${n}× [${v.target}] ${v.request} (${v.label}): ${v.problem}`)
    .join('\n');
}
