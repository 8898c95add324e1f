import { describe, expect, it } from 'vitest';
import { expectedSignature, prehashOf, signatureMatches, timestampFresh } from './auth.ts';

const SECRET = '7b6f39dcf660ec1c7c664f612c60410a2bd0c258416b498bf0311f94228f';

describe('exchange-side verification (shared vectors)', () => {
  it('verifies the GET, POST and websocket vectors', () => {
    const get = prehashOf('GET', '1542110948', '/v2/orders?product_id=1&state=open', '');
    expect(expectedSignature(SECRET, get)).toBe(
      '4e38dda3e6477092f360ba70399266d8145630b22bcc34c0ec7f804d5746877a',
    );
    const body = '{"order_type":"limit_order","size":3,"side":"buy","limit_price":"0.0005","product_id":16}';
    const post = prehashOf('post', '1542110948', '/v2/orders', body);
    expect(
      signatureMatches(SECRET, post, '21227523c4a51990f857251a8397466b975c46d9afecc62db9abbe5a92f43964'),
    ).toBe(true);
    const live = prehashOf('GET', '1542110948', '/live', '');
    expect(expectedSignature(SECRET, live)).toBe(
      'ded5dbc0ebdbfba13e67d156ae2ed86a674396b933d27b3062b43848e3d6cf61',
    );
  });

  it('rejects a signature over the path without its ?', () => {
    const sent = prehashOf('GET', '1542110948', '/v2/orders?product_id=1&state=open', '');
    const wrong = expectedSignature(SECRET, 'GET1542110948/v2/ordersproduct_id=1&state=open');
    expect(signatureMatches(SECRET, sent, wrong)).toBe(false);
    expect(signatureMatches(SECRET, sent, 'short')).toBe(false);
  });

  it('accepts seconds within 5 s only', () => {
    const now = 1_700_000_000_000;
    expect(timestampFresh('1700000000', now)).toBe(true);
    expect(timestampFresh('1699999995', now)).toBe(true);
    expect(timestampFresh('1699999994', now)).toBe(false);
    expect(timestampFresh(String(now), now)).toBe(false); // milliseconds
    expect(timestampFresh('1700000000.5', now)).toBe(false);
  });
});
