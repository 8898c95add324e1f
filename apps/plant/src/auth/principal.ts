import type { TPrincipal } from '@delta/contracts';
import type { AppError } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { problem } from '../problems.ts';

/*
 * The verified principal of each request, kept in a WeakMap rather than as a `request.principal` decoration:
 * FastifyRequest augmentations are global to the TypeScript program, and the paper exchange already declares a
 * `principal` of another type. The map also means no handler can overwrite who the caller is.
 */
const principals = new WeakMap<FastifyRequest, TPrincipal>();

export function setPrincipal(request: FastifyRequest, principal: TPrincipal): void {
  principals.set(request, principal);
}

/** The principal, or undefined on the open routes (probes, docs). */
export function findPrincipal(request: FastifyRequest): TPrincipal | undefined {
  return principals.get(request);
}

export function identityError(reason: 'identity_required' | 'identity_invalid', failure: string): AppError {
  const detail =
    reason === 'identity_required'
      ? 'Plant is reached only through the plant gateway: the identity assertion is missing.'
      : 'The identity assertion was rejected.';
  return problem(reason, detail, { extra: { failure } });
}

/** The verified principal of a request that reached an /api/ handler (the identity hook guarantees one). */
export function principalOf(request: FastifyRequest): TPrincipal {
  const principal = principals.get(request);
  if (!principal) throw identityError('identity_required', 'missing');
  return principal;
}
