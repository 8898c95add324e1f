import type { TRefusalCode } from '@delta/contracts';
import { type AppError, type Db, type Logger, problem } from '@delta/server-kit';
import type { JwtKey } from '@delta/service-auth';
import type { MasterKeyring } from '@delta/vault';
import type { FastifyRequest } from 'fastify';
import { cpAudit } from '../cp-audit.ts';
import { actorOf, type SessionPolicy } from './sessions.ts';
import type { Throttle } from './throttle.ts';
import type { RelyingParty } from './webauthn.ts';

/** What CP's identity routes share. */
export interface CpAuthDeps {
  db: Db;
  logger: Logger;
  rp: RelyingParty;
  /** The portal's vault keyring: it seals the customers' TOTP seeds. */
  keyring: MasterKeyring;
  throttle: Throttle;
  policy: SessionPolicy;
  /** PP's public signing key (its JWKS): invitations are verified with it. */
  ppInviteKey: () => Promise<JwtKey>;
}

export interface AuditFacts {
  action: string;
  target?: string | null;
  customer_id?: string | null;
  user?: { user_id: string; customer_id: string };
  details?: Record<string, unknown>;
}

/** Puts an allowed action on CP's audit chain (its failure fails the request: the action must be on record). */
export async function recordAllowed(deps: CpAuthDeps, request: FastifyRequest, f: AuditFacts): Promise<void> {
  await cpAudit.append(deps.db, {
    correlation_id: request.correlationId,
    actor: actorOf(request, f.user),
    action: f.action,
    target: f.target ?? null,
    customer_id: f.customer_id ?? f.user?.customer_id ?? request.cpSession?.customer_id ?? null,
    outcome: 'allowed',
    details: f.details ?? {},
  });
}

/**
 * Records a refusal on CP's audit chain and returns the problem to throw. Details are names and ids only: never a
 * password, a code, a token, an invitation or a WebAuthn message.
 */
export async function refused(
  deps: CpAuthDeps,
  request: FastifyRequest,
  code: TRefusalCode,
  detail: string,
  f: AuditFacts,
  options: { retryAfterS?: number; extra?: Record<string, unknown> } = {},
): Promise<AppError> {
  await cpAudit.recordRefusal(deps.db, deps.logger, {
    correlation_id: request.correlationId,
    actor: actorOf(request, f.user),
    action: f.action,
    target: f.target ?? null,
    customer_id: f.customer_id ?? f.user?.customer_id ?? request.cpSession?.customer_id ?? null,
    outcome: 'denied',
    reason: code,
    details: f.details ?? {},
  });
  return problem(code, detail, {
    ...(options.retryAfterS !== undefined ? { retryAfterS: options.retryAfterS } : {}),
    extra: {
      ...(options.extra ?? {}),
      ...(options.retryAfterS !== undefined ? { retry_after_s: options.retryAfterS } : {}),
    },
  });
}
