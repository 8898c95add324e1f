import { randomBytes } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * `apr_` + 128 random bits as 26 lowercase base32 characters = 30 characters: unguessable, and short enough
 * that Plant can derive a ≤ 32-character client_order_id from it.
 */
export function newApprovalId(): string {
  const bytes = randomBytes(16);
  let out = 'apr_';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out + BASE32[(value << (5 - bits)) & 31];
}
