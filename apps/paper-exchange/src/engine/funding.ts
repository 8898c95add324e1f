import { dec } from '../format.ts';
import { productById } from '../market/products.ts';
import { lockAccount } from './accounts.ts';
import { type Engine, inTx } from './engine.ts';
import { positionFor } from './fills.ts';
import { post } from './ledger.ts';

/**
 * One funding exchange on a product: every open position pays or receives size × contract value × mark × rate
 * (rate in percent; a positive rate makes longs pay shorts). Booked to the wallet as a `funding` transaction and
 * to the position's `realized_funding`. Funding is not a fill: Delta shows it in the wallet's transaction log.
 */
export async function exchangeFunding(e: Engine, productId: number, ratePct: number): Promise<number> {
  const p = productById(productId);
  if (!p) return 0;
  const mark = e.market.mark(productId);
  const holders = await e.db.query<{ account_id: string }>(
    'SELECT account_id FROM px_positions WHERE product_id = $1 AND size <> 0 ORDER BY account_id',
    [productId],
  );
  let paid = 0;
  for (const h of holders.rows) {
    await inTx(e, async (tx, ctx) => {
      await lockAccount(tx, h.account_id);
      const pos = await positionFor(tx, h.account_id, productId);
      if (pos.size === 0) return;
      const amount = Number(dec(-(pos.size * p.contractValue * mark * ratePct) / 100, 8));
      await post(tx, h.account_id, {
        type: 'funding',
        amount,
        productId,
        meta: { funding_rate: dec(ratePct, 10), mark_price: dec(mark), position_size: pos.size },
      });
      await tx.query(
        `UPDATE px_positions SET realized_funding = realized_funding + $3, updated_at = clock_timestamp()
         WHERE account_id = $1 AND product_id = $2`,
        [h.account_id, productId, dec(amount, 8)],
      );
      ctx.fx.position(h.account_id, productId);
      paid++;
    });
  }
  return paid;
}
