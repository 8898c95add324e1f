import { principalLabel, type TOpsRole, type TPrincipal } from '@delta/contracts';
import type { AppError, Db } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { appendAudit } from '../audit/audit-log.ts';
import { problem } from '../problems.ts';
import { principalOf } from './principal.ts';

const READ_METHODS = new Set(['GET', 'HEAD']);

function roleForbidden(detail: string): AppError {
  return problem('role_forbidden', detail);
}

/**
 * The coarse gate every /api/ request passes right after identity, before its body is read: service principals
 * have no business with Plant's API (services call Plant's internal ports, not through the gateway), and an ops
 * viewer may only read — so no runs, hires or setup changes. Per-route and per-tenant rules come after.
 */
export function assertRoleAllows(principal: TPrincipal, method: string): void {
  if (principal.kind === 'service')
    throw roleForbidden(`A service principal (${principal.service}) cannot use Plant's API.`);
  if (principal.kind === 'ops' && principal.role === 'viewer' && !READ_METHODS.has(method))
    throw roleForbidden('The viewer role is read-only.');
}

export interface AccessDeps {
  db: Db;
  newId: () => string;
  now: () => Date;
}

export interface AccessGuard {
  /** Ops only (optionally only some roles): 403 role_forbidden for anyone else. Returns the ops principal. */
  requireOps(request: FastifyRequest, roles?: readonly TOpsRole[]): Extract<TPrincipal, { kind: 'ops' }>;
  /**
   * The caller may act on `customerId`: any ops principal (role checked already), or that customer itself.
   * Another customer's id is answered with `notFound` — the same 404 an unknown id gets, so existence does not
   * leak — after an `access_denied` audit record.
   */
  assertTenant(
    request: FastifyRequest,
    customerId: string,
    notFound: () => AppError,
    context?: { hiredAgentId?: string },
  ): Promise<void>;
  /**
   * The customer filter a list endpoint must use: ops get what they asked for (undefined = all); a customer gets
   * their own id whether or not they asked, and a 404 (audited) when they asked for someone else's.
   */
  scopeCustomer(
    request: FastifyRequest,
    requested: string | undefined,
    notFound: () => AppError,
  ): Promise<string | undefined>;
}

export function createAccessGuard(deps: AccessDeps): AccessGuard {
  const recordDenial = async (request: FastifyRequest, attempted: string, hiredAgentId?: string) => {
    const principal = principalOf(request);
    await appendAudit(deps.db, {
      record_id: deps.newId(),
      kind: 'access_denied',
      correlation_id: request.correlationId,
      customer_id: attempted,
      hired_agent_id: hiredAgentId ?? null,
      action: `${request.method} ${request.routeOptions.url ?? ''}`,
      outcome: 'deny',
      reason: 'cross_tenant',
      details: {
        principal: principalLabel(principal),
        principal_customer_id: principal.kind === 'customer' ? principal.customer_id : null,
        attempted_customer_id: attempted,
        method: request.method,
        route: request.routeOptions.url ?? null,
      },
      recorded_at: deps.now(),
    });
    request.log.warn(
      { principal: principalLabel(principal), attempted_customer_id: attempted },
      'cross-tenant access denied',
    );
  };

  return {
    requireOps(request, roles) {
      const principal = principalOf(request);
      if (principal.kind !== 'ops') throw roleForbidden('Only ops users may do this.');
      if (roles && !roles.includes(principal.role))
        throw roleForbidden(`The ${principal.role} role may not do this.`);
      return principal;
    },

    async assertTenant(request, customerId, notFound, context) {
      const principal = principalOf(request);
      if (principal.kind === 'ops') return;
      if (principal.kind === 'customer' && principal.customer_id === customerId) return;
      await recordDenial(request, customerId, context?.hiredAgentId);
      throw notFound();
    },

    async scopeCustomer(request, requested, notFound) {
      const principal = principalOf(request);
      if (principal.kind === 'ops') return requested;
      if (principal.kind !== 'customer') throw roleForbidden('Only ops users and customers may do this.');
      if (requested === undefined || requested === principal.customer_id) return principal.customer_id;
      await recordDenial(request, requested);
      throw notFound();
    },
  };
}
