import { randomBytes } from 'node:crypto';

/**
 * The alphabets ids are written in. Each is part of a stored id's format (docs/ids.md), so it cannot change for
 * ids already minted: RFC 4648 base32 (lower case) for credential refs and approval ids; Crockford's base32 (no
 * i, l, o, u) for customer ids, which people read aloud and retype from support tickets; hex for ops user ids.
 */
const ALPHABETS = {
  base32: 'abcdefghijklmnopqrstuvwxyz234567',
  crockford: '0123456789abcdefghjkmnpqrstvwxyz',
} as const;
export type IdAlphabet = keyof typeof ALPHABETS | 'hex';

/** `bytes` as 5-bit groups in a 32-character alphabet, most significant first, the last group zero-padded. */
function encode32(bytes: Uint8Array, alphabet: string): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/**
 * The one id generator: `prefix` + `bytes` random bytes (default 128 bits: 26 characters of base32, 32 of hex).
 * Random (node:crypto), unguessable, never derived from anything about the thing it names.
 */
export function randomId(prefix: string, alphabet: IdAlphabet = 'base32', bytes = 16): string {
  const raw = randomBytes(bytes);
  return prefix + (alphabet === 'hex' ? raw.toString('hex') : encode32(raw, ALPHABETS[alphabet]));
}
