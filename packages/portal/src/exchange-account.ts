import type { TAccountOrder } from '@delta/contracts';
import { type DeltaOrder, DeltaReadClient } from '@delta/delta-client';
import { AppError } from '@delta/server-kit';
import type { Vault } from './vault.ts';

type Opened = Awaited<ReturnType<Vault['store']['openForUse']>>;

/** The vault will not open this credential: revoked, or not this customer's. */
export class CredentialRefused extends Error {
  constructor(readonly reason: 'credential_revoked' | 'credential_not_found') {
    super(reason);
  }
}

/** Opens a stored key for server-side use (memory only); a revoked or another customer's one is refused. */
export async function openCredential(
  vault: Vault,
  credentialRef: string,
  customerId: string,
): Promise<Opened> {
  let opened: Opened;
  try {
    opened = await vault.store.openForUse(credentialRef, { customerId });
  } catch (err) {
    if (
      err instanceof AppError &&
      (err.reason === 'credential_revoked' || err.reason === 'credential_not_found')
    )
      throw new CredentialRefused(err.reason);
    throw err;
  }
  if (opened.metadata.state !== 'active') throw new CredentialRefused('credential_revoked');
  return opened;
}

/**
 * A client for reading a customer's exchange account with the key the portal keeps. The key stays in this
 * process; the caller learns only what it reads.
 */
export function accountClient(opened: Opened, paperUrl: string): DeltaReadClient {
  return new DeltaReadClient({
    preset: opened.metadata.environment,
    baseUrl: opened.metadata.environment === 'paper' ? paperUrl : undefined,
    credentials: { apiKey: opened.credential.apiKey, apiSecret: opened.credential.apiSecret },
    timeoutMs: 5_000,
  });
}

/** An order as Plant's plans see it: the exchange's own fields, ids as strings. */
export function accountOrder(o: DeltaOrder): TAccountOrder {
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
