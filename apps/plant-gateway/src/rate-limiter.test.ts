import { RateLimiterMemory } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCallerLimiter } from './rate-limiter.ts';

describe('caller rate limit (rate-limiter-flexible)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows the burst, then refuses until the window of burst / rate seconds ends; other callers unaffected', async () => {
    const limiter = createCallerLimiter({ perSecond: 2, burst: 3 });
    expect(await Promise.all([1, 2, 3].map(() => limiter.take('a')))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(await limiter.take('a')).toBeCloseTo(1.5);
    expect(await limiter.take('b')).toBeUndefined();
    vi.advanceTimersByTime(500);
    expect(await limiter.take('a')).toBeCloseTo(1);
    vi.advanceTimersByTime(1000);
    expect(await limiter.take('a')).toBeUndefined();
    expect(await createCallerLimiter({ perSecond: 0, burst: 1 }).take('a')).toBeUndefined();
  });

  it('runs on whichever store it is given, and lets a store failure through rather than calling it a verdict', async () => {
    const seen: unknown[] = [];
    const limiter = createCallerLimiter({ perSecond: 50, burst: 100 }, (options) => {
      seen.push(options);
      return new RateLimiterMemory(options);
    });
    expect(await limiter.take('a')).toBeUndefined();
    expect(seen).toEqual([{ keyPrefix: 'gateway-caller', points: 100, duration: 2 }]);
    const down = createCallerLimiter({ perSecond: 1, burst: 1 }, () => ({
      consume: () => Promise.reject(new Error('store unreachable')),
    }));
    await expect(down.take('a')).rejects.toThrow('store unreachable');
  });
});
