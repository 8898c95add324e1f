import type { Db } from '@delta/server-kit';
import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialStore } from './credential-store.ts';
import { generateMasterKey, MasterKeyring, parseMasterKeys } from './master-keyring.ts';
import { vaultMigrations } from './vault-migrations.ts';

const K1 = generateMasterKey();
const K2 = generateMasterKey();
const ringV1 = new MasterKeyring(parseMasterKeys(`v1:${K1}`));
const ringV2 = new MasterKeyring(parseMasterKeys(`v2:${K2},v1:${K1}`));
// Recognisable values that must never appear in any column of any table.
const CANARY = { api_key: 'CANARYKEYzz9q7w3e5r', api_secret: 'CANARYSECRETxx8p6o4i2u0yT' };
const ROTATED = { api_key: 'ROTATEDKEYmm1n2b3v4', api_secret: 'ROTATEDSECRETqq9w8e7r6t5' };

let t: TestDatabase;
let db: Db;

beforeAll(async () => {
  t = await createTestDatabase({ migrations: vaultMigrations() });
  db = t.db;
});
afterAll(async () => {
  await t?.drop();
});

/** Every value of every row of every table, as text and as raw bytes, searched for each needle. */
async function findInDatabase(needles: string[]): Promise<string[]> {
  const tables = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const hits: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM "${table_name}"`);
    for (const row of rows.rows) {
      for (const [column, value] of Object.entries(row)) {
        const texts =
          value instanceof Uint8Array
            ? [
                Buffer.from(value).toString('latin1'),
                Buffer.from(value).toString('hex'),
                Buffer.from(value).toString('base64'),
              ]
            : [typeof value === 'string' ? value : JSON.stringify(value)];
        for (const needle of needles) {
          if (texts.some((x) => x?.includes(needle))) hits.push(`${table_name}.${column}`);
        }
      }
    }
  }
  return hits;
}

describe(`credential store (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  const store = () => createCredentialStore({ db, keyring: ringV1, owner: 'pp' });

  it('stores keys and returns metadata only, with a prefixed ref that equals the exchange account id', async () => {
    const meta = await store().store({
      customer_id: 'cus_a',
      label: 'Main futures',
      environment: 'paper',
      ...CANARY,
      verified_permissions: ['read', 'trade'],
    });
    expect(meta.credential_ref).toMatch(/^cred_pp_[a-z2-7]{26}$/);
    expect(meta.exchange_account_id).toBe(meta.credential_ref);
    expect(meta).toMatchObject({ customer_id: 'cus_a', key_last4: '3e5r', state: 'active' });
    expect(meta.master_key_version).toBe('v1');
    expect(meta.last_verified_at).toBeInstanceOf(Date);
    expect(JSON.stringify(meta)).not.toContain(CANARY.api_secret);
    expect(JSON.stringify(meta)).not.toContain(CANARY.api_key);

    const opened = await store().openForUse(meta.credential_ref);
    expect(opened.credential.apiSecret).toBe(CANARY.api_secret);
    expect(JSON.stringify(opened)).not.toContain(CANARY.api_secret);
  });

  it('lists and gets by customer; another tenant sees nothing', async () => {
    const s = store();
    const mine = await s.store({
      customer_id: 'cus_list',
      label: 'one',
      environment: 'india-testnet',
      ...CANARY,
    });
    await s.store({ customer_id: 'cus_other', label: 'theirs', environment: 'india', ...CANARY });
    const list = await s.listByCustomer('cus_list');
    expect(list.map((m) => m.credential_ref)).toEqual([mine.credential_ref]);
    expect(await s.getMetadata(mine.credential_ref, { customerId: 'cus_other' })).toBeNull();
    expect((await s.getMetadata(mine.credential_ref))?.label).toBe('one');
    await expect(s.openForUse(mine.credential_ref, { customerId: 'cus_other' })).rejects.toMatchObject({
      reason: 'credential_not_found',
    });
    await expect(s.revoke(mine.credential_ref, { customerId: 'cus_other' })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('refuses invalid input with a 422 that does not echo the secret', async () => {
    const err = await store()
      .store({ customer_id: 'cus_a', label: 'x', environment: 'mainnet' as 'india', ...CANARY })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422 });
    expect(JSON.stringify(err)).not.toContain(CANARY.api_secret);
  });

  it('rotate replaces the keys under the same ref; revoke shreds them and blocks use', async () => {
    const s = store();
    const meta = await s.store({ customer_id: 'cus_r', label: 'rot', environment: 'paper', ...CANARY });
    const rotated = await s.rotate(meta.credential_ref, { customer_id: 'cus_r', ...ROTATED });
    expect(rotated.credential_ref).toBe(meta.credential_ref);
    expect(rotated.key_last4).toBe('b3v4');
    expect(rotated.rotated_at).toBeInstanceOf(Date);
    expect(rotated.last_verified_at).toBeNull();
    expect((await s.openForUse(meta.credential_ref)).credential.apiKey).toBe(ROTATED.api_key);

    const revoked = await s.revoke(meta.credential_ref, { customerId: 'cus_r' });
    expect(revoked.state).toBe('revoked');
    expect(revoked.revoked_at).toBeInstanceOf(Date);
    await expect(s.openForUse(meta.credential_ref)).rejects.toMatchObject({ reason: 'credential_revoked' });
    await expect(s.rotate(meta.credential_ref, { customer_id: 'cus_r', ...CANARY })).rejects.toMatchObject({
      reason: 'credential_revoked',
    });
    const raw = await db.query<{ ciphertext: unknown; wrapped_key: unknown }>(
      'SELECT ciphertext, wrapped_key FROM exchange_credentials WHERE credential_ref = $1',
      [meta.credential_ref],
    );
    expect(raw.rows[0]).toEqual({ ciphertext: null, wrapped_key: null });
    expect((await s.listByCustomer('cus_r')).length).toBe(0);
    expect((await s.listByCustomer('cus_r', { includeRevoked: true })).length).toBe(1);
  });

  it('records a verification result', async () => {
    const s = store();
    const meta = await s.store({ customer_id: 'cus_v', label: 'v', environment: 'paper', ...CANARY });
    const at = new Date('2030-01-02T03:04:05.000Z');
    const verified = await s.recordVerification(meta.credential_ref, {
      customerId: 'cus_v',
      permissions: ['read'],
      at,
    });
    expect(verified.verified_permissions).toEqual(['read']);
    expect(verified.last_verified_at?.toISOString()).toBe(at.toISOString());
  });

  it('ciphertext copied onto another row in the database does not open there', async () => {
    const s = store();
    const a = await s.store({ customer_id: 'cus_m1', label: 'a', environment: 'paper', ...CANARY });
    const b = await s.store({ customer_id: 'cus_m2', label: 'b', environment: 'paper', ...ROTATED });
    await db.query(
      `UPDATE exchange_credentials t SET ciphertext = s.ciphertext, iv = s.iv, tag = s.tag, wrapped_key = s.wrapped_key,
         wrap_iv = s.wrap_iv, wrap_tag = s.wrap_tag FROM exchange_credentials s
       WHERE t.credential_ref = $1 AND s.credential_ref = $2`,
      [b.credential_ref, a.credential_ref],
    );
    await expect(s.openForUse(b.credential_ref)).rejects.toMatchObject({ reason: 'vault_decryption_failed' });
    await expect(s.openForUse(a.credential_ref)).resolves.toBeDefined();
    // Revoking needs no decryption, so a corrupted row can still be retired (and leaves later tests clean).
    expect((await s.revoke(b.credential_ref, { customerId: 'cus_m2' })).state).toBe('revoked');
  });

  it('rewrapAll moves every active row to the new master version; old rows still open before and after', async () => {
    const before = await store().store({
      customer_id: 'cus_w',
      label: 'old',
      environment: 'paper',
      ...CANARY,
    });
    const payloadBefore = await db.query<{ ciphertext: Uint8Array }>(
      'SELECT ciphertext FROM exchange_credentials WHERE credential_ref = $1',
      [before.credential_ref],
    );
    const s2 = createCredentialStore({ db, keyring: ringV2, owner: 'pp' });
    expect((await s2.openForUse(before.credential_ref)).credential.apiSecret).toBe(CANARY.api_secret);
    const fresh = await s2.store({ customer_id: 'cus_w', label: 'new', environment: 'paper', ...CANARY });
    expect(fresh.master_key_version).toBe('v2');

    const report = await s2.rewrapAll({ batchSize: 2 });
    expect(report.failed).toEqual([]);
    expect(report.rewrapped).toBeGreaterThanOrEqual(1);
    const versions = await db.query<{ v: string | null }>(
      "SELECT DISTINCT master_key_version AS v FROM exchange_credentials WHERE state = 'active'",
    );
    expect(versions.rows.map((r) => r.v)).toEqual(['v2']);
    const payloadAfter = await db.query<{ ciphertext: Uint8Array }>(
      'SELECT ciphertext FROM exchange_credentials WHERE credential_ref = $1',
      [before.credential_ref],
    );
    expect(
      Buffer.from(payloadAfter.rows[0]!.ciphertext).equals(Buffer.from(payloadBefore.rows[0]!.ciphertext)),
    ).toBe(true);
    // Now v1 can be retired: a keyring with only v2 opens everything.
    const onlyV2 = createCredentialStore({
      db,
      keyring: new MasterKeyring(parseMasterKeys(`v2:${K2}`)),
      owner: 'pp',
    });
    expect((await onlyV2.openForUse(before.credential_ref)).credential.apiKey).toBe(CANARY.api_key);
    expect((await s2.rewrapAll()).rewrapped).toBe(0);
    // Without v1, the v1-era store cannot open the rewrapped rows: a clear error, not garbage.
    await expect(store().openForUse(before.credential_ref)).rejects.toMatchObject({
      reason: 'vault_master_key_unknown',
    });
  });

  it('rewrapAll reports rows it cannot unwrap and carries on', async () => {
    const s3 = createCredentialStore({
      db,
      keyring: new MasterKeyring(parseMasterKeys(`v3:${generateMasterKey()}`)),
      owner: 'pp',
    });
    const report = await s3.rewrapAll();
    expect(report.rewrapped).toBe(0);
    expect(report.failed.length).toBeGreaterThan(0);
    expect(new Set(report.failed.map((f) => f.reason))).toEqual(new Set(['vault_master_key_unknown']));
  });

  it('no column of any row holds the planted key or secret in the clear', async () => {
    const hits = await findInDatabase([
      CANARY.api_key,
      CANARY.api_secret,
      ROTATED.api_key,
      ROTATED.api_secret,
    ]);
    expect(hits).toEqual([]);
    // The scan itself works: it finds a value we know is there.
    expect(await findInDatabase(['cus_list'])).toContain('exchange_credentials.customer_id');
  });
});
