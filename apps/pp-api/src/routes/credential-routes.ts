import { type TCredentialView, ZCredentialRef, ZCredentialView, ZCustomerId } from '@delta/contracts';
import { type App, AppError, type Db } from '@delta/server-kit';
import { ZExchangeEnvironment } from '@delta/vault';
import { z } from 'zod';
import { appendAudit, type PpAuditEntry } from '../audit-repository.ts';
import { actorOf, requireUser } from '../auth/session-plugin.ts';
import { checkExchangeKeys } from '../services/exchange-key-check.ts';
import type { Vault } from '../services/vault.ts';

// Key material is accepted here (browser → portal API) and nowhere else. It is never logged (the logger
// redacts api_key/api_secret at any depth) and never returned: responses carry the masked key only.
const ZKey = z
  .string()
  .trim()
  .min(8)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
const ZNewCredential = z.strictObject({
  api_key: ZKey,
  api_secret: ZKey,
  label: z.string().trim().min(1).max(100),
  environment: ZExchangeEnvironment,
});
const ZRotate = z.strictObject({ api_key: ZKey, api_secret: ZKey });

type Meta = Awaited<ReturnType<Vault['store']['listByCustomer']>>[number];
export function credentialView(m: Meta): TCredentialView {
  return {
    credential_ref: m.credential_ref,
    exchange_account_id: m.exchange_account_id,
    customer_id: m.customer_id,
    label: m.label,
    environment: m.environment,
    key_masked: `••••${m.key_last4}`,
    state: m.state,
    verified_permissions: m.verified_permissions,
    created_at: m.created_at.toISOString(),
    rotated_at: m.rotated_at?.toISOString() ?? null,
    revoked_at: m.revoked_at?.toISOString() ?? null,
    last_verified_at: m.last_verified_at?.toISOString() ?? null,
  };
}

const ZCustomerParams = z.strictObject({ customer_id: ZCustomerId });
const ZRefParams = z.strictObject({ credential_ref: ZCredentialRef });

export function registerCredentialRoutes(
  app: App,
  deps: {
    db: Db;
    vault: Vault;
    paperUrl: string;
    customerExists: (
      id: string,
      correlationId: string,
      request: Parameters<typeof requireUser>[0],
    ) => Promise<boolean>;
  },
): void {
  const { vault } = deps;

  /** New keys are checked against the exchange before they are stored; a refusal is audited with its reason. */
  async function checkOrAudit(
    environment: TCredentialView['environment'],
    apiKey: string,
    apiSecret: string,
    audit: Omit<PpAuditEntry, 'outcome'>,
  ) {
    try {
      return await checkExchangeKeys(environment, deps.paperUrl, apiKey, apiSecret, audit.correlation_id);
    } catch (err) {
      await appendAudit(deps.db, {
        ...audit,
        outcome: 'denied',
        reason: err instanceof AppError ? err.reason : 'exchange_check_failed',
      });
      throw err;
    }
  }

  app.get(
    '/api/customers/:customer_id/credentials',
    {
      schema: {
        tags: ['credentials'],
        params: ZCustomerParams,
        response: { 200: z.object({ items: z.array(ZCredentialView) }) },
      },
    },
    async (request) => {
      requireUser(request);
      const items = await vault.store.listByCustomer(request.params.customer_id, { includeRevoked: true });
      return { items: items.map(credentialView) };
    },
  );

  app.post(
    '/api/customers/:customer_id/credentials',
    {
      schema: {
        tags: ['credentials'],
        params: ZCustomerParams,
        body: ZNewCredential,
        response: { 201: ZCredentialView },
      },
    },
    async (request, reply) => {
      const user = requireUser(request, 'operator');
      const { customer_id } = request.params;
      if (!(await deps.customerExists(customer_id, request.correlationId, request))) {
        throw AppError.notFound('customer_not_found', 'No such customer.');
      }
      const b = request.body;
      const audit = {
        correlation_id: request.correlationId,
        actor: actorOf(user),
        action: 'credential.store',
        target: customer_id,
      };
      const check = await checkOrAudit(b.environment, b.api_key, b.api_secret, audit);
      const meta = await vault.store.store({
        customer_id,
        label: b.label,
        environment: b.environment,
        api_key: b.api_key,
        api_secret: b.api_secret,
        verified_permissions: check.permissions,
        verified_at: new Date(),
        exchange_user_id: check.exchangeUserId,
      });
      await appendAudit(deps.db, {
        ...audit,
        outcome: 'allowed',
        details: {
          credential_ref: meta.credential_ref,
          key_last4: meta.key_last4,
          environment: meta.environment,
        },
      });
      return reply.code(201).send(credentialView(meta));
    },
  );

  app.post(
    '/api/credentials/:credential_ref/rotate',
    {
      schema: {
        tags: ['credentials'],
        params: ZRefParams,
        body: ZRotate,
        response: { 200: ZCredentialView },
      },
    },
    async (request) => {
      const user = requireUser(request, 'operator');
      const existing = await vault.store.getMetadata(request.params.credential_ref);
      if (existing?.state !== 'active')
        throw AppError.notFound('credential_not_found', 'No active credential with this reference.');
      const audit = {
        correlation_id: request.correlationId,
        actor: actorOf(user),
        action: 'credential.rotate',
        target: existing.credential_ref,
      };
      const check = await checkOrAudit(
        existing.environment,
        request.body.api_key,
        request.body.api_secret,
        audit,
      );
      const meta = await vault.store.rotate(existing.credential_ref, {
        customer_id: existing.customer_id,
        api_key: request.body.api_key,
        api_secret: request.body.api_secret,
        verified_permissions: check.permissions,
        exchange_user_id: check.exchangeUserId,
      });
      await appendAudit(deps.db, { ...audit, outcome: 'allowed', details: { key_last4: meta.key_last4 } });
      return credentialView(meta);
    },
  );

  app.post(
    '/api/credentials/:credential_ref/revoke',
    { schema: { tags: ['credentials'], params: ZRefParams, response: { 200: ZCredentialView } } },
    async (request) => {
      const user = requireUser(request, 'operator');
      const existing = await vault.store.getMetadata(request.params.credential_ref);
      if (!existing) throw AppError.notFound('credential_not_found', 'No credential with this reference.');
      const meta = await vault.store.revoke(existing.credential_ref, { customerId: existing.customer_id });
      await appendAudit(deps.db, {
        correlation_id: request.correlationId,
        actor: actorOf(user),
        action: 'credential.revoke',
        target: existing.credential_ref,
        outcome: 'allowed',
      });
      return credentialView(meta);
    },
  );
}
