import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeltaTradingClient } from '../src/index.ts';
import { clientFor, type Harness, startHarness } from './support.ts';

let h: Harness;
let client: DeltaTradingClient;

beforeAll(async () => {
  h = await startHarness();
  ({ client } = await clientFor(h.px));
});
afterAll(() => h?.close());

describe('signing against the exchange (property)', () => {
  it('every query and body the client signs and sends is accepted by the exchange', async () => {
    const text = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(text, fc.integer()), {
          maxKeys: 4,
        }),
        fc.dictionary(
          fc.string({ maxLength: 8 }),
          fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)),
          {
            maxKeys: 4,
          },
        ),
        async (query, extra) => {
          const get = await client.sendOnce({ method: 'GET', path: '/v2/profile', query });
          expect(get.kind === 'response' && get.status).toBe(200);
          // Arbitrary members (unicode, escapes) must verify; the order is then refused for its schema (size 0),
          // never for its signature.
          const body = { ...extra, product_id: 27, side: 'buy', size: 0 };
          const post = await client.sendOnce({ method: 'POST', path: '/v2/orders', body });
          expect(post.kind === 'response' && post.status).toBe(400);
          expect(post.kind === 'response' && post.text).toContain('bad_schema');
        },
      ),
      { numRuns: 60 },
    );
  });
});
