import { ZCpInvite, ZCustomer, ZCustomerId } from '@delta/contracts';
import { type PlantClient, signCpInvite } from '@delta/portal';
import type { App, Db } from '@delta/server-kit';
import type { ServiceKeys } from '@delta/service-auth';
import { z } from 'zod';
import { actorOf, requireUser } from '../auth/session-plugin.ts';
import { ppAudit } from '../pp-audit.ts';
import { opsPrincipal, relay } from './plant-relay-routes.ts';

/**
 * POST /api/customers/:customer_id/cp-invites (operator): a one-time link to CP for a customer Plant knows. The
 * link carries an invitation PP signs with its service key (EdDSA; issuer `pp`, audience `cp`, a jti, 72 hours
 * by default — see @delta/portal cp-invite), which CP verifies with PP's JWKS and uses up at sign-up. The
 * invitation is audited by its jti; the token itself is never stored or logged, only handed to the operator.
 */
export function registerCpInviteRoutes(
  app: App,
  deps: { db: Db; keys: ServiceKeys; plant: PlantClient; cpPublicUrl: string; ttlSeconds: number },
) {
  app.post(
    '/api/customers/:customer_id/cp-invites',
    {
      schema: {
        tags: ['customers'],
        params: z.strictObject({ customer_id: ZCustomerId }),
        body: z.strictObject({}).nullish(),
        response: { 201: ZCpInvite },
      },
    },
    async (request, reply) => {
      const user = requireUser(request, 'operator');
      const customerId = request.params.customer_id;
      const customer = await deps.plant.call('GET', `/api/v1/customers/${encodeURIComponent(customerId)}`, {
        principal: opsPrincipal(request, 'operator'),
        correlationId: request.correlationId,
        answer: ZCustomer,
      });
      if (!customer.ok) {
        await ppAudit.append(deps.db, {
          correlation_id: request.correlationId,
          actor: actorOf(user),
          action: 'cp_invite.issue',
          customer_id: customerId,
          outcome: 'denied',
          reason: customer.body.reason,
        });
        return relay(reply, customer);
      }
      const { token, invite } = await signCpInvite(deps.keys, {
        customerId,
        issuedBy: actorOf(user),
        ttlSeconds: deps.ttlSeconds,
      });
      await ppAudit.append(deps.db, {
        correlation_id: request.correlationId,
        actor: actorOf(user),
        action: 'cp_invite.issue',
        target: invite.jti,
        customer_id: customerId,
        outcome: 'allowed',
        details: { expires_at: invite.expires_at.toISOString() },
      });
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({
        invite_url: `${deps.cpPublicUrl.replace(/\/+$/, '')}/#/invite/${token}`,
        expires_at: invite.expires_at.toISOString(),
        jti: invite.jti,
      });
    },
  );
}
