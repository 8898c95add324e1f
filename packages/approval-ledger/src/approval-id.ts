import { randomId } from '@delta/server-kit';

/**
 * `apr_` + 128 random bits as 26 lowercase base32 characters = 30 characters: unguessable, and short enough
 * that Plant can derive a ≤ 32-character client_order_id from it.
 */
export function newApprovalId(): string {
  return randomId('apr_');
}
