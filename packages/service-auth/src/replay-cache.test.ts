import { createHash, randomUUID } from 'node:crypto';
import type { TPrincipal } from '@delta/contracts';
import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ephemeralServiceKeys, publicJwks } from './keys.ts';
import {
  claimTokenOnce,
  createReplayCache,
  REPLAY_RETENTION_PAST_EXPIRY_S,
  replayCacheMigrations,
} from './replay-cache.ts';
import { requestHash } from './request-binding.ts';
import { createServiceTokenVerifier, ServiceTokenError, signServiceToken } from './tokens.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrations: replayCacheMigrations() });
});
afterAll(() => t?.drop());

const inAMinute = () => new Date(Date.now() + 60_000);

async function rows(): Promise<string[]> {
  const r = await t.db.query<{ jti: string }>('SELECT jti FROM used_token_ids ORDER BY jti');
  return r.rows.map((x) => x.jti);
}

async function failureOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ServiceTokenError) return err.failure;
    throw err;
  }
  return 'accepted';
}

describe('replay cache', () => {
  it('accepts an id once, and refuses it again from another instance on the same database', async () => {
    const a = createReplayCache(t.db);
    const b = createReplayCache(t.db);
    const id = `test:${randomUUID()}`;
    expect(await a.claim(id, inAMinute())).toBe(true);
    expect(await a.claim(id, inAMinute())).toBe(false);
    expect(await b.claim(id, inAMinute())).toBe(false);
    expect(await b.claim(`test:${randomUUID()}`, inAMinute())).toBe(true);
  });

  it('purges rows once they are past expiry plus the retention margin, and keeps the others', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const cache = createReplayCache(t.db, { now: () => now, purgeIntervalMs: 1_000 });
    const old = `purge:old-${randomUUID()}`;
    const recent = `purge:recent-${randomUUID()}`;
    expect(await cache.claim(old, new Date(now))).toBe(true);
    expect(await cache.claim(recent, new Date(now + 30_000))).toBe(true);
    // Past the old row's expiry but within the margin (a verifier may still accept it within its tolerance).
    now += 2_000;
    expect(await cache.claim(`purge:${randomUUID()}`, new Date(now + 30_000))).toBe(true);
    expect(await rows()).toContain(old);
    now += REPLAY_RETENTION_PAST_EXPIRY_S * 1000;
    expect(await cache.claim(`purge:${randomUUID()}`, new Date(now + 30_000))).toBe(true);
    const left = await rows();
    expect(left).not.toContain(old);
    expect(left).toContain(recent);
  });
});

describe('claimTokenOnce', () => {
  const ops: TPrincipal = { kind: 'ops', user_id: 'usr_replay', role: 'operator' };

  it('accepts a verified token once and refuses its replay as token_replayed', async () => {
    const pp = await ephemeralServiceKeys('pp');
    const verify = createServiceTokenVerifier({
      audience: 'plant-gateway',
      issuers: { pp: { jwks: publicJwks(pp) } },
    });
    const token = await signServiceToken(pp, { iss: 'pp', aud: 'plant-gateway', principal: ops });
    const cache = createReplayCache(t.db);
    const verified = await verify(token);
    await claimTokenOnce(cache, verified);
    expect(await failureOf(claimTokenOnce(cache, await verify(token)))).toBe('token_replayed');
    expect(await rows()).toContain(`pp:${verified.payload.jti}`);
  });

  it('refuses (replay_check_unavailable) rather than accepts when the database fails', async () => {
    const broken = await createTestDatabase({ migrations: replayCacheMigrations() });
    await broken.drop();
    const cache = createReplayCache(broken.db);
    const token = { issuer: 'pp', payload: { jti: randomUUID(), exp: Date.now() / 1000 + 30 } };
    expect(await failureOf(claimTokenOnce(cache, token))).toBe('replay_check_unavailable');
  });
});

describe('requestHash', () => {
  it('is sha256 of METHOD \\n path-with-query \\n body bytes, the same for a string and its Buffer', () => {
    const body = '{"a": 1, "é": "✓"}';
    const expected = createHash('sha256').update(`POST\n/api/v1/x?y=1\n${body}`).digest('hex');
    expect(requestHash('post', '/api/v1/x?y=1', body)).toBe(expected);
    expect(requestHash('POST', '/api/v1/x?y=1', Buffer.from(body))).toBe(expected);
    expect(requestHash('GET', '/api/v1/x', undefined)).toBe(requestHash('GET', '/api/v1/x', ''));
    expect(requestHash('POST', '/api/v1/x?y=2', body)).not.toBe(expected);
  });
});
