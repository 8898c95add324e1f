import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPlantClient } from '@delta/portal';
import { AppError } from '@delta/server-kit';
import { ephemeralServiceKeys } from '@delta/service-auth';
import { freePort } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const principal = { kind: 'ops', user_id: 'u-1', role: 'operator' } as const;
const correlationId = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
/** What the stand-in gateway answers (the client parses every answer with its contract). */
const answer = z.object({ ok: z.boolean() });

/** A stand-in gateway on a real socket: answers in full, or cuts its answer short. */
let server: http.Server;
let gatewayUrl: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/cut')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.destroy(), 20);
      return;
    }
    if (req.url?.startsWith('/api/v1/odd')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":"yes","intent_hash":5}');
      return;
    }
    if (req.url?.startsWith('/api/v1/oops')) {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<h1>proxy error</h1>');
      return;
    }
    if (req.url?.startsWith('/api/v1/refused')) {
      res.writeHead(403, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({
          type: 'urn:x',
          title: 'Forbidden',
          status: 403,
          detail: 'no',
          reason: 'role_forbidden',
          correlation_id: correlationId,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail('expected the call to fail'),
    (err: unknown) => err,
  );
}

describe("PP's Plant client labels only remote failures as Plant being unavailable", () => {
  it('answers through the gateway', async () => {
    const plant = createPlantClient({ gatewayUrl, keys: await ephemeralServiceKeys('pp'), issuer: 'pp' });
    const r = await plant.call('GET', '/api/v1/customers', { principal, correlationId, answer });
    expect(r).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('a gateway that cannot be reached, or cuts its answer short, is 502 plant_unavailable', async () => {
    const keys = await ephemeralServiceKeys('pp');
    const down = createPlantClient({
      gatewayUrl: `http://127.0.0.1:${await freePort()}`,
      keys,
      issuer: 'pp',
    });
    const e1 = await failure(down.call('GET', '/api/v1/customers', { principal, correlationId, answer }));
    expect(e1).toBeInstanceOf(AppError);
    expect(e1).toMatchObject({ status: 502, reason: 'plant_unavailable' });

    const plant = createPlantClient({ gatewayUrl, keys, issuer: 'pp' });
    const e2 = await failure(plant.call('GET', '/api/v1/cut', { principal, correlationId, answer }));
    expect(e2).toMatchObject({ status: 502, reason: 'plant_unavailable' });
  });

  it('a fault of the request PP builds (here an invalid header value) is not reported as Plant being down', async () => {
    const plant = createPlantClient({ gatewayUrl, keys: await ephemeralServiceKeys('pp'), issuer: 'pp' });
    const err = await failure(
      plant.call('GET', '/api/v1/customers', { principal, correlationId: 'bad\r\ninjected: 1', answer }),
    );
    expect(err).not.toMatchObject({ reason: 'plant_unavailable' });
    expect(err).toBeInstanceOf(TypeError);
  });
});

describe("PP's Plant client sends a path exactly as built", () => {
  it('refuses dot segments (plain or encoded) before anything is sent', async () => {
    const seen: string[] = [];
    const recorder = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
    try {
      const plant = createPlantClient({
        gatewayUrl: `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`,
        keys: await ephemeralServiceKeys('pp'),
        issuer: 'pp',
      });
      for (const path of [
        '/api/v1/hired-agents/../customers',
        '/api/v1/hired-agents/./setup',
        '/api/v1/hired-agents/%2e%2e/customers',
        '/api/v1/a/..',
      ]) {
        const err = await failure(
          plant.call('GET', path, { principal, correlationId, answer: z.object({}) }),
        );
        expect(err, path).toMatchObject({ status: 400, reason: 'path_not_canonical' });
      }
      expect(seen).toEqual([]);
      await plant.call('GET', '/api/v1/customers', { principal, correlationId, answer: z.object({}) });
      expect(seen).toEqual(['/api/v1/customers']);
    } finally {
      await new Promise((r) => recorder.close(r));
    }
  });

  it('acts on nothing unchecked: an answer its contract does not allow, or an error without a problem document, is 502 plant_bad_response', async () => {
    const plant = createPlantClient({ gatewayUrl, keys: await ephemeralServiceKeys('pp'), issuer: 'pp' });
    const odd = await failure(plant.call('GET', '/api/v1/odd', { principal, correlationId, answer }));
    expect(odd).toMatchObject({ status: 502, reason: 'plant_bad_response' });
    const oops = await failure(plant.call('GET', '/api/v1/oops', { principal, correlationId, answer }));
    expect(oops).toMatchObject({ status: 502, reason: 'plant_bad_response' });
    // A refusal is passed on as Plant's own problem, reason and correlation id intact.
    const refused = await plant.call('GET', '/api/v1/refused', { principal, correlationId, answer });
    expect(refused).toMatchObject({
      ok: false,
      status: 403,
      body: { reason: 'role_forbidden', correlation_id: correlationId },
    });
  });
});
