import { createApp, createLogger } from '@delta/server-kit';
import Fastify from 'fastify';
import { z } from 'zod';
import type { BenchCase } from '../harness.ts';

/** What the kit adds per request (correlation id, zod validation + serialization, helmet, logging) vs bare Fastify. */
export default {
  name: 'kit-route',
  description:
    'POST with a 3-field JSON body: kit-built app (zod, correlation id, helmet, JSON logs) vs bare Fastify',
  async run(h) {
    const body = JSON.stringify({ coin: 'BTC', units: 2, side: 'long' });
    const bare = Fastify();
    bare.post('/echo', async (req) => ({ ok: true, got: req.body }));
    await bare.listen({ port: 0, host: '127.0.0.1' });

    const kit = await createApp({
      service: 'bench',
      logger: createLogger({ service: 'bench', level: 'info', destination: { write: () => true } }),
      docs: false,
    });
    const Z = z.strictObject({
      coin: z.enum(['BTC', 'ETH']),
      units: z.number().int().min(1),
      side: z.enum(['long', 'short']),
    });
    kit.post(
      '/echo',
      { schema: { body: Z, response: { 200: z.object({ ok: z.boolean(), got: Z }) } } },
      async (req) => ({
        ok: true,
        got: req.body,
      }),
    );
    await kit.listen({ port: 0, host: '127.0.0.1' });

    const url = (a: { server: { address(): unknown } }) => {
      const addr = a.server.address() as { port: number };
      return `http://127.0.0.1:${addr.port}/echo`;
    };
    const post = (u: string) => async () => {
      const r = await fetch(u, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      if (r.status !== 200) throw new Error(String(r.status));
      await r.arrayBuffer();
    };
    for (const concurrency of [1, 16]) {
      const opts = { concurrency, operations: 4000 };
      const base = await h.measure('bare fastify route', opts, post(url(bare)));
      const subject = await h.measure('kit route', opts, post(url(kit)));
      h.compare(subject, base, { text: 'p50 ≤ 2× bare', met: (c) => c.p50_ratio <= 2 });
    }
    await kit.close();
    await bare.close();
  },
} satisfies BenchCase;
