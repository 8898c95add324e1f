/**
 * Credential bundles that came back with an approval's consumption (one call to the portal instead of two),
 * held in memory until the executor of the same request takes them. Only the portal's answer is kept — a JWE
 * encrypted to Plant's key, bound to one approval and one credential, living ≤ 60 s — never opened keys.
 * Taking removes the entry; an entry nobody takes (e.g. the risk re-check denied the trade) expires with its
 * bundle and is swept on later puts.
 */
export interface BundleAnswer {
  credential_bundle: string;
  environment: string;
  expires_at: string;
}

export interface PrefetchedBundles {
  put(approvalId: string, credentialRef: string, answer: BundleAnswer): void;
  /** The bundle for exactly this approval and credential, if one is held and not expired. */
  take(approvalId: string, credentialRef: string): BundleAnswer | undefined;
  readonly size: number;
}

export function createPrefetchedBundles(
  options: { maxEntries?: number; now?: () => number } = {},
): PrefetchedBundles {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const held = new Map<string, { credentialRef: string; answer: BundleAnswer; expiresAt: number }>();
  const sweep = () => {
    const t = now();
    for (const [id, e] of held) if (e.expiresAt <= t) held.delete(id);
  };
  return {
    put(approvalId, credentialRef, answer) {
      const expiresAt = Date.parse(answer.expires_at);
      if (!Number.isFinite(expiresAt) || expiresAt <= now()) return;
      if (held.size >= maxEntries) sweep();
      // Still full of live bundles: drop this one; the executor then fetches a bundle the usual way.
      if (held.size >= maxEntries) return;
      held.set(approvalId, { credentialRef, answer, expiresAt });
    },
    take(approvalId, credentialRef) {
      const e = held.get(approvalId);
      if (!e) return undefined;
      held.delete(approvalId);
      if (e.credentialRef !== credentialRef || e.expiresAt <= now()) return undefined;
      return e.answer;
    },
    get size() {
      return held.size;
    },
  };
}
