import { describe, expect, it } from 'vitest';
import { createPrefetchedBundles } from './prefetched-bundles.ts';

const at = (ms: number) => new Date(ms).toISOString();

describe('prefetched credential bundles (held per approval and credential)', () => {
  it('are taken once, only for the same approval and credential, and never after expiry', () => {
    let now = 1_000_000;
    const held = createPrefetchedBundles<string>({ now: () => now });
    held.put('apr_1', 'cred_pp_1', at(now + 30_000), 'one');
    expect(held.take('apr_1', 'cred_pp_other')).toBeUndefined(); // another credential: refused (and dropped)
    expect(held.take('apr_1', 'cred_pp_1')).toBeUndefined();

    held.put('apr_2', 'cred_pp_1', at(now + 30_000), 'two');
    expect(held.take('apr_2', 'cred_pp_1')).toBe('two');
    expect(held.take('apr_2', 'cred_pp_1')).toBeUndefined(); // taken once

    held.put('apr_3', 'cred_pp_1', at(now + 30_000), 'three');
    now += 30_001;
    expect(held.take('apr_3', 'cred_pp_1')).toBeUndefined(); // expired with its bundle
    held.put('apr_4', 'cred_pp_1', at(now - 1), 'four'); // already expired: not held
    held.put('apr_5', 'cred_pp_1', 'not a date', 'five');
    expect(held.size).toBe(0);
  });

  it('stay bounded: expired entries are swept, and a full store of live ones holds no more', () => {
    let now = 0;
    const held = createPrefetchedBundles<string>({ maxEntries: 3, now: () => now });
    for (const id of ['a', 'b', 'c']) held.put(id, 'cred', at(now + 1_000), id);
    held.put('d', 'cred', at(now + 1_000), 'd');
    expect(held.size).toBe(3);
    expect(held.take('d', 'cred')).toBeUndefined();
    now += 2_000;
    held.put('e', 'cred', at(now + 1_000), 'e');
    expect(held.size).toBe(1);
    expect(held.take('e', 'cred')).toBeDefined();
  });
});
