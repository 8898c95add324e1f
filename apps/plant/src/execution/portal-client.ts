import { CORRELATION_HEADER } from '@delta/contracts';
import { httpFetch } from '@delta/server-kit';
import { type ServiceKeys, signServiceToken } from '@delta/service-auth';
import { type CredentialOwner, credentialOwner } from '@delta/vault';

export interface PortalEndpoints {
  /** Base URL of each portal's internal API, by the owner named in a credential_ref (cred_pp_… / cred_cp_…). */
  pp?: string;
  cp?: string;
}

export interface PortalAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Plant's calls to a portal's internal API (approvals, credential bundles), signed with Plant's EdDSA key:
 * iss "plant", aud = that portal, ≤ 30 s. The credential_ref decides which portal is asked.
 */
export function createPortalClient(keys: ServiceKeys, endpoints: PortalEndpoints, timeoutMs = 10_000) {
  return {
    ownerOf(credentialRef: string): CredentialOwner | null {
      return credentialOwner(credentialRef);
    },
    async post(
      owner: CredentialOwner,
      path: string,
      body: unknown,
      correlationId: string,
    ): Promise<PortalAnswer> {
      const base = endpoints[owner];
      if (!base) throw new Error(`no internal URL configured for portal ${owner}`);
      const token = await signServiceToken(keys, {
        iss: 'plant',
        aud: owner,
        principal: { kind: 'service', service: 'plant' },
        correlation_id: correlationId,
      });
      const res = await httpFetch(`${base.replace(/\/$/, '')}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          [CORRELATION_HEADER]: correlationId,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = {};
      }
      return { status: res.status, body: parsed };
    },
  };
}
export type PortalClient = ReturnType<typeof createPortalClient>;
