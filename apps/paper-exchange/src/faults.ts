import { z } from 'zod';

/**
 * Faults injected for the next N matching requests, so tests can prove exactly-once behaviour:
 * - latency: hold the request `latency_ms` before handling it (it is still processed);
 * - 5xx: answer `status` without processing, or after processing when `after_accept` is true;
 * - 429: answer 429 with `X-RATE-LIMIT-RESET: reset_ms` without processing;
 * - drop: process the request, then destroy the connection without answering.
 */
export const ZFaultSpec = z.strictObject({
  mode: z.enum(['latency', '5xx', '429', 'drop']),
  count: z.number().int().min(1).max(10_000).default(1),
  method: z.string().min(1).max(16).toUpperCase().default('POST'),
  /** A route template (`/v2/orders/:order_id`) or a literal path; default the place-order route. */
  path: z.string().startsWith('/').max(512).default('/v2/orders'),
  latency_ms: z.number().int().min(0).max(60_000).default(1_000),
  status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).default(503),
  after_accept: z.boolean().default(false),
  reset_ms: z.number().int().min(1).max(300_000).default(200),
});
export type FaultSpec = z.infer<typeof ZFaultSpec>;
export type FaultInput = z.input<typeof ZFaultSpec>;

export interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number;
}

export class FaultInjector {
  private readonly faults: ActiveFault[] = [];
  private nextId = 1;

  add(input: FaultInput): ActiveFault {
    const spec = ZFaultSpec.parse(input);
    const fault = { ...spec, id: this.nextId++, remaining: spec.count };
    this.faults.push(fault);
    return fault;
  }

  /** Claims one use of the first fault matching this request, if any. */
  take(method: string, routeUrl: string | undefined, path: string): ActiveFault | undefined {
    const i = this.faults.findIndex(
      (f) => f.method === method && (f.path === routeUrl || f.path === path) && f.remaining > 0,
    );
    if (i < 0) return undefined;
    const fault = this.faults[i]!;
    fault.remaining--;
    if (fault.remaining === 0) this.faults.splice(i, 1);
    return fault;
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults.length = 0;
  }
}
