import { randomUUID } from 'node:crypto';
import type { ApprovalLedger } from '@delta/approval-ledger';
import {
  type TAccountOrder,
  ZApprovalId,
  ZApprovalStatusAnswer,
  ZApprovalStatusRequest,
  ZCredentialRef,
  ZCustomerId,
  ZIntentHash,
  ZOrderLookup,
  ZOrderLookupAnswer,
  ZPositionAnswer,
  ZPositionLookup,
} from '@delta/contracts';
import { DeltaError, DeltaNotFoundError, type DeltaOrder, DeltaReadClient } from '@delta/delta-client';
import { type App, AppError, type Db } from '@delta/server-kit';
import { type ServiceKeys, ServiceTokenError, type ServiceTokenVerifier } from '@delta/service-auth';
import { issueCredentialBundle } from '@delta/vault';
import type { FastifyRequest } from 'fastify';
import type { JWK } from 'jose';
import { z } from 'zod';
import { appendAudit, type PpAuditEntry } from '../audit-repository.ts';
import type { Vault } from '../services/vault.ts';

const ZConsume = z.strictObject({
  approval_id: ZApprovalId,
  intent_hash: ZIntentHash,
  customer_id: ZCustomerId,
  credential_ref: ZCredentialRef,
  /**
   * Also issue the credential bundle for this credential in the same call (saves Plant a round trip on every
   * execution). Best effort: if no bundle can be issued the approval is still consumed and the answer carries
   * none — Plant then asks /internal/v1/credential-bundles, which says why.
   */
  with_bundle: z.boolean().optional(),
});
const ZBundleRequest = z.strictObject({
  approval_id: ZApprovalId,
  credential_ref: ZCredentialRef,
  customer_id: ZCustomerId,
});

export interface InternalDeps {
  db: Db;
  ledger: ApprovalLedger;
  vault: Vault;
  verifyPlant: ServiceTokenVerifier;
  keys: ServiceKeys;
  plantEncryptionKey: () => Promise<JWK>;
  /** How long after consumption a bundle may still be issued (the reconciler may need the key after a crash). */
  bundleWindowSeconds: number;
  /** The paper exchange's URL, for credentials of environment "paper". */
  paperUrl: string;
}

/**
 * Plant's calls into PP. Only a Plant service token (EdDSA, iss "plant", aud "pp", ≤ 60 s) gets in; a browser
 * session cookie means nothing here. Every call is audited with its correlation id.
 */
type Opened = Awaited<ReturnType<Vault['store']['openForUse']>>;

/** The vault will not open this credential for a bundle: revoked, or not this customer's. */
class BundleRefused extends Error {
  constructor(readonly reason: 'credential_revoked' | 'credential_not_found') {
    super(reason);
  }
}

export function registerInternalRoutes(app: App, deps: InternalDeps): void {
  async function authenticate(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    try {
      const v = await deps.verifyPlant(token);
      if (v.principal.kind !== 'service' || v.principal.service !== 'plant')
        throw new ServiceTokenError('bad_principal');
    } catch (err) {
      const failure = err instanceof ServiceTokenError ? err.failure : 'malformed';
      await appendAudit(deps.db, {
        correlation_id: request.correlationId,
        actor: `unauthenticated@${request.ip}`,
        action: `internal${request.url.split('?')[0]}`,
        outcome: 'denied',
        reason: 'service_auth_failed',
        details: { failure },
      });
      throw new AppError(401, 'service_auth_failed', 'This endpoint is for Plant only.', {
        extra: { failure },
      });
    }
  }

  /** The key for a bundle; a revoked credential or another customer's is a BundleRefused. */
  async function openForBundle(b: { credential_ref: string; customer_id: string }): Promise<Opened> {
    let opened: Opened;
    try {
      opened = await deps.vault.store.openForUse(b.credential_ref, { customerId: b.customer_id });
    } catch (err) {
      if (
        err instanceof AppError &&
        (err.reason === 'credential_revoked' || err.reason === 'credential_not_found')
      )
        throw new BundleRefused(err.reason);
      throw err;
    }
    if (opened.metadata.state !== 'active') throw new BundleRefused('credential_revoked');
    return opened;
  }

  /**
   * A credential bundle for an approval the caller has just checked was consumed for this credential:
   * encrypted to Plant's key, signed by PP, bound to the approval and credential, 30 s.
   */
  async function sealBundle(b: z.infer<typeof ZBundleRequest>, opened: Opened, jti: string) {
    const bundle = await issueCredentialBundle({
      credential: opened.credential,
      approvalId: b.approval_id,
      credentialRef: b.credential_ref,
      audience: 'plant',
      plantPublicJwk: await deps.plantEncryptionKey(),
      ttlSeconds: 30,
      issuer: 'pp',
      issuerSigningKey: deps.keys.signing.privateKey,
      issuerKeyId: deps.keys.signing.kid,
      jti,
    });
    // The environment says which exchange host the keys belong to (they fail on any other).
    return {
      credential_bundle: bundle.credential_bundle,
      expires_at: bundle.expires_at.toISOString(),
      environment: opened.metadata.environment,
    };
  }

  const bundleAudit = (
    b: z.infer<typeof ZBundleRequest>,
    correlationId: string,
    details: Record<string, unknown>,
  ): PpAuditEntry => ({
    correlation_id: correlationId,
    actor: 'service:plant',
    action: 'credential.bundle',
    target: b.credential_ref,
    outcome: 'allowed',
    details: { approval_id: b.approval_id, ...details },
  });

  app.post(
    '/internal/v1/approvals/consume',
    { schema: { tags: ['internal'], body: ZConsume }, onRequest: authenticate },
    async (request) => {
      const b = request.body;
      // Decrypting the key while the ledger consumes saves a round trip; it stays in memory and is used only if
      // the consumption succeeds (otherwise it is dropped here).
      const target = {
        approval_id: b.approval_id,
        credential_ref: b.credential_ref,
        customer_id: b.customer_id,
      };
      const opening = b.with_bundle ? openForBundle(target) : undefined;
      opening?.catch(() => {});
      const r = await deps.ledger.consume(b.approval_id, b.intent_hash, {
        customer_id: b.customer_id,
        credential_ref: b.credential_ref,
        correlation_id: request.correlationId,
      });
      const consumeAudit: PpAuditEntry = {
        correlation_id: request.correlationId,
        actor: 'service:plant',
        action: 'approval.consume',
        target: b.approval_id,
        outcome: r.ok ? 'allowed' : 'denied',
        reason: r.ok ? null : r.reason,
        details: { intent_hash: b.intent_hash, credential_ref: b.credential_ref },
      };
      if (!r.ok) {
        await appendAudit(deps.db, consumeAudit);
        // already_consumed carries who consumed it, so Plant can tell a replay of its own execution.
        throw AppError.forbidden(
          r.reason,
          `The approval cannot be used: ${r.reason.replace(/_/g, ' ')}.`,
          r.consumed_by ? { consumed_by: r.consumed_by } : undefined,
        );
      }
      // The approval was consumed just now, for this credential: exactly the condition for issuing a bundle.
      // The key was decrypted meanwhile; if that failed (revoked, not this customer's) no bundle comes along and
      // Plant's own bundle request gets the reason. The issuance is recorded while the bundle is made.
      const opened = opening
        ? await opening.then(
            (v) => v,
            () => undefined,
          )
        : undefined;
      let bundle: Awaited<ReturnType<typeof sealBundle>> | undefined;
      if (opened) {
        const jti = randomUUID();
        const issuance = bundleAudit(target, request.correlationId, { jti, issued_with: 'consume' });
        [bundle] = await Promise.all([
          sealBundle(target, opened, jti).catch(() => undefined),
          appendAudit(deps.db, [consumeAudit, issuance]),
        ]);
        if (!bundle) {
          await appendAudit(deps.db, { ...issuance, outcome: 'failed', reason: 'bundle_issue_failed' });
        }
      } else {
        await appendAudit(deps.db, consumeAudit);
      }
      return {
        consumed: true,
        approval_id: r.approval.approval_id,
        intent_hash: r.approval.intent_hash,
        consumed_at: r.approval.consumed_at?.toISOString() ?? null,
        ...(bundle ?? {}),
      };
    },
  );

  /**
   * Reads the customer's exchange account with the key PP keeps, for Plant's drafts: the key never leaves PP;
   * Plant learns only the answer. Audited as `action`, allowed or refused with the reason.
   */
  async function readAccount<T>(
    request: FastifyRequest,
    b: { credential_ref: string; customer_id: string; product_id: number },
    action: string,
    read: (client: DeltaReadClient, o: { correlationId: string }) => Promise<T>,
  ): Promise<T> {
    const audit = {
      correlation_id: request.correlationId,
      actor: 'service:plant',
      action,
      target: b.credential_ref,
    };
    let opened: Opened;
    try {
      opened = await openForBundle(b);
    } catch (err) {
      if (err instanceof BundleRefused) {
        await appendAudit(deps.db, { ...audit, outcome: 'denied', reason: err.reason });
        throw AppError.forbidden(err.reason, 'No active credential with this reference for this customer.');
      }
      throw err;
    }
    const client = new DeltaReadClient({
      preset: opened.metadata.environment,
      baseUrl: opened.metadata.environment === 'paper' ? deps.paperUrl : undefined,
      credentials: { apiKey: opened.credential.apiKey, apiSecret: opened.credential.apiSecret },
      timeoutMs: 5_000,
    });
    try {
      const answer = await read(client, { correlationId: request.correlationId });
      await appendAudit(deps.db, { ...audit, outcome: 'allowed', details: { product_id: b.product_id } });
      return answer;
    } catch (err) {
      const kind = err instanceof DeltaError ? err.kind : 'exchange_error';
      await appendAudit(deps.db, {
        ...audit,
        outcome: 'failed',
        reason: 'account_unavailable',
        details: { kind },
      });
      throw new AppError(502, 'account_unavailable', 'The exchange could not be asked about the account.', {
        extra: { exchange_error_kind: kind },
      });
    }
  }

  /** The open position of one product: what Plant's draft of an exit shows and checks (flat is not approvable). */
  app.post(
    '/internal/v1/positions',
    {
      schema: { tags: ['internal'], body: ZPositionLookup, response: { 200: ZPositionAnswer } },
      onRequest: authenticate,
    },
    async (request) => {
      const b = request.body;
      return readAccount(request, b, 'credential.position_read', async (client, o) => {
        const position = await client.position(b.product_id, o);
        return { product_id: b.product_id, size: position.size, entry_price: position.entry_price ?? null };
      });
    },
  );

  /** One order of the account by its exchange id: what Plant's draft of a cancel shows and checks. */
  app.post(
    '/internal/v1/orders/lookup',
    {
      schema: { tags: ['internal'], body: ZOrderLookup, response: { 200: ZOrderLookupAnswer } },
      onRequest: authenticate,
    },
    async (request) => {
      const b = request.body;
      return readAccount(request, b, 'credential.order_read', async (client, o) => {
        try {
          return { order: accountOrder(await client.getOrder(Number(b.order_id), o)) };
        } catch (err) {
          if (err instanceof DeltaNotFoundError) return { order: null };
          throw err;
        }
      });
    },
  );

  /**
   * What the ledger says of one approval, for Plant's reconciler: after a request died around the approval's
   * consumption, it tells "consumed by that request, nothing executed" from "never consumed". Another customer's
   * approval is not found.
   */
  app.post(
    '/internal/v1/approvals/status',
    {
      schema: { tags: ['internal'], body: ZApprovalStatusRequest, response: { 200: ZApprovalStatusAnswer } },
      onRequest: authenticate,
    },
    async (request) => {
      const b = request.body;
      const approval = await deps.ledger.get(b.approval_id, { customer_id: b.customer_id });
      await appendAudit(deps.db, {
        correlation_id: request.correlationId,
        actor: 'service:plant',
        action: 'approval.status',
        target: b.approval_id,
        outcome: approval ? 'allowed' : 'denied',
        reason: approval ? null : 'not_found',
      });
      if (!approval) throw AppError.notFound('approval_not_found', 'No such approval for this customer.');
      return {
        approval_id: approval.approval_id,
        state: approval.state,
        intent_hash: approval.intent_hash,
        consumed_by: approval.consumed_by,
        consumed_at: approval.consumed_at?.toISOString() ?? null,
        expires_at: approval.expires_at.toISOString(),
      };
    },
  );

  app.post(
    '/internal/v1/credential-bundles',
    { schema: { tags: ['internal'], body: ZBundleRequest }, onRequest: authenticate },
    async (request) => {
      const b = request.body;
      const audit = {
        correlation_id: request.correlationId,
        actor: 'service:plant',
        action: 'credential.bundle',
        target: b.credential_ref,
      };
      const consumed = await deps.ledger.wasConsumedFor(b.approval_id, b.credential_ref, {
        customer_id: b.customer_id,
        within_seconds: deps.bundleWindowSeconds,
      });
      if (!consumed.ok) {
        await appendAudit(deps.db, {
          ...audit,
          outcome: 'denied',
          reason: consumed.reason,
          details: { approval_id: b.approval_id },
        });
        throw AppError.forbidden(
          `bundle_${consumed.reason}`,
          'No credential bundle: the approval was not just consumed for this credential.',
        );
      }
      let opened: Opened;
      try {
        opened = await openForBundle(b);
      } catch (err) {
        if (err instanceof BundleRefused) {
          await appendAudit(deps.db, { ...audit, outcome: 'denied', reason: err.reason });
          throw AppError.forbidden(
            err.reason,
            err.reason === 'credential_revoked'
              ? 'The credential was revoked.'
              : 'No such credential for this customer.',
          );
        }
        throw err;
      }
      const jti = randomUUID();
      const answer = await sealBundle(b, opened, jti);
      await appendAudit(deps.db, bundleAudit(b, request.correlationId, { jti }));
      return answer;
    },
  );
}

/** An order as Plant's plans see it: the exchange's own fields, ids as strings. */
function accountOrder(o: DeltaOrder): TAccountOrder {
  return {
    id: String(o.id),
    product_id: o.product_id,
    product_symbol: o.product_symbol ?? null,
    side: o.side,
    size: o.size,
    unfilled_size: o.unfilled_size,
    order_type: o.order_type,
    limit_price: o.limit_price ?? null,
    stop_price: o.stop_price ?? null,
    reduce_only: o.reduce_only,
    post_only: o.post_only ?? false,
    time_in_force: o.time_in_force ?? null,
    state: o.state,
    client_order_id: o.client_order_id ?? null,
    created_at: o.created_at === undefined ? null : String(o.created_at),
  };
}
