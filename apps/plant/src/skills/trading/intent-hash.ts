import type { TTradeAction } from '@delta/contracts';
import { canonicalJson, sha256Hex } from '../../audit/canonical-json.ts';

/** Every field an approval binds to. Change any of them and the hash — and so the approval — no longer matches. */
export interface TradeIntent {
  customer_id: string;
  hired_agent_id: string;
  exchange_account_id: string;
  coin: string;
  product_id: number;
  product_symbol: string;
  /** For a cancel: the direction of the order it cancels (long = buy, short = sell). */
  side: 'long' | 'short';
  action: 'enter' | 'exit' | 'cancel';
  intent_action: TTradeAction;
  /** For a cancel: the size the order was placed with. */
  units: number;
  order_type: 'limit' | 'market';
  /** Canonical decimal string ("65000.5", never "65000.50"), or null for market orders. */
  limit_price: string | null;
  /** For a cancel: the exchange order it cancels (absent otherwise, so placement hashes stay as they were). */
  order_id?: string;
}

/**
 * SHA-256 over a versioned canonical encoding. Numbers are encoded as decimal strings so the encoding never
 * depends on a JSON number formatter.
 */
export function intentHash(intent: TradeIntent): string {
  return sha256Hex(
    canonicalJson({
      v: 'trade-intent/1',
      ...intent,
      product_id: String(intent.product_id),
      units: String(intent.units),
    }),
  );
}
