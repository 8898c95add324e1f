/**
 * Credential bundles that came back with an approval's consumption (one call to the portal instead of two),
 * held in memory — already being opened — until the executor of the same request takes them. An entry is bound
 * to one approval and one credential and lives no longer than its bundle (≤ 60 s); taking removes it; one nobody
 * takes (e.g. the risk re-check denied the trade) is swept on later puts. Nothing here is ever written anywhere.
 */
export interface BundleAnswer {
  credential_bundle: string;
  environment: string;
  expires_at: string;
}

export interface PrefetchedBundles<T> {
  put(approvalId: string, credentialRef: string, expiresAt: string, value: T): void;
  /** What is held for exactly this approval and credential, if anything and not expired. */
  take(approvalId: string, credentialRef: string): T | undefined;
  readonly size: number;
}

export function createPrefetchedBundles<T>(
  options: { maxEntries?: number; now?: () => number } = {},
): PrefetchedBundles<T> {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const held = new Map<string, { credentialRef: string; value: T; expiresAt: number }>();
  const sweep = () => {
    const t = now();
    for (const [id, e] of held) if (e.expiresAt <= t) held.delete(id);
  };
  return {
    put(approvalId, credentialRef, expiresAtIso, value) {
      const expiresAt = Date.parse(expiresAtIso);
      if (!Number.isFinite(expiresAt) || expiresAt <= now()) return;
      if (held.size >= maxEntries) sweep();
      // Still full of live bundles: drop this one; the executor then fetches a bundle the usual way.
      if (held.size >= maxEntries) return;
      held.set(approvalId, { credentialRef, value, expiresAt });
    },
    take(approvalId, credentialRef) {
      const e = held.get(approvalId);
      if (!e) return undefined;
      held.delete(approvalId);
      if (e.credentialRef !== credentialRef || e.expiresAt <= now()) return undefined;
      return e.value;
    },
    get size() {
      return held.size;
    },
  };
}
