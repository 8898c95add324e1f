import { inspect } from 'node:util';
import { AppError } from '@delta/server-kit';
import { z } from 'zod';

const REDACTED = '[REDACTED]';

// Printable ASCII without spaces: Delta keys and secrets are alphanumeric; anything else is a paste error.
const ZKeyMaterial = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const ZExchangeSecret = z.strictObject({ api_key: ZKeyMaterial, api_secret: ZKeyMaterial });
export type TExchangeSecret = z.infer<typeof ZExchangeSecret>;

/**
 * Validates key material without ever echoing it: the error names the field and the rule only. (A zod error
 * object is kept out of `cause` because its issues could carry the input in some configurations.)
 */
export function parseExchangeSecret(input: unknown): TExchangeSecret {
  const result = ZExchangeSecret.safeParse(input);
  if (result.success) return result.data;
  throw AppError.validation(
    result.error.issues.map((i) => ({
      path: i.path.join('.') || '(root)',
      code: i.code,
      message: i.code === 'unrecognized_keys' ? 'Unknown field.' : i.message,
    })),
    'The exchange credential is invalid.',
  );
}

/**
 * Plaintext exchange credentials, for server code only. The values live in private fields, so spreading,
 * `Object.entries`, structured logging, `JSON.stringify` and `util.inspect` all see a redacted view; the
 * secret is only reachable by reading `apiSecret` on purpose.
 */
export class ExchangeCredential {
  readonly #apiKey: string;
  readonly #apiSecret: string;

  constructor(secret: TExchangeSecret) {
    const parsed = parseExchangeSecret(secret);
    this.#apiKey = parsed.api_key;
    this.#apiSecret = parsed.api_secret;
  }

  get apiKey(): string {
    return this.#apiKey;
  }

  get apiSecret(): string {
    return this.#apiSecret;
  }

  /** The only part of the key that may be shown anywhere. */
  get keyLast4(): string {
    return maskKey(this.#apiKey);
  }

  toJSON(): Record<string, string> {
    return { key_last4: this.keyLast4, api_key: REDACTED, api_secret: REDACTED };
  }

  toString(): string {
    return `ExchangeCredential(key …${this.keyLast4})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export function maskKey(apiKey: string): string {
  return apiKey.slice(-4);
}
