/** CP serves its built web app from `/` (like PP): the page, its files, and the page again for client-side routes. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CpTestApp, startCp } from './cp-test-app.ts';

let cp: CpTestApp;

beforeAll(async () => {
  const web = mkdtempSync(join(tmpdir(), 'cp-web-'));
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(web, 'sw.js'), '// shell');
  writeFileSync(join(web, 'manifest.webmanifest'), '{"name":"CP"}');
  cp = await startCp({}, { webRoot: web });
});
afterAll(async () => {
  await cp?.close();
});

describe('the CP web app', () => {
  it('is served from /, with its service worker and manifest', async () => {
    const page = await cp.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="root"');
    const sw = await cp.app.inject({ method: 'GET', url: '/sw.js' });
    expect(sw.statusCode).toBe(200);
    expect((await cp.app.inject({ method: 'GET', url: '/manifest.webmanifest' })).statusCode).toBe(200);
  });

  it('answers an unknown page with the app, but never an API path', async () => {
    const deep = await cp.app.inject({ method: 'GET', url: '/inbox', headers: { accept: 'text/html' } });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('id="root"');
    const api = await cp.app.inject({ method: 'GET', url: '/api/nope', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toContain('application/problem+json');
  });
});
