import {
  CUSTOMER_ID_PATTERN,
  principalLabel,
  type TCustomer,
  ZCustomer,
  ZCustomerCreate,
  ZCustomerId,
  ZCustomerListQuery,
  ZCustomerPage,
  ZProblem,
} from '@delta/contracts';
import { type App, type Db, decodeOpaqueCursor, encodeOpaqueCursor, randomId } from '@delta/server-kit';
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
import { problem } from '../problems.ts';

const ZCustomerQuery = ZCustomerListQuery;
const ZCustomerParams = z.strictObject({ customer_id: ZCustomerId });

export { CUSTOMER_ID_PATTERN };

/** 'cus_' + 128 random bits as 26 Crockford base32 characters: read aloud or retyped from a support ticket. */
export function newCustomerId(): string {
  return randomId('cus_', 'crockford');
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

/** Keyset cursor over (created_at, customer_id). */
const ZCustomerCursor = z.object({ t: z.iso.datetime(), c: ZCustomerId });
const encodeCursor = (row: CustomerRow) =>
  encodeOpaqueCursor({ t: row.created_at.toISOString(), c: row.customer_id });
function decodeCursor(cursor: string | undefined): { createdAt: Date; customerId: string } | undefined {
  const v = decodeOpaqueCursor(cursor, ZCustomerCursor);
  return v && { createdAt: new Date(v.t), customerId: v.c };
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
