import { describe, expect, it } from 'vitest';
import { DeltaConfigError, DeltaReadClient, DeltaTradingClient } from './index.ts';
import { resolveBaseUrl } from './presets.ts';
import { buildQuery, maskKey, prehash, sign } from './signing.ts';

const SECRET = '7b6f39dcf660ec1c7c664f612c60410a2bd0c258416b498bf0311f94228f';
const TS = '1542110948';

describe('signing (shared vectors)', () => {
  it('signs a GET with its query', () => {
    const input = {
      method: 'GET',
      timestamp: TS,
      path: '/v2/orders',
      query: '?product_id=1&state=open',
      body: '',
    };
    expect(prehash(input)).toBe('GET1542110948/v2/orders?product_id=1&state=open');
    expect(sign(SECRET, input)).toBe('4e38dda3e6477092f360ba70399266d8145630b22bcc34c0ec7f804d5746877a');
  });

  it('signs a POST with its exact body', () => {
    const body = '{"order_type":"limit_order","size":3,"side":"buy","limit_price":"0.0005","product_id":16}';
    const input = { method: 'POST', timestamp: TS, path: '/v2/orders', query: '', body };
    expect(sign(SECRET, input)).toBe('21227523c4a51990f857251a8397466b975c46d9afecc62db9abbe5a92f43964');
  });

  it('signs the websocket key-auth message', () => {
    const input = { method: 'GET', timestamp: TS, path: '/live', query: '', body: '' };
    expect(sign(SECRET, input)).toBe('ded5dbc0ebdbfba13e67d156ae2ed86a674396b933d27b3062b43848e3d6cf61');
  });

  it('builds the query once, dropping empty values, keeping the caller order', () => {
    expect(buildQuery({ product_id: 1, state: 'open' })).toBe('?product_id=1&state=open');
    expect(buildQuery({ expiry: '', x: null, y: undefined })).toBe('');
    expect(buildQuery({ product_ids: [27, 3136], q: 'a b&c' })).toBe('?product_ids=27%2C3136&q=a%20b%26c');
  });

  it('masks keys', () => {
    expect(maskKey('abcdef123456')).toBe('abcd****');
    expect(maskKey('abc')).toBe('****');
  });
});

describe('presets', () => {
  it('knows India and its testnet, and needs a URL for paper', () => {
    expect(resolveBaseUrl('india')).toBe('https://api.india.delta.exchange');
    expect(resolveBaseUrl('india-testnet')).toBe('https://cdn-ind.testnet.deltaex.org');
    expect(() => resolveBaseUrl('paper')).toThrow(DeltaConfigError);
    expect(resolveBaseUrl('paper', 'http://127.0.0.1:8400/')).toBe('http://127.0.0.1:8400');
  });

  it('refuses the Global host under any preset', () => {
    expect(() => resolveBaseUrl('paper', 'https://api.delta.exchange')).toThrow(/Global/);
    expect(() => resolveBaseUrl('india', 'https://api.delta.exchange')).toThrow(DeltaConfigError);
    expect(() => new DeltaTradingClient({ preset: 'paper', baseUrl: 'https://API.DELTA.EXCHANGE' })).toThrow(
      /Global/,
    );
    expect(() => new DeltaReadClient({ preset: 'paper', baseUrl: 'https://api.delta.exchange' })).toThrow(
      /Global/,
    );
  });
});
