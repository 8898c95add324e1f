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

export function resolve(
  doc: OpenApiDocument,
  schema: JsonSchema | undefined,
  depth = 0,
): JsonSchema | undefined {
  if (!schema || depth > 20) return schema;
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() ?? '';
    return resolve(doc, doc.components?.schemas?.[name], depth + 1);
  }
  return schema;
}

// ---------------------------------------------------------------------------------------------------------------
// Values
