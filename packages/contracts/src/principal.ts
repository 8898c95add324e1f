import { z } from 'zod';

export const ZOpsRole = z.enum(['admin', 'operator', 'viewer']);
export type TOpsRole = z.infer<typeof ZOpsRole>;

/** Who is acting behind a service call: an ops user (PP), a customer (CP), or a service itself. */
export const ZPrincipal = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('ops'), user_id: z.string().min(1), role: ZOpsRole }),
  z.strictObject({ kind: z.literal('customer'), user_id: z.string().min(1), customer_id: z.string().min(1) }),
  z.strictObject({ kind: z.literal('service'), service: z.string().min(1) }),
]);
export type TPrincipal = z.infer<typeof ZPrincipal>;

/** A short label for logs and audit records. */
export function principalLabel(p: TPrincipal): string {
  if (p.kind === 'ops') return `ops:${p.user_id}(${p.role})`;
  if (p.kind === 'customer') return `customer:${p.customer_id}/${p.user_id}`;
  return `service:${p.service}`;
}
