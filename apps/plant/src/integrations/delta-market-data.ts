import { type DeltaPreset, type DeltaProduct, DeltaReadClient } from '@delta/delta-client';
import { type MarketData, MarketDataUnavailableError, type ProductSpec } from './market-data.ts';

const DECIMAL = /^(0|[1-9]\d{0,14})(\.\d{1,8})?$/;

/** A Delta perpetual as the trading skill sees it; initial margin % gives the maximum leverage. */
export function toProductSpec(p: DeltaProduct): ProductSpec | undefined {
  const underlying = p.underlying_asset?.symbol;
  if (p.contract_type !== 'perpetual_futures' || !underlying) return undefined;
  if (!DECIMAL.test(p.contract_value) || !DECIMAL.test(p.tick_size)) return undefined;
  const im =
    p.initial_margin && DECIMAL.test(p.initial_margin) && Number(p.initial_margin) > 0
      ? p.initial_margin
      : '0.5';
  const maxLeverage = Math.max(1, Math.floor(100 / Number(im)));
  const state = p.state === 'live' || p.state === 'expired' || p.state === 'upcoming' ? p.state : 'expired';
  return {
    id: p.id,
    symbol: p.symbol,
    underlying_asset: underlying,
    contract_value: p.contract_value,
    tick_size: p.tick_size,
    initial_margin: im,
    default_leverage: Math.min(10, maxLeverage),
    max_leverage: maxLeverage,
    ...(p.price_band && DECIMAL.test(p.price_band) && Number(p.price_band) > 0
      ? { price_band_pct: p.price_band }
      : {}),
    state,
  };
}

/**
 * Market data from the exchange's public endpoints (no keys): the perpetuals catalogue, refreshed every
 * `catalogueTtlMs`, and mark prices cached for `priceTtlMs` so a burst of drafts costs one ticker call.
 */
export function createDeltaMarketData(options: {
  preset: DeltaPreset;
  baseUrl?: string;
  catalogueTtlMs?: number;
  priceTtlMs?: number;
  client?: DeltaReadClient;
}): MarketData {
  const client =
    options.client ??
    new DeltaReadClient({ preset: options.preset, baseUrl: options.baseUrl, timeoutMs: 3_000 });
  let catalogue: { at: number; byCoin: Map<string, ProductSpec> } | undefined;
  let loading: Promise<Map<string, ProductSpec>> | undefined;
  const prices = new Map<string, { at: number; price: Promise<string> }>();

  async function products(): Promise<Map<string, ProductSpec>> {
    if (catalogue && Date.now() - catalogue.at < (options.catalogueTtlMs ?? 60_000)) return catalogue.byCoin;
    loading ??= (async () => {
      try {
        const page = await client.products({ contract_types: ['perpetual_futures'] });
        const byCoin = new Map<string, ProductSpec>();
        for (const p of page) {
          const spec = toProductSpec(p);
          // One perpetual per coin: prefer the USD-quoted live one.
          if (
            spec &&
            spec.state === 'live' &&
            (!byCoin.has(spec.underlying_asset) || spec.symbol.endsWith('USD'))
          ) {
            byCoin.set(spec.underlying_asset, spec);
          }
        }
        catalogue = { at: Date.now(), byCoin };
        return byCoin;
      } catch (err) {
        if (catalogue) return catalogue.byCoin; // stale beats nothing for the product specs
        throw new MarketDataUnavailableError(
          `The exchange's product catalogue could not be loaded (${(err as Error).name}).`,
        );
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  return {
    async productForCoin(coin) {
      return (await products()).get(coin);
    },
    async markPrice(symbol) {
      const hit = prices.get(symbol);
      if (hit && Date.now() - hit.at < (options.priceTtlMs ?? 500)) return hit.price;
      const price = (async () => {
        let ticker: Awaited<ReturnType<DeltaReadClient['ticker']>>;
        try {
          ticker = await client.ticker(symbol);
        } catch (err) {
          prices.delete(symbol);
          throw new MarketDataUnavailableError(
            `The mark price of ${symbol} could not be fetched (${(err as Error).name}).`,
          );
        }
        const mark = ticker?.mark_price;
        if (!mark || !DECIMAL.test(mark) || !/[1-9]/.test(mark)) {
          prices.delete(symbol);
          throw new MarketDataUnavailableError(`No usable mark price for ${symbol} right now.`);
        }
        return mark;
      })();
      prices.set(symbol, { at: Date.now(), price });
      return price;
    },
  };
}
