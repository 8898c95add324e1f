import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import { launchChromium } from '../../e2e/stack.ts';
import type { BenchCase } from '../harness.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every script and stylesheet the page's HTML loads before anything is lazy-loaded. */
function initialAssets(dist: string): { js: string[]; css: string[] } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const attr = (re: RegExp) => [...html.matchAll(re)].map((m) => join(dist, m[1]!));
  return {
    js: [...attr(/<script[^>]+src="([^"]+)"/g), ...attr(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)],
    css: attr(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g),
  };
}

const gz = (files: string[]) => files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);

/**
 * Each portal's initial JavaScript (gzipped; target ≤ 200 KB) and first contentful paint of its first page in
 * headless Chromium over loopback (built files served statically). Only PP has a web app so far.
 */
export default {
  name: 'portal-web',
  description:
    'portal web apps: initial JS gzipped (target ≤ 200 KB) and first contentful paint in headless Chromium',
  async run(h) {
    const web = join(root, 'apps', 'pp-web');
    const build = spawnSync(
      process.execPath,
      [join(root, 'node_modules/vite/bin/vite.js'), 'build', web, '--logLevel', 'error'],
      {
        stdio: 'inherit',
      },
    );
    if (build.status !== 0) throw new Error('pp-web build failed');
    const dist = join(web, 'dist');
    const assets = initialAssets(dist);
    const js = gz(assets.js);
    const css = gz(assets.css);
    const rawJs = assets.js.reduce((n, f) => n + statSync(f).size, 0);
    h.note(
      `PP initial JS ${(js / 1024).toFixed(1)} KB gzipped (${(rawJs / 1024).toFixed(0)} KB raw) + CSS ${(css / 1024).toFixed(1)} KB gzipped — target ≤ 200 KB: ${js <= 200 * 1024 ? 'met' : 'NOT met'}`,
    );

    const server = Fastify();
    await server.register(fastifyStatic, { root: dist });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}/`;
    const browser = await launchChromium();
    try {
      const fcps: number[] = [];
      for (let i = 0; i < 7; i++) {
        const context = await browser.newContext(); // cold cache each time
        const page = await context.newPage();
        await page.goto(url, { waitUntil: 'load' });
        const fcp = await page.evaluate(
          () =>
            new Promise<number>((resolve) => {
              const hit = performance.getEntriesByName('first-contentful-paint')[0];
              if (hit) return resolve(hit.startTime);
              new PerformanceObserver((list) => resolve(list.getEntries()[0]!.startTime)).observe({
                type: 'paint',
                buffered: true,
              });
            }),
        );
        fcps.push(fcp);
        await context.close();
      }
      fcps.sort((a, b) => a - b);
      h.note(
        `PP first contentful paint (login page, cold cache, loopback): median ${fcps[3]!.toFixed(0)} ms, worst ${fcps[6]!.toFixed(0)} ms of 7`,
      );
      h.note('CP has no web app yet (a later issue): nothing to measure.');
    } finally {
      await browser.close();
      await server.close();
    }
  },
} satisfies BenchCase;
