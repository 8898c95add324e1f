import type { Market } from './market.ts';

export interface PathInfo {
  product_id: number;
  from: number;
  to: number;
  over_ms: number;
  steps: number;
  ends_at: number;
}

interface Running {
  timer: NodeJS.Timeout | undefined;
  cancelled: boolean;
  done: Promise<void>;
  resolve: () => void;
}

/**
 * Scripted moves for tests and demos ("drop 3 % over 60 s"): the mark travels geometrically from where it is to
 * the target in small steps (at most 4 a second), each step a real move (stops, resting orders, liquidations
 * react). Meanwhile the random walk leaves that product alone; afterwards it carries on from the target.
 */
export class ScriptedPaths {
  private readonly running = new Map<number, Running>();

  constructor(
    private readonly market: Market,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(productId: number, target: number, overMs: number): PathInfo {
    this.cancel(productId);
    const from = this.market.mark(productId);
    const steps = Math.max(1, Math.min(240, Math.ceil(overMs / 250)));
    const every = overMs / steps;
    const run: Running = { timer: undefined, cancelled: false, done: Promise.resolve(), resolve: () => {} };
    this.running.set(productId, run);
    this.market.setScripted(productId, true);
    run.done = new Promise<void>((resolve) => {
      run.resolve = resolve;
      let k = 0;
      const next = () => {
        if (run.cancelled) return resolve();
        k++;
        const price = from * (target / from) ** (k / steps);
        this.market
          .setMark(productId, k === steps ? target : price)
          .catch(this.onError)
          .finally(() => {
            if (k >= steps || run.cancelled) {
              if (this.running.get(productId) === run) {
                this.running.delete(productId);
                this.market.setScripted(productId, false);
              }
              resolve();
              return;
            }
            run.timer = setTimeout(next, every);
            run.timer.unref();
          });
      };
      run.timer = setTimeout(next, every);
      run.timer.unref();
    });
    return { product_id: productId, from, to: target, over_ms: overMs, steps, ends_at: Date.now() + overMs };
  }

  /** Resolves when the product's current path has arrived (at once when there is none). */
  settled(productId: number): Promise<void> {
    return this.running.get(productId)?.done ?? Promise.resolve();
  }

  private cancel(productId: number): void {
    const r = this.running.get(productId);
    if (!r) return;
    r.cancelled = true;
    if (r.timer) clearTimeout(r.timer);
    r.resolve();
    this.running.delete(productId);
    this.market.setScripted(productId, false);
  }

  stopAll(): void {
    for (const id of [...this.running.keys()]) this.cancel(id);
  }
}
