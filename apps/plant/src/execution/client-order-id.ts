import { sha256Hex } from '../audit/canonical-json.ts';

/** Delta limits client_order_id to 32 characters; derived from the approval so a retry finds the same order. */
export function clientOrderIdFor(approvalId: string): string {
  return `ap${sha256Hex(`client-order/${approvalId}`).slice(0, 30)}`;
}
