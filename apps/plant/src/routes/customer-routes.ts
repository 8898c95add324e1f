import { randomBytes } from 'node:crypto';
import {
  CUSTOMER_ID_PATTERN,
  principalLabel,
  ZCustomerCreate,
  ZCustomerId,
  ZCustomerListQuery,
  ZProblem,
} from '@delta/contracts';
import type { App, Db } from '@delta/server-kit';
import { z } from 'zod';
import { appendAudit } from '../audit/audit-log.ts';
import type { AccessGuard } from '../auth/access.ts';
import { findPrincipal } from '../auth/principal.ts';
import {
  type CustomerRow,
  findCustomerById,
  insertCustomer,
  listCustomers,
} from '../db/customers-repository.ts';
import { invalidFields, problem } from '../problems.ts';

export { ZCustomerCreate };
export const ZCustomer = z.object({
  customer_id: z.string(),
  display_name: z.string(),
  email: z.string().nullable(),
  created_at: z.string(),
  created_by: z.string(),
});
export type TCustomer = z.infer<typeof ZCustomer>;
const ZCustomerPage = z.object({ items: z.array(ZCustomer), next_cursor: z.string().nullable() });
const ZCustomerQuery = ZCustomerListQuery;
const ZCustomerParams = z.strictObject({ customer_id: ZCustomerId });

/** Crockford base32 (no i, l, o, u): ids survive being read aloud or retyped from a support ticket. */
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

export { CUSTOMER_ID_PATTERN };

/** 'cus_' + 128 random bits as 26 base32 characters (the top 2 bits of the first character are zero). */
export function newCustomerId(): string {
  const bytes = randomBytes(16);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = BASE32[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return `cus_${out}`;
}

export interface CustomerDeps {
  db: Db;
  /** Audit record ids. */
  newId: () => string;
  now: () => Date;
}

function toCustomer(row: CustomerRow): TCustomer {
  return {
    customer_id: row.customer_id,
    display_name: row.display_name,
    email: row.email,
    created_at: row.created_at.toISOString(),
    created_by: row.created_by,
  };
}

const customerNotFound = (id: string) => () => problem('customer_not_found', `No customer ${id}.`);

/** Opaque keyset cursor over (created_at, customer_id); its content is ours to change. */
function encodeCursor(row: CustomerRow): string {
  return Buffer.from(JSON.stringify({ t: row.created_at.toISOString(), c: row.customer_id })).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string | undefined): { createdAt: Date; customerId: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t?: unknown; c?: unknown };
    if (typeof v.t === 'string' && typeof v.c === 'string' && ZCustomerId.safeParse(v.c).success) {
      const createdAt = new Date(v.t);
      if (!Number.isNaN(createdAt.getTime())) return { createdAt, customerId: v.c };
    }
  } catch {
    // fall through to the validation error
  }
  throw invalidFields([
    { path: 'cursor', code: 'invalid_cursor', message: 'Pass back a next_cursor value exactly as received.' },
  ]);
}

/** The customer directory: Plant mints every customer_id; the portals map their logins onto them. */
export function registerCustomerRoutes(app: App, deps: CustomerDeps, access: AccessGuard): void {
  app.post(
    '/api/v1/customers',
    {
      schema: {
        tags: ['customers'],
        summary: 'Create a customer (ops operator or admin); Plant assigns the customer_id',
        body: ZCustomerCreate,
        response: { 201: ZCustomer, 403: ZProblem, 409: ZProblem, 422: ZProblem },
      },
    },
    async (request, reply) => {
      const principal = access.requireOps(request, ['operator', 'admin']);
      // Lowercased so one mailbox is one customer however it is typed.
      const email = request.body.email?.toLowerCase() ?? null;
      const row = await insertCustomer(deps.db, {
        customer_id: newCustomerId(),
        display_name: request.body.display_name,
        email,
        created_at: deps.now(),
        created_by: principalLabel(principal),
      });
      if (!row) throw problem('email_taken', 'Another customer already uses this email.');
      // Who created which tenant belongs in the trail; the email stays out of it (the chain can never be edited).
      await appendAudit(deps.db, {
        record_id: deps.newId(),
        kind: 'customer.created',
        correlation_id: request.correlationId,
        customer_id: row.customer_id,
        outcome: 'ok',
        details: { created_by: row.created_by, has_email: row.email !== null },
        recorded_at: row.created_at,
      });
      return reply.code(201).send(toCustomer(row));
    },
  );

  app.get(
    '/api/v1/customers',
    {
      schema: {
        tags: ['customers'],
        summary: 'Customers, oldest first (ops: all, with cursor pagination; a customer: only itself)',
        querystring: ZCustomerQuery,
        response: { 200: ZCustomerPage },
      },
    },
    async (request) => {
      const principal = findPrincipal(request);
      if (principal?.kind === 'customer') {
        const self = await findCustomerById(deps.db, principal.customer_id);
        return { items: self ? [toCustomer(self)] : [], next_cursor: null };
      }
      access.requireOps(request);
      const { limit, cursor } = request.query;
      const rows = await listCustomers(deps.db, { after: decodeCursor(cursor), limit });
      const last = rows[rows.length - 1];
      return {
        items: rows.map(toCustomer),
        next_cursor: rows.length === limit && last ? encodeCursor(last) : null,
      };
    },
  );

  app.get(
    '/api/v1/customers/:customer_id',
    {
      schema: {
        tags: ['customers'],
        params: ZCustomerParams,
        response: { 200: ZCustomer, 404: ZProblem },
      },
    },
    async (request) => {
      const id = request.params.customer_id;
      await access.assertTenant(request, id, customerNotFound(id));
      const row = await findCustomerById(deps.db, id);
      if (!row) throw customerNotFound(id)();
      return toCustomer(row);
    },
  );
}
