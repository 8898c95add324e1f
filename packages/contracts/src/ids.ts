import { z } from 'zod';

/**
 * Every id the platform mints, in the one shape its minter gives it (docs/ids.md). A schema takes an id only in
 * that shape, so no id field can carry free text — or key material — into a record, a log line or a response.
 *
 * | id                                 | minted by                               | shape                               |
 * | ---------------------------------- | --------------------------------------- | ----------------------------------- |
 * | customer_id                        | Plant (customer-routes.ts)              | `cus_` + 26 Crockford base32        |
 * | credential_ref, exchange_account_id| the portals' vaults (packages/vault)    | `cred_pp_` / `cred_cp_` + 26 base32 |
 * | approval_id                        | the approval ledger                     | `apr_` + 26 base32                  |
 * | hired_agent_id, execution_id, proposal_id, record_id, decision_id, event_id | Plant | UUID (lower case) |
 * | user_id (ops users)                | PP (users-repository.ts)                | `usr_` + 24 hex                     |
 * | user_id (customer users)           | CP (auth/users.ts)                      | `cpu_` + 24 hex                     |
 * | agent_id (reference agents)        | the AgentSpec                           | `AGT-XXX-NAME-000`                  |
 * | correlation_id                     | any service, or the caller              | UUID (lower case; see correlation.ts) |
 */

/** Crockford base32 (no i, l, o, u), as Plant's customer ids use it. */
export const CUSTOMER_ID_PATTERN = /^cus_[0-9a-hjkmnp-tv-z]{26}$/;
/** `cred_<portal>_` + 26 RFC 4648 base32 (lower case): the vault's credential_ref, also the exchange_account_id. */
export const CREDENTIAL_REF_PATTERN = /^cred_(pp|cp)_[a-z2-7]{26}$/;
export const APPROVAL_ID_PATTERN = /^apr_[a-z2-7]{26}$/;
/** Canonical lower-case UUID (what node's randomUUID gives). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const USER_ID_PATTERN = /^usr_[0-9a-f]{24}$/;
/** CP's customer users (logins of a customer): `cpu_` + 24 hex. */
export const CUSTOMER_USER_ID_PATTERN = /^cpu_[0-9a-f]{24}$/;
export const AGENT_ID_PATTERN = /^AGT-[A-Z]{3}-[A-Z0-9]{1,40}-\d{3}$/;
/** Plant's canonical intent hash: SHA-256 in lower-case hex. */
export const INTENT_HASH_PATTERN = /^[0-9a-f]{64}$/;

export const ZCustomerId = z
  .string()
  .regex(CUSTOMER_ID_PATTERN, 'must be a customer id: cus_ followed by 26 base32 characters');
export const ZCredentialRef = z
  .string()
  .regex(
    CREDENTIAL_REF_PATTERN,
    'must be a credential_ref: cred_pp_ or cred_cp_ followed by 26 base32 characters',
  );
export const ZExchangeAccountId = z
  .string()
  .regex(
    CREDENTIAL_REF_PATTERN,
    'must be an exchange account id: cred_pp_ or cred_cp_ followed by 26 base32 characters',
  );
export const ZApprovalId = z
  .string()
  .regex(APPROVAL_ID_PATTERN, 'must be an approval id: apr_ followed by 26 base32 characters');
/** Ids Plant mints as UUIDs: hired agents, executions, audit records, decisions, usage events. */
export const ZUuidId = z.string().regex(UUID_PATTERN, 'must be a lower-case UUID');
export const ZHiredAgentId = ZUuidId;
export const ZUserId = z
  .string()
  .regex(USER_ID_PATTERN, 'must be a user id: usr_ followed by 24 hex characters');
export const ZCustomerUserId = z
  .string()
  .regex(CUSTOMER_USER_ID_PATTERN, 'must be a customer user id: cpu_ followed by 24 hex characters');
export const ZAgentId = z
  .string()
  .max(64)
  .regex(AGENT_ID_PATTERN, 'must be an agent id such as "AGT-TRD-DELTA-001"');
export const ZIntentHash = z.string().regex(INTENT_HASH_PATTERN, 'must be 64 lower-case hex characters');

export function isCustomerId(value: unknown): value is string {
  return typeof value === 'string' && CUSTOMER_ID_PATTERN.test(value);
}
export function isCredentialRef(value: unknown): value is string {
  return typeof value === 'string' && CREDENTIAL_REF_PATTERN.test(value);
}
export function isApprovalId(value: unknown): value is string {
  return typeof value === 'string' && APPROVAL_ID_PATTERN.test(value);
}
