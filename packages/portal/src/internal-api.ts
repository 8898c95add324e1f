import { randomUUID } from 'node:crypto';
import type { ApprovalLedger } from '@delta/approval-ledger';
import {
  PORTAL_INTERNAL_ROUTES,
  type TCredentialBundleAnswer,
  ZApprovalStatusAnswer,
  ZApprovalStatusRequest,
  ZBundleRequest,
  ZConsumeAnswer,
  ZConsumeRequest,
  ZCredentialBundleAnswer,
} from '@delta/contracts';
import { type App, AppError, type Db, problem } from '@delta/server-kit';
import { type ServiceKeys, ServiceTokenError, type ServiceTokenVerifier } from '@delta/service-auth';
import { issueCredentialBundle } from '@delta/vault';
import type { FastifyRequest } from 'fastify';
import type { JWK } from 'jose';
import type { z } from 'zod';
import type { PortalAudit, PortalAuditEntry } from './audit-log.ts';
import { CredentialRefused, openCredential } from './exchange-account.ts';
import { registerInternalAccountApi } from './internal-account-api.ts';
import type { Vault } from './vault.ts';

export interface InternalApiDeps {
  db: Db;
  audit: PortalAudit;
  ledger: ApprovalLedger;
  vault: Vault;
  verifyPlant: ServiceTokenVerifier;
  keys: ServiceKeys;
  plantEncryptionKey: () => Promise<JWK | CryptoKey>;
  /** How long after consumption a bundle may still be issued (the reconciler may need the key after a crash). */
  bundleWindowSeconds: number;
  /** The paper exchange's URL, for credentials of environment "paper". */
  paperUrl: string;
}

type Opened = Awaited<ReturnType<typeof openCredential>>;
type BundleTarget = z.infer<typeof ZBundleRequest>;
const PLANT = 'service:plant';

/**
 * Plant's calls into a portal (PP or CP alike, by `vault.portal`): consume an approval (with its credential
 * bundle), issue a bundle, say what became of an approval, and read the customer's account. Only a Plant service
 * token (EdDSA, iss "plant", aud = this portal, ≤ 60 s) gets in; a browser session cookie means nothing here.
 * Every call is audited with its correlation id; every request and answer has its contract in packages/contracts.
 */
export function registerInternalApi(app: App, deps: InternalApiDeps): void {
  const portal = deps.vault.portal;
  const append = (entries: PortalAuditEntry | PortalAuditEntry[]) => deps.audit.append(deps.db, entries);

  async function authenticate(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    try {
      const v = await deps.verifyPlant(token);
      if (v.principal.kind !== 'service' || v.principal.service !== 'plant')
        throw new ServiceTokenError('bad_principal');
    } catch (err) {
      const failure = err instanceof ServiceTokenError ? err.failure : 'malformed';
      await append({
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

  /**
   * A credential bundle for an approval the caller has just checked was consumed for this credential:
   * encrypted to Plant's key, signed by this portal, bound to the approval and credential, 30 s.
   */
  async function sealBundle(b: BundleTarget, opened: Opened, jti: string): Promise<TCredentialBundleAnswer> {
    const bundle = await issueCredentialBundle({
      credential: opened.credential,
      approvalId: b.approval_id,
      credentialRef: b.credential_ref,
      audience: 'plant',
      plantPublicJwk: await deps.plantEncryptionKey(),
      ttlSeconds: 30,
      issuer: portal,
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
    b: BundleTarget,
    correlationId: string,
    details: Record<string, unknown>,
  ): PortalAuditEntry => ({
    correlation_id: correlationId,
    actor: PLANT,
    action: 'credential.bundle',
    target: b.credential_ref,
    outcome: 'allowed',
    details: { approval_id: b.approval_id, ...details },
  });

  app.post(
    PORTAL_INTERNAL_ROUTES.consume,
    {
      schema: { tags: ['internal'], body: ZConsumeRequest, response: { 200: ZConsumeAnswer } },
      onRequest: authenticate,
    },
    async (request) => {
      const b = request.body;
      // Decrypting the key while the ledger consumes saves a round trip; it stays in memory and is used only if
      // the consumption succeeds (otherwise it is dropped here).
      const target = {
        approval_id: b.approval_id,
        credential_ref: b.credential_ref,
        customer_id: b.customer_id,
      };
      const opening = b.with_bundle ? openCredential(deps.vault, b.credential_ref, b.customer_id) : undefined;
      opening?.catch(() => {});
      const r = await deps.ledger.consume(b.approval_id, b.intent_hash, {
        customer_id: b.customer_id,
        credential_ref: b.credential_ref,
        correlation_id: request.correlationId,
      });
      const consumeAudit: PortalAuditEntry = {
        correlation_id: request.correlationId,
        actor: PLANT,
        action: 'approval.consume',
        target: b.approval_id,
        customer_id: b.customer_id,
        outcome: r.ok ? 'allowed' : 'denied',
        reason: r.ok ? null : r.reason,
        details: { intent_hash: b.intent_hash, credential_ref: b.credential_ref },
      };
      if (!r.ok) {
        await append(consumeAudit);
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
      const opened = opening ? await opening.catch(() => undefined) : undefined;
      let bundle: TCredentialBundleAnswer | undefined;
      if (opened) {
        const jti = randomUUID();
        const issuance = bundleAudit(target, request.correlationId, { jti, issued_with: 'consume' });
        [bundle] = await Promise.all([
          sealBundle(target, opened, jti).catch(() => undefined),
          append([consumeAudit, issuance]),
        ]);
        if (!bundle) await append({ ...issuance, outcome: 'failed', reason: 'bundle_issue_failed' });
      } else {
        await append(consumeAudit);
      }
      return {
        consumed: true as const,
        approval_id: r.approval.approval_id,
        intent_hash: r.approval.intent_hash,
        consumed_at: r.approval.consumed_at?.toISOString() ?? null,
        ...(bundle ?? {}),
      };
    },
  );

  app.post(
    PORTAL_INTERNAL_ROUTES.bundle,
    {
      schema: { tags: ['internal'], body: ZBundleRequest, response: { 200: ZCredentialBundleAnswer } },
      onRequest: authenticate,
    },
    async (request) => {
      const b = request.body;
      const audit = {
        correlation_id: request.correlationId,
        actor: PLANT,
        action: 'credential.bundle',
        target: b.credential_ref,
        customer_id: b.customer_id,
      };
      const consumed = await deps.ledger.wasConsumedFor(b.approval_id, b.credential_ref, {
        customer_id: b.customer_id,
        within_seconds: deps.bundleWindowSeconds,
      });
      if (!consumed.ok) {
        await append({
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
        opened = await openCredential(deps.vault, b.credential_ref, b.customer_id);
      } catch (err) {
        if (err instanceof CredentialRefused) {
          await append({ ...audit, outcome: 'denied', reason: err.reason });
          throw problem(
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
      await append(bundleAudit(b, request.correlationId, { jti }));
      return answer;
    },
  );

  /**
   * What the ledger says of one approval, for Plant's reconciler: after a request died around the approval's
   * consumption, it tells "consumed by that request, nothing executed" from "never consumed". Another customer's
   * approval is not found.
   */
  app.post(
    PORTAL_INTERNAL_ROUTES.approvalStatus,
    {
      schema: { tags: ['internal'], body: ZApprovalStatusRequest, response: { 200: ZApprovalStatusAnswer } },
      onRequest: authenticate,
    },
    async (request) => {
      const b = request.body;
      const approval = await deps.ledger.get(b.approval_id, { customer_id: b.customer_id });
      await append({
        correlation_id: request.correlationId,
        actor: PLANT,
        action: 'approval.status',
        target: b.approval_id,
        customer_id: b.customer_id,
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

  registerInternalAccountApi(app, { ...deps, authenticate, append });
}
