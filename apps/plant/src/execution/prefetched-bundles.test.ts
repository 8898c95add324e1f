import { describe, expect, it } from 'vitest';
import { createPrefetchedBundles } from './prefetched-bundles.ts';

const answer = (expiresAt: number, jwe = 'a.b.c.d.e') => ({
  credential_bundle: jwe,
  environment: 'paper',
  expires_at: new Date(expiresAt).toISOString(),
});

describe('prefetched credential bundles', () => {
  it('are taken once, only for the same approval and credential, and never after expiry', () => {
    let now = 1_000_000;
    const held = createPrefetchedBundles({ now: () => now });
    held.put('apr_1', 'cred_pp_1', answer(now + 30_000, 'one'));
    expect(held.take('apr_1', 'cred_pp_other')).toBeUndefined(); // another credential: refused (and dropped)
    expect(held.take('apr_1', 'cred_pp_1')).toBeUndefined();

    held.put('apr_2', 'cred_pp_1', answer(now + 30_000, 'two'));
    expect(held.take('apr_2', 'cred_pp_1')?.credential_bundle).toBe('two');
    expect(held.take('apr_2', 'cred_pp_1')).toBeUndefined(); // taken once

    held.put('apr_3', 'cred_pp_1', answer(now + 30_000));
    now += 30_001;
    expect(held.take('apr_3', 'cred_pp_1')).toBeUndefined(); // expired with its bundle
    held.put('apr_4', 'cred_pp_1', answer(now - 1)); // already expired: not held
    held.put('apr_5', 'cred_pp_1', { ...answer(now), expires_at: 'not a date' });
    expect(held.size).toBe(0);
  });

  it('stay bounded: expired entries are swept, and a full store of live ones holds no more', () => {
    let now = 0;
    const held = createPrefetchedBundles({ maxEntries: 3, now: () => now });
    for (const id of ['a', 'b', 'c']) held.put(id, 'cred', answer(now + 1_000));
    held.put('d', 'cred', answer(now + 1_000));
    expect(held.size).toBe(3);
    expect(held.take('d', 'cred')).toBeUndefined();
    now += 2_000;
    held.put('e', 'cred', answer(now + 1_000));
    expect(held.size).toBe(1);
    expect(held.take('e', 'cred')).toBeDefined();
  });
});
