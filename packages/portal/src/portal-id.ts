import type { CredentialOwner } from '@delta/vault';

/** Which portal a core instance serves: PP (ops) or CP (customers). Each keeps its own keys and approvals. */
export type PortalId = CredentialOwner;

/** The credential_ref prefix of the keys a portal keeps (`cred_pp_…`, `cred_cp_…`). */
export const credentialPrefix = (portal: PortalId) => `cred_${portal}_`;
