import { AppError, type Db, parseInput, type Queryable } from '@delta/server-kit';
import { z } from 'zod';
import {
  type CredentialBinding,
  openSealedCredential,
  rewrapSealed,
  type SealedCredential,
  sealCredential,
} from './envelope.ts';
import { type ExchangeCredential, maskKey, parseExchangeSecret } from './exchange-credential.ts';
import { type CredentialOwner, newCredentialRef } from './ids.ts';
import type { MasterKeyring } from './master-keyring.ts';

export const ZExchangeEnvironment = z.enum(['india', 'india-testnet', 'paper']);
export type TExchangeEnvironment = z.infer<typeof ZExchangeEnvironment>;

const ZPermissions = z.array(z.string().regex(/^[a-z_]{1,32}$/)).max(16);

const ZStoreInput = z.strictObject({
  customer_id: z.string().min(1).max(128),
  label: z.string().trim().min(1).max(100),
  environment: ZExchangeEnvironment,
  verified_permissions: ZPermissions.default([]),
  verified_at: z.date().optional(),
  /** The exchange's id of the account behind the key (from the key check): one active credential per account. */
  exchange_user_id: z
    .string()
    .regex(/^[0-9]{1,20}$/)
    .optional(),
});

const ZExchangeUserId = z
  .string()
  .regex(/^[0-9]{1,20}$/)
  .optional();

function isOwnerConflict(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  return (
    e?.code === '23505' &&
    (e.constraint === 'exchange_credentials_one_owner' ||
      String(e.message ?? '').includes('exchange_credentials_one_owner'))
  );
}

const accountInUse = () =>
  AppError.conflict(
    'exchange_account_in_use',
    'These keys belong to a Delta account that is already connected on this platform. One exchange account belongs to one customer: revoke the other connection first, or use keys of another account.',
  );
export type TStoreCredentialInput = z.input<typeof ZStoreInput> & { api_key: string; api_secret: string };

/** What may leave the vault: everything about a credential except its key material. */
export interface CredentialMetadata {
  credential_ref: string;
  exchange_account_id: string;
  customer_id: string;
  label: string;
  environment: TExchangeEnvironment;
  key_last4: string;
  state: 'active' | 'revoked';
  master_key_version: string | null;
  verified_permissions: string[];
  created_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
  last_verified_at: Date | null;
}

type MetadataRow = Omit<CredentialMetadata, 'environment' | 'state'> & { environment: string; state: string };
type SealedRow = MetadataRow & { [K in keyof SealedCredential]: Uint8Array | string | null };

const METADATA_COLUMNS = `credential_ref, exchange_account_id, customer_id, label, environment, key_last4, state,
  master_key_version, verified_permissions, created_at, rotated_at, revoked_at, last_verified_at`;
const SEALED_COLUMNS = `${METADATA_COLUMNS}, ciphertext, iv, tag, wrapped_key, wrap_iv, wrap_tag`;

function toMetadata(row: MetadataRow): CredentialMetadata {
  return {
    credential_ref: row.credential_ref,
    exchange_account_id: row.exchange_account_id,
    customer_id: row.customer_id,
    label: row.label,
    environment: ZExchangeEnvironment.parse(row.environment),
    key_last4: row.key_last4,
    state: row.state === 'revoked' ? 'revoked' : 'active',
    master_key_version: row.master_key_version,
    verified_permissions: row.verified_permissions,
    created_at: row.created_at,
    rotated_at: row.rotated_at,
    revoked_at: row.revoked_at,
    last_verified_at: row.last_verified_at,
  };
}

// pg returns bytea as Buffer, PGlite as Uint8Array.
function bytes(value: Uint8Array | string | null): Buffer {
  if (value === null || typeof value === 'string') throw new Error('credential row has no key material');
  return Buffer.from(value);
}

function toSealed(row: SealedRow): SealedCredential {
  return {
    ciphertext: bytes(row.ciphertext),
    iv: bytes(row.iv),
    tag: bytes(row.tag),
    wrapped_key: bytes(row.wrapped_key),
    wrap_iv: bytes(row.wrap_iv),
    wrap_tag: bytes(row.wrap_tag),
    master_key_version: String(row.master_key_version),
  };
}

function notFound(ref: string): AppError {
  return AppError.notFound('credential_not_found', `No exchange credential ${ref} for this customer.`);
}

function revoked(ref: string): AppError {
  return AppError.forbidden(
    'credential_revoked',
    `Exchange credential ${ref} is revoked; store new keys instead.`,
  );
}

export interface RewrapReport {
  current_version: string;
  rewrapped: number;
  failed: { credential_ref: string; reason: string }[];
}

export interface CredentialStoreOptions {
  db: Db;
  keyring: MasterKeyring;
  /** The portal that owns these credentials; it is written into every credential_ref. */
  owner: CredentialOwner;
}

/**
 * The credential vault repository: the only place with SQL for `exchange_credentials`. Every function but
 * `openForUse` returns metadata only; `openForUse` is for server code that is about to sign an exchange call
 * or issue a bundle, and its result must never be put in an API response.
 */
export function createCredentialStore({ db, keyring, owner }: CredentialStoreOptions) {
  async function lockActive(tx: Queryable, ref: string, customerId: string): Promise<SealedRow> {
    const r = await tx.query<SealedRow>(
      `SELECT ${SEALED_COLUMNS} FROM exchange_credentials WHERE credential_ref = $1 AND customer_id = $2 FOR UPDATE`,
      [ref, customerId],
    );
    const row = r.rows[0];
    if (!row) throw notFound(ref);
    if (row.state !== 'active') throw revoked(ref);
    return row;
  }

  return {
    async store(input: TStoreCredentialInput): Promise<CredentialMetadata> {
      const { api_key, api_secret, ...rest } = input;
      const secret = parseExchangeSecret({ api_key, api_secret });
      const meta = parseInput(ZStoreInput, rest, 'credential');
      const ref = newCredentialRef(owner);
      const sealed = sealCredential(keyring, { customer_id: meta.customer_id, credential_ref: ref }, secret);
      const insert = db.query<MetadataRow>(
        `INSERT INTO exchange_credentials (credential_ref, exchange_account_id, customer_id, label, environment,
           key_last4, ciphertext, iv, tag, wrapped_key, wrap_iv, wrap_tag, master_key_version,
           verified_permissions, last_verified_at, exchange_user_id)
         VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15)
         RETURNING ${METADATA_COLUMNS}`,
        [
          ref,
          meta.customer_id,
          meta.label,
          meta.environment,
          maskKey(secret.api_key),
          sealed.ciphertext,
          sealed.iv,
          sealed.tag,
          sealed.wrapped_key,
          sealed.wrap_iv,
          sealed.wrap_tag,
          sealed.master_key_version,
          JSON.stringify(meta.verified_permissions),
          meta.verified_at ?? (meta.verified_permissions.length > 0 ? new Date() : null),
          meta.exchange_user_id ?? null,
        ],
      );
      const r = await insert.catch((err: unknown) => {
        throw isOwnerConflict(err) ? accountInUse() : err;
      });
      return toMetadata(r.rows[0]!);
    },

    async listByCustomer(customerId: string, options: { includeRevoked?: boolean } = {}) {
      const r = await db.query<MetadataRow>(
        `SELECT ${METADATA_COLUMNS} FROM exchange_credentials
         WHERE customer_id = $1 AND ($2 OR state = 'active')
         ORDER BY created_at DESC, credential_ref`,
        [customerId, options.includeRevoked ?? false],
      );
      return r.rows.map(toMetadata);
    },

    /** Metadata of one credential; with `customerId`, another tenant's credential is simply not found. */
    async getMetadata(
      ref: string,
      options: { customerId?: string } = {},
    ): Promise<CredentialMetadata | null> {
      const r = await db.query<MetadataRow>(
        `SELECT ${METADATA_COLUMNS} FROM exchange_credentials
         WHERE credential_ref = $1 AND ($2::text IS NULL OR customer_id = $2)`,
        [ref, options.customerId ?? null],
      );
      return r.rows[0] ? toMetadata(r.rows[0]) : null;
    },

    /** Replaces the keys behind a credential_ref (fresh data key, current master version); the ref stays. */
    async rotate(
      ref: string,
      input: {
        customer_id: string;
        api_key: string;
        api_secret: string;
        verified_permissions?: string[];
        /** The exchange's id of the new key's account: it must be the account the credential already names. */
        exchange_user_id?: string;
      },
    ): Promise<CredentialMetadata> {
      const secret = parseExchangeSecret({ api_key: input.api_key, api_secret: input.api_secret });
      const permissions = parseInput(ZPermissions, input.verified_permissions ?? [], 'permission list');
      const accountId = parseInput(ZExchangeUserId, input.exchange_user_id, 'exchange user id');
      return db.transaction(async (tx) => {
        await lockActive(tx, ref, input.customer_id);
        const current = await tx.query<{ exchange_user_id: string | null }>(
          'SELECT exchange_user_id FROM exchange_credentials WHERE credential_ref = $1',
          [ref],
        );
        const known = current.rows[0]?.exchange_user_id ?? null;
        if (known !== null && accountId !== undefined && known !== accountId) {
          throw AppError.conflict(
            'exchange_account_changed',
            'The new keys belong to another Delta account than the keys they replace. Rotation keeps the account (approvals were given for it): connect the other account as a new exchange account instead.',
          );
        }
        const sealed = sealCredential(
          keyring,
          { customer_id: input.customer_id, credential_ref: ref },
          secret,
        );
        const r = await tx
          .query<MetadataRow>(
            `UPDATE exchange_credentials SET key_last4 = $2, ciphertext = $3, iv = $4, tag = $5, wrapped_key = $6,
             wrap_iv = $7, wrap_tag = $8, master_key_version = $9, verified_permissions = $10::jsonb,
             last_verified_at = CASE WHEN $11 THEN now() ELSE NULL END, rotated_at = now(),
             exchange_user_id = COALESCE(exchange_user_id, $12)
           WHERE credential_ref = $1 RETURNING ${METADATA_COLUMNS}`,
            [
              ref,
              maskKey(secret.api_key),
              sealed.ciphertext,
              sealed.iv,
              sealed.tag,
              sealed.wrapped_key,
              sealed.wrap_iv,
              sealed.wrap_tag,
              sealed.master_key_version,
              JSON.stringify(permissions),
              permissions.length > 0,
              accountId ?? null,
            ],
          )
          .catch((err: unknown) => {
            throw isOwnerConflict(err) ? accountInUse() : err;
          });
        return toMetadata(r.rows[0]!);
      });
    },

    /** Revokes and crypto-shreds: the encrypted columns are cleared in the same statement. */
    async revoke(ref: string, options: { customerId: string }): Promise<CredentialMetadata> {
      return db.transaction(async (tx) => {
        await lockActive(tx, ref, options.customerId);
        const r = await tx.query<MetadataRow>(
          `UPDATE exchange_credentials SET state = 'revoked', revoked_at = now(), ciphertext = NULL, iv = NULL,
             tag = NULL, wrapped_key = NULL, wrap_iv = NULL, wrap_tag = NULL, master_key_version = NULL
           WHERE credential_ref = $1 RETURNING ${METADATA_COLUMNS}`,
          [ref],
        );
        return toMetadata(r.rows[0]!);
      });
    },

    /** Records the result of a read-only check against the exchange. */
    async recordVerification(ref: string, options: { customerId: string; permissions: string[]; at?: Date }) {
      const permissions = parseInput(ZPermissions, options.permissions, 'permission list');
      const r = await db.query<MetadataRow>(
        `UPDATE exchange_credentials SET verified_permissions = $3::jsonb, last_verified_at = COALESCE($4, now())
         WHERE credential_ref = $1 AND customer_id = $2 AND state = 'active' RETURNING ${METADATA_COLUMNS}`,
        [ref, options.customerId, JSON.stringify(permissions), options.at ?? null],
      );
      if (!r.rows[0]) throw notFound(ref);
      return toMetadata(r.rows[0]);
    },

    /**
     * The plaintext keys, for server code only (signing, bundles). Never return the result from an API. With
     * `customerId`, a credential of another tenant is not found.
     */
    async openForUse(
      ref: string,
      options: { customerId?: string } = {},
    ): Promise<{ credential: ExchangeCredential; metadata: CredentialMetadata }> {
      const r = await db.query<SealedRow>(
        `SELECT ${SEALED_COLUMNS} FROM exchange_credentials
         WHERE credential_ref = $1 AND ($2::text IS NULL OR customer_id = $2)`,
        [ref, options.customerId ?? null],
      );
      const row = r.rows[0];
      if (!row) throw notFound(ref);
      if (row.state !== 'active') throw revoked(ref);
      const binding: CredentialBinding = { customer_id: row.customer_id, credential_ref: row.credential_ref };
      return { credential: openSealedCredential(keyring, binding, toSealed(row)), metadata: toMetadata(row) };
    },

    /**
     * Master-key rotation: re-wraps every active data key not under the current version, one row per
     * transaction (row-locked, so a concurrent rotate is not overwritten). Payload bytes are never touched.
     * A row that cannot be unwrapped is reported, not fatal, so one bad row does not block the rest.
     */
    async rewrapAll(options: { batchSize?: number } = {}): Promise<RewrapReport> {
      const batchSize = options.batchSize ?? 100;
      const report: RewrapReport = { current_version: keyring.current, rewrapped: 0, failed: [] };
      let after = '';
      for (;;) {
        const batch = await db.query<{ credential_ref: string }>(
          `SELECT credential_ref FROM exchange_credentials
           WHERE state = 'active' AND master_key_version <> $1 AND credential_ref > $2
           ORDER BY credential_ref LIMIT $3`,
          [keyring.current, after, batchSize],
        );
        for (const { credential_ref } of batch.rows) {
          after = credential_ref;
          try {
            const done = await db.transaction(async (tx) => {
              const r = await tx.query<SealedRow>(
                `SELECT ${SEALED_COLUMNS} FROM exchange_credentials WHERE credential_ref = $1 FOR UPDATE`,
                [credential_ref],
              );
              const row = r.rows[0];
              if (row?.state !== 'active' || row.master_key_version === keyring.current) return false;
              const binding = { customer_id: row.customer_id, credential_ref };
              const next = rewrapSealed(keyring, binding, toSealed(row));
              await tx.query(
                `UPDATE exchange_credentials SET wrapped_key = $2, wrap_iv = $3, wrap_tag = $4, master_key_version = $5
                 WHERE credential_ref = $1`,
                [credential_ref, next.wrapped_key, next.wrap_iv, next.wrap_tag, next.master_key_version],
              );
              return true;
            });
            if (done) report.rewrapped++;
          } catch (err) {
            const reason = err instanceof AppError ? err.reason : 'unexpected_error';
            report.failed.push({ credential_ref, reason });
          }
        }
        if (batch.rows.length < batchSize) return report;
      }
    },
  };
}

export type CredentialStore = ReturnType<typeof createCredentialStore>;
