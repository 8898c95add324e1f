import {
  CANDLE_RESOLUTIONS,
  MAX_CANDLES,
  type TCandleResolution,
  type TExchangeEnvironment,
  ZCandleList,
  ZCredentialRef,
} from '@delta/contracts';
import { DeltaError, DeltaReadClient } from '@delta/delta-client';
import type { Vault } from '@delta/portal';
import { type App, AppError, problem } from '@delta/server-kit';
import { z } from 'zod';
import { requireUser } from '../auth/session-plugin.ts';

/** A product symbol, or `MARK:` + a product symbol for mark-price candles. */
const ZMarketSymbol = z
  .string()
  .regex(/^(MARK:)?[A-Z0-9]{2,24}$/, 'a product symbol such as BTCUSD, or MARK:BTCUSD for mark prices');

const RESOLUTIONS = Object.keys(CANDLE_RESOLUTIONS) as [TCandleResolution, ...TCandleResolution[]];
const ZUnixSeconds = z.coerce.number().int().min(1_500_000_000).max(4_102_444_800);

export const ZCandlesQuery = z
  .strictObject({
    resolution: z.enum(RESOLUTIONS).default('1m'),
    /** Unix seconds; default: `end` minus 6 hours (at most 2000 candles before `end`). */
    start: ZUnixSeconds.optional(),
    /** Unix seconds; default: now. */
    end: ZUnixSeconds.optional(),
    /** Read the market of this account's exchange (paper, testnet or live); default: the paper exchange. */
    credential_ref: ZCredentialRef.optional(),
  })
  .superRefine((q, ctx) => {
    if (q.start !== undefined && q.end !== undefined && q.start >= q.end) {
      ctx.addIssue({ code: 'custom', path: ['start'], message: 'start must be before end' });
    }
    if (q.end !== undefined && q.end > Date.now() / 1000 + 3_600) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must not be more than an hour ahead' });
    }
    if (q.start !== undefined && q.end !== undefined) {
      const n = (q.end - q.start) / CANDLE_RESOLUTIONS[q.resolution];
      if (n > MAX_CANDLES) {
        ctx.addIssue({
          code: 'custom',
          path: ['start'],
          message: `at most ${MAX_CANDLES} candles per request (${Math.ceil(n)} asked for): a later start or a coarser resolution`,
        });
      }
    }
  });

/**
 * Public market data for the Positions chart: OHLC candles from the exchange (`/v2/history/candles`), read with
 * no key. What the mark chart starts from before live marks extend its last candle.
 */
export function registerMarketRoutes(app: App, deps: { paperUrl: string; vault: Vault }) {
  app.get(
    '/api/markets/:symbol/candles',
    {
      schema: {
        tags: ['positions'],
        params: z.strictObject({ symbol: ZMarketSymbol }),
        querystring: ZCandlesQuery,
        response: { 200: ZCandleList },
      },
    },
    async (request) => {
      requireUser(request);
      const q = request.query;
      const res = CANDLE_RESOLUTIONS[q.resolution];
      const end = q.end ?? Math.floor(Date.now() / 1000);
      // With one side given, the other follows; never more than 2000 candles (the latest of the range).
      const start = Math.max(q.start ?? end - 6 * 3_600, end - MAX_CANDLES * res);
      if (start >= end) {
        throw AppError.validation([
          { path: 'start', code: 'custom', message: 'start must be before end (default: now)' },
        ]);
      }
      let environment: TExchangeEnvironment = 'paper';
      if (q.credential_ref) {
        const meta = await deps.vault.store.getMetadata(q.credential_ref);
        if (!meta) throw problem('credential_not_found', 'No credential with this reference.');
        environment = meta.environment;
      }
      const client = new DeltaReadClient({
        preset: environment,
        baseUrl: environment === 'paper' ? deps.paperUrl : undefined,
        timeoutMs: 5_000,
      });
      const symbol = request.params.symbol;
      try {
        const candles = await client.candles(
          { symbol, resolution: q.resolution, start, end },
          { correlationId: request.correlationId },
        );
        return {
          symbol,
          resolution: q.resolution,
          start,
          end,
          candles: candles.map((c) => ({
            time: c.time,
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume ?? null,
          })),
        };
      } catch (err) {
        if (err instanceof DeltaError && (err.kind === 'not_found' || err.code === 'invalid_contract')) {
          throw problem('unknown_product', `The exchange lists no product ${symbol}.`);
        }
        if (err instanceof DeltaError) {
          throw problem('market_data_unavailable', `The exchange’s candles could not be read (${err.kind}).`);
        }
        throw err;
      }
    },
  );
}
