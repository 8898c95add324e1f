import { type TCredentialView, ZExchangeEnvironmentName } from '@delta/contracts';
import { AppError, type Db } from '@delta/server-kit';
import { z } from 'zod';
import type { PortalAudit, PortalAuditEntry } from './audit-log.ts';
import { checkExchangeKeys } from './exchange-key-check.ts';
import type { Vault } from './vault.ts';

// Key material is accepted by a portal's credential routes (browser → portal API) and nowhere else. It is never
// logged (the logger redacts api_key/api_secret at any depth) and never returned: answers carry the masked key.
const ZKey = z
  .string()
  .trim()
  .min(8)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
export const ZCredentialCreate = z.strictObject({
  api_key: ZKey,
  api_secret: ZKey,
  label: z.string().trim().min(1).max(100),
  environment: ZExchangeEnvironmentName,
});
export type TCredentialCreate = z.infer<typeof ZCredentialCreate>;
export const ZCredentialRotate = z.strictObject({ api_key: ZKey, api_secret: ZKey });
export type TCredentialRotate = z.infer<typeof ZCredentialRotate>;

export interface CredentialDeps {
  db: Db;
  audit: PortalAudit;
  vault: Vault;
  /** The paper exchange's URL, for credentials of environment "paper". */
  paperUrl: string;
}

/** Who asks, for the audit record: the portal's actor label and the request's correlation id. */
export interface Acting {
  actor: string;
  correlationId: string;
}

type Meta = Awaited<ReturnType<Vault['store']['listByCustomer']>>[number];

/** A stored credential as anyone outside the vault sees it: metadata and the last 4 of the key. */
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

/** New keys are checked against the exchange before they are stored; a refusal is audited with its reason. */
async function checkOrAudit(
  deps: CredentialDeps,
  environment: TCredentialView['environment'],
  keys: TCredentialRotate,
  audit: Omit<PortalAuditEntry, 'outcome'>,
) {
  try {
    return await checkExchangeKeys(
      environment,
      deps.paperUrl,
      keys.api_key,
      keys.api_secret,
      audit.correlation_id,
    );
  } catch (err) {
    await deps.audit.append(deps.db, {
      ...audit,
      outcome: 'denied',
      reason: err instanceof AppError ? err.reason : 'exchange_check_failed',
    });
    throw err;
  }
}

export async function listCredentials(deps: Pick<CredentialDeps, 'vault'>, customerId: string) {
  const items = await deps.vault.store.listByCustomer(customerId, { includeRevoked: true });
  return items.map(credentialView);
}

/**
 * Checks the keys with the exchange (reads only), encrypts and stores them for the customer, audits it; the
 * answer carries the masked key only. One exchange account belongs to one active credential (the vault refuses a
 * second: exchange_account_in_use).
 */
export async function storeCredential(
  deps: CredentialDeps,
  customerId: string,
  b: TCredentialCreate,
  who: Acting,
): Promise<TCredentialView> {
  const audit = {
    correlation_id: who.correlationId,
    actor: who.actor,
    action: 'credential.store',
    target: customerId,
    customer_id: customerId,
  };
  const check = await checkOrAudit(deps, b.environment, b, audit);
  const meta = await deps.vault.store.store({
    customer_id: customerId,
    label: b.label,
    environment: b.environment,
    api_key: b.api_key,
    api_secret: b.api_secret,
    verified_permissions: check.permissions,
    verified_at: new Date(),
    exchange_user_id: check.exchangeUserId,
  });
  await deps.audit.append(deps.db, {
    ...audit,
    outcome: 'allowed',
    details: {
      credential_ref: meta.credential_ref,
      key_last4: meta.key_last4,
      environment: meta.environment,
    },
  });
  return credentialView(meta);
}

/** Replaces the keys behind an active credential with keys of the same exchange account (checked first). */
export async function rotateCredential(
  deps: CredentialDeps,
  credentialRef: string,
  keys: TCredentialRotate,
  who: Acting,
  scope: { customerId?: string } = {},
): Promise<TCredentialView> {
  const existing = await deps.vault.store.getMetadata(credentialRef, scope);
  if (existing?.state !== 'active')
    throw AppError.notFound('credential_not_found', 'No active credential with this reference.');
  const audit = {
    correlation_id: who.correlationId,
    actor: who.actor,
    action: 'credential.rotate',
    target: existing.credential_ref,
    customer_id: existing.customer_id,
  };
  const check = await checkOrAudit(deps, existing.environment, keys, audit);
  const meta = await deps.vault.store.rotate(existing.credential_ref, {
    customer_id: existing.customer_id,
    api_key: keys.api_key,
    api_secret: keys.api_secret,
    verified_permissions: check.permissions,
    exchange_user_id: check.exchangeUserId,
  });
  await deps.audit.append(deps.db, { ...audit, outcome: 'allowed', details: { key_last4: meta.key_last4 } });
  return credentialView(meta);
}

/** Revokes a credential: its ciphertext is erased, it can never be opened again. */
export async function revokeCredential(
  deps: CredentialDeps,
  credentialRef: string,
  who: Acting,
  scope: { customerId?: string } = {},
): Promise<TCredentialView> {
  const existing = await deps.vault.store.getMetadata(credentialRef, scope);
  if (!existing) throw AppError.notFound('credential_not_found', 'No credential with this reference.');
  const meta = await deps.vault.store.revoke(existing.credential_ref, { customerId: existing.customer_id });
  await deps.audit.append(deps.db, {
    correlation_id: who.correlationId,
    actor: who.actor,
    action: 'credential.revoke',
    target: existing.credential_ref,
    customer_id: existing.customer_id,
    outcome: 'allowed',
  });
  return credentialView(meta);
}
