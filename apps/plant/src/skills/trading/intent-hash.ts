import type { TTradeIntent } from '@delta/contracts';
import { canonicalJson, sha256Hex } from '../../audit/canonical-json.ts';

/**
 * SHA-256 over a versioned canonical encoding of the intent (ZTradeIntent in @delta/contracts: every field an
 * approval binds to). Numbers are encoded as decimal strings so the encoding never depends on a JSON number
 * formatter; `order_id` (a cancel) and `price_band` are in the encoding only when present, so hashes without them
 * are what they always were.
 */
export function intentHash(intent: TTradeIntent): string {
  return sha256Hex(
    canonicalJson({
      v: 'trade-intent/1',
      ...intent,
      product_id: String(intent.product_id),
      units: String(intent.units),
      ...(intent.price_band === undefined
        ? {}
        : {
            price_band: {
              reference_price: intent.price_band.reference_price,
              max_move_bps: String(intent.price_band.max_move_bps),
            },
          }),
    }),
  );
}
