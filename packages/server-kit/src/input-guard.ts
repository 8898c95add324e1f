import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { CORRELATION_HEADER, PROBLEM_CONTENT_TYPE, type TFieldError } from '@delta/contracts';
import type { FastifyError, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';
import { buildProblem } from './problem.ts';

/**
 * Input every service refuses before any handler (or database) sees it:
 * - a string anywhere in the body, query, path parameters or headers holding NUL (U+0000) — PostgreSQL can store it
 *   neither in text nor in jsonb — or a lone UTF-16 surrogate, which is not Unicode at all (encodeURIComponent and
 *   UTF-8 encoders throw on it): 422 `validation_failed` naming the field;
 * - JSON nested deeper than MAX_JSON_DEPTH: 400 `nesting_too_deep` (a 10 KB body of 5 000 brackets is under every
 *   body limit, and recursive code such as JSON.stringify overflows the stack on it).
 */
export const MAX_JSON_DEPTH = 32;

/** Longest path parameter (after decoding) a route accepts; longer ones get 414 `path_parameter_too_long`. */
export const MAX_PARAM_LENGTH = 256;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL and UTF-8 cannot carry `s`, or undefined when they can. */
export function unsafeTextCode(s: string): 'nul_character' | 'lone_surrogate' | undefined {
  if (s.includes('\u0000')) return 'nul_character';
  if (LONE_SURROGATE.test(s)) return 'lone_surrogate';
  return undefined;
}

const MESSAGES = {
  nul_character: 'Text may not contain the NUL character (U+0000).',
  lone_surrogate: 'Text must be valid Unicode: it holds an unpaired UTF-16 surrogate.',
};

export function nestingTooDeep(): AppError {
  return AppError.badRequest('nesting_too_deep', `The body nests deeper than ${MAX_JSON_DEPTH} levels.`, {
    max_depth: MAX_JSON_DEPTH,
  });
}

/** True when JSON text opens more than `max` arrays/objects at once. Linear, and never recursive. */
export function jsonNestingExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** A path segment as it appears in an error: escaped like a JSON string, so it cannot carry what it names. */
function segment(key: string): string {
  return JSON.stringify(key).slice(1, -1);
}

type Finding = TFieldError | 'too_deep';

function inspect(value: unknown, path: string, depth: number): Finding | undefined {
  if (typeof value === 'string') {
    const code = unsafeTextCode(value);
    return code ? { path, code, message: MESSAGES[code] } : undefined;
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  if (depth >= MAX_JSON_DEPTH) return 'too_deep';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const f = inspect(value[i], `${path}.${i}`, depth + 1);
      if (f) return f;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const code = unsafeTextCode(k);
    if (code) return { path: `${path}.${segment(k)}`, code, message: `Field names: ${MESSAGES[code]}` };
    const f = inspect(v, `${path}.${segment(k)}`, depth + 1);
    if (f) return f;
  }
  return undefined;
}

/**
 * preValidation: runs after authentication (onRequest) and body parsing, before schemas and handlers. Throws the
 * 422 or 400 described above.
 */
export async function guardRequestInput(request: FastifyRequest): Promise<void> {
  const where: [string, unknown][] = [
    ['headers', request.headers],
    ['params', request.params],
    ['query', request.query],
    ['body', request.body],
  ];
  for (const [location, value] of where) {
    const found = inspect(value, location, 0);
    if (found === 'too_deep') throw nestingTooDeep();
    if (found) {
      throw AppError.validation([found], `The request ${location} has 1 invalid field(s): ${found.path}.`);
    }
  }
}

type ParserDone = (err: Error | null, body?: unknown) => void;
type StringParser = (request: FastifyRequest, body: string, done: ParserDone) => void;

/** Wraps a JSON body parser (Fastify's own, with its prototype-poisoning refusal) with the nesting bound. */
export function boundedJsonParser(parse: StringParser): StringParser {
  return (request, body, done) => {
    if (jsonNestingExceeds(body)) return done(nestingTooDeep());
    return parse(request, body, done);
  };
}

/** Errors Fastify raises before routing, as [status, reason, detail]. The raw URL is never echoed. */
const FRAMEWORK_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_BAD_URL: [400, 'bad_url_encoding', 'The request path is not valid percent-encoded UTF-8.'],
  FST_ERR_MAX_PARAM_LENGTH: [
    414,
    'path_parameter_too_long',
    `A path parameter is longer than ${MAX_PARAM_LENGTH} characters.`,
  ],
};

/** The problem a framework error maps to (unknown codes: a 500, since Fastify raising one is our fault). */
export function frameworkErrorToAppError(err: FastifyError): AppError {
  const mapped = FRAMEWORK_ERRORS[err.code];
  if (mapped) return new AppError(mapped[0], mapped[1], mapped[2]);
  return new AppError(500, 'internal_error', 'An unexpected error occurred.');
}

/**
 * Fastify's `clientErrorHandler`: Node could not parse the request at all (malformed request line, oversized or
 * invalid headers, bad framing). There is no request object, so the answer carries a fresh correlation id, and the
 * log line names only the parser's error code — never the raw bytes (they may hold credentials).
 */
export function clientErrorProblem(log: {
  info(obj: object, msg: string): void;
}): (err: NodeJS.ErrnoException, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, reason, detail] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request did not arrive in time.']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'headers_too_large', 'The request headers are larger than this server accepts.']
          : [400, 'malformed_request', 'The request is not well-formed HTTP.'];
    const correlationId = randomUUID();
    log.info({ correlation_id: correlationId, code: err.code, reason }, 'malformed request refused');
    const body = JSON.stringify(buildProblem(status, reason, detail, correlationId));
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `${CORRELATION_HEADER}: ${correlationId}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy();
  };
}
