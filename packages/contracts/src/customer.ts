import { z } from 'zod';
import { ZPageQuery } from './common-fields.ts';

/** Body of POST /api/v1/customers (Plant mints the customer_id; a client never chooses one). */
export const ZCustomerCreate = z.strictObject({
  display_name: z
    .string()
    .min(1)
    .max(200)
    .refine((s) => s.trim().length > 0, 'must not be blank'),
  email: z.email().max(254).optional(),
});
export type TCustomerCreate = z.infer<typeof ZCustomerCreate>;

export const ZCustomerListQuery = z.strictObject(ZPageQuery);

/** A customer as Plant's directory answers it. */
export const ZCustomer = z.object({
  customer_id: z.string(),
  display_name: z.string(),
  email: z.string().nullable(),
  created_at: z.string(),
  created_by: z.string(),
});
export type TCustomer = z.infer<typeof ZCustomer>;
export const ZCustomerPage = z.object({ items: z.array(ZCustomer), next_cursor: z.string().nullable() });
