import pino, { type DestinationStream, type Logger } from 'pino';
import { isSecretKey, REDACTED, redactDeep, redactKeyMaterial, redactText, redactUrl } from './redact.ts';

export type { Logger };

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to capture every line. */
  destination?: DestinationStream;
}

const SERIALIZED = new Set(['req', 'res', 'err', 'error']);

function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return redactDeep(err);
  const base = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const out = redactDeep(base) as Record<string, unknown>;
  if (typeof out.message === 'string') out.message = redactText(out.message);
  if (typeof out.stack === 'string') out.stack = redactText(out.stack);
  return out;
}

/**
 * pino JSON logger. Every log object is deep-scrubbed of secret-keyed fields (any depth, any casing), and request
 * lines go through the one URL redaction (redactUrl: key material in any path segment or query parameter is
 * replaced) — so a careless `log.info({ body })` or a key pasted into a URL cannot leak.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // Runs before the serializers: objects they own (req, res, err) are left for them.
        log: (object) => {
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(object)) {
            out[k] = isSecretKey(k) ? REDACTED : SERIALIZED.has(k) ? v : redactDeep(v);
          }
          return out;
        },
      },
      serializers: {
        req: (req: { method?: string; url?: string; ip?: string; headers?: Record<string, unknown> }) => ({
          method: req.method,
          url: redactUrl(req.url ?? ''),
          remote_address: req.ip,
          user_agent:
            typeof req.headers?.['user-agent'] === 'string'
              ? redactKeyMaterial(req.headers['user-agent'])
              : undefined,
        }),
        res: (res: { statusCode?: number }) => ({ status_code: res.statusCode }),
        err: serializeError,
        error: serializeError,
      },
    },
    options.destination,
  );
}
