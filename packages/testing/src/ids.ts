import { createHash } from 'node:crypto';

/**
 * Ids in the platform's real shapes (packages/contracts/src/ids.ts), derived from a readable label so tests stay
 * legible and deterministic: `testCustomerId('alice')` is always the same valid `cus_…`.
 */
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const RFC4648 = 'abcdefghijklmnopqrstuvwxyz234567';

function chars(label: string, alphabet: string, n: number): string {
  const digest = createHash('sha256').update(label).digest();
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[digest[i]! & 31];
  return out;
}

export const testCustomerId = (label: string) => `cus_${chars(`customer/${label}`, CROCKFORD, 26)}`;
export const testCredentialRef = (label: string, portal: 'pp' | 'cp' = 'pp') =>
  `cred_${portal}_${chars(`credential/${label}`, RFC4648, 26)}`;
export const testApprovalId = (label: string) => `apr_${chars(`approval/${label}`, RFC4648, 26)}`;

/** A version-4-shaped lower-case UUID. */
export function testUuid(label: string): string {
  const h = createHash('sha256').update(`uuid/${label}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
