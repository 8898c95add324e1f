import { PROBLEM_CONTENT_TYPE, type TFieldError, type TProblem } from '@delta/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, defaultTitle } from './errors.ts';

export function problemType(reason: string): string {
  return `urn:delta-agent:problem:${reason}`;
}

export function buildProblem(
  status: number,
  reason: string,
  detail: string,
  correlationId: string,
  extra: Record<string, unknown> = {},
  title = defaultTitle(status),
): TProblem {
  return {
    ...extra,
    type: problemType(reason),
    title,
    status,
    detail,
    reason,
    correlation_id: correlationId,
  };
}

/** Maps a framework error code (4xx raised by Fastify itself) to our reason vocabulary. */
const FASTIFY_REASONS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [
    413,
    'body_too_large',
    'The request body is larger than this endpoint accepts.',
  ],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'empty_json_body', 'The body is empty but Content-Type says JSON.'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed_json', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_content_length', 'Content-Length does not match the body.'],
  FST_ERR_NOT_FOUND: [404, 'not_found', 'No such resource.'],
};

export function toFieldErrors(error: unknown, location?: string): TFieldError[] {
  if (!hasZodFastifySchemaValidationErrors(error)) return [];
  const out: TFieldError[] = [];
  for (const v of error.validation) {
    const base = v.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
    const params = v.params as { keys?: unknown };
    if (v.keyword === 'unrecognized_keys' && Array.isArray(params.keys)) {
      for (const key of params.keys) {
        out.push({
          path: base ? `${base}.${String(key)}` : String(key),
          code: 'unrecognized_key',
          message: 'Unknown field: this endpoint does not accept it.',
        });
      }
    } else {
      out.push({ path: base || location || '(root)', code: v.keyword, message: v.message ?? 'invalid' });
    }
  }
  return out;
}

/**
 * Told of every 4xx problem a service answers with, before it is sent (so the record exists when the caller reads
 * the answer). A service uses it to put refusals on record; it must not throw (a throw is logged and ignored: the
 * caller is refused either way).
 */
export type RefusalListener = (request: FastifyRequest, problem: TProblem) => Promise<void> | void;

/** The one error handler: every failure becomes application/problem+json carrying reason and correlation_id. */
export async function sendProblem(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  onRefusal?: RefusalListener,
) {
  const correlationId = String(request.id);
  let problem: TProblem;
  let headers: Record<string, string> = {};

  if (err instanceof AppError) {
    problem = buildProblem(err.status, err.reason, err.message, correlationId, err.extra, err.title);
    headers = err.headers;
    if (err.status >= 500) request.log.error({ err }, 'request failed');
  } else if (hasZodFastifySchemaValidationErrors(err)) {
    const location = (err as FastifyError).validationContext;
    const errors = toFieldErrors(err, location);
    problem = buildProblem(
      422,
      'validation_failed',
      `The request ${location ?? 'input'} has ${errors.length} invalid field(s): ${errors.map((e) => e.path).join(', ')}.`,
      correlationId,
      { errors },
    );
  } else if (isResponseSerializationError(err)) {
    // Our own response did not match its contract: never send it (it might hold more than it should).
    request.log.error(
      { err: { message: err.message, issues: err.cause.issues } },
      'response failed its schema',
    );
    problem = buildProblem(500, 'internal_error', 'An unexpected error occurred.', correlationId);
  } else {
    const fe = err as Partial<FastifyError>;
    const mapped = fe.code ? FASTIFY_REASONS[fe.code] : undefined;
    const status = mapped?.[0] ?? fe.statusCode;
    if (status && status >= 400 && status < 500) {
      const reason =
        mapped?.[1] ?? (status === 400 && fe instanceof SyntaxError ? 'malformed_json' : 'bad_request');
      const detail =
        mapped?.[2] ?? (reason === 'malformed_json' ? 'The body is not valid JSON.' : 'Bad request.');
      problem = buildProblem(status, reason, detail, correlationId);
    } else {
      request.log.error({ err }, 'unhandled error');
      problem = buildProblem(500, 'internal_error', 'An unexpected error occurred.', correlationId);
    }
  }
  if (onRefusal && problem.status >= 400 && problem.status < 500) {
    try {
      await onRefusal(request, problem);
    } catch (listenerErr) {
      request.log.error({ err: listenerErr, reason: problem.reason }, 'refusal listener failed');
    }
  }
  return reply
    .code(problem.status)
    .headers(headers)
    .type(PROBLEM_CONTENT_TYPE)
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send(problem);
}
