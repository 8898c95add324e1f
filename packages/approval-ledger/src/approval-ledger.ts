import { ZCorrelationId, ZCredentialRef, ZCustomerId } from '@delta/contracts';
import {
  AppError,
  type Db,
  decodeOpaqueCursor,
  encodeOpaqueCursor,
  parseInput,
  type Queryable,
} from '@delta/server-kit';
import { z } from 'zod';
import { newApprovalId } from './approval-id.ts';
import {
  type ApprovalRecord,
  type ConsumedForResult,
  type ConsumeResult,
  DEFAULT_APPROVAL_TTL_SECONDS,
  type RevokeResult,
  type TApprovalState,
  type TMintApprovalInput,
  ZApprovalEvidence,
  ZApprovalId,
  ZApprovalIssuer,
  ZApprovalState,
  ZIntentSummary,
  ZMintApprovalInput,
} from './approval-schemas.ts';

interface ApprovalRow {
  approval_id: string;
  issuer: string;
  customer_id: string;
  hired_agent_id: string;
  agent_id: string;
  credential_ref: string;
  intent_hash: string;
  intent_summary: unknown;
  approver_id: string;
  approver_kind: string;
  evidence: unknown;
  created_at: Date;
  expires_at: Date;
  effective_state: string;
  consumed_at: Date | null;
  consumed_by: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

// One clock per statement: an injected `now` (tests) or the database's, never the app server's, so that every
// instance agrees on what "expired" means. `$N` is substituted with the parameter number.
const clock = (n: number) => `COALESCE($${n}::timestamptz, now())`;
const columns = (now: string) => `approval_id, issuer, customer_id, hired_agent_id, agent_id, credential_ref,
  intent_hash, intent_summary, approver_id, approver_kind, evidence, created_at, expires_at,
  CASE WHEN state = 'pending' AND expires_at <= ${now} THEN 'expired' ELSE state END AS effective_state,
  consumed_at, consumed_by, revoked_at, revoked_by`;

function toRecord(row: ApprovalRow): ApprovalRecord {
  return {
    approval_id: row.approval_id,
    issuer: ZApprovalIssuer.parse(row.issuer),
    customer_id: row.customer_id,
    hired_agent_id: row.hired_agent_id,
    agent_id: row.agent_id,
    credential_ref: row.credential_ref,
    intent_hash: row.intent_hash,
    intent_summary: ZIntentSummary.parse(row.intent_summary),
    approver: { id: row.approver_id, kind: row.approver_kind === 'ops' ? 'ops' : 'customer' },
    evidence: row.evidence === null ? null : ZApprovalEvidence.parse(row.evidence),
    created_at: row.created_at,
    expires_at: row.expires_at,
    state: ZApprovalState.parse(row.effective_state),
    consumed_at: row.consumed_at,
    consumed_by: row.consumed_by,
    revoked_at: row.revoked_at,
    revoked_by: row.revoked_by,
  };
}

const ZConsumeContext = z.strictObject({
  customer_id: ZCustomerId,
  credential_ref: ZCredentialRef,
  correlation_id: ZCorrelationId,
  now: z.date().optional(),
});
export type TConsumeContext = z.input<typeof ZConsumeContext>;

const ZListQuery = z.strictObject({
  customer_id: ZCustomerId.optional(),
  issuer: ZApprovalIssuer.optional(),
  state: ZApprovalState.optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/)
    .optional(),
  now: z.date().optional(),
});
export type TListApprovalsQuery = z.input<typeof ZListQuery>;

const ZCursor = z.tuple([z.iso.datetime(), ZApprovalId]);

export interface ApprovalLedgerOptions {
  db: Db;
  /** Lifetime of a new approval unless the mint says otherwise (default 600 s). */
  defaultTtlSeconds?: number;
}

/**
 * The approval ledger both portals use: the only SQL for `approvals`. Single use is enforced by one
 * conditional UPDATE, so it holds across processes and instances without any in-process lock.
 */
export function createApprovalLedger({
  db,
  defaultTtlSeconds = DEFAULT_APPROVAL_TTL_SECONDS,
}: ApprovalLedgerOptions) {
  async function read(approvalId: string, now: Date | null): Promise<ApprovalRow | undefined> {
    if (!ZApprovalId.safeParse(approvalId).success) return undefined;
    const r = await db.query<ApprovalRow>(
      `SELECT ${columns(clock(2))} FROM approvals WHERE approval_id = $1`,
      [approvalId, now],
    );
    return r.rows[0];
  }

  return {
    /**
     * Mints an approval. With `tx`, inside the caller's transaction — so the minter's audit record of it commits
     * or rolls back with it.
     */
    async mint(input: TMintApprovalInput, options: { tx?: Queryable } = {}): Promise<ApprovalRecord> {
      const v = parseInput(ZMintApprovalInput, input, 'approval');
      const ttl = v.ttl_seconds ?? defaultTtlSeconds;
      // Millisecond precision so created_at round-trips through a JS Date exactly (list cursors rely on it).
      const r = await (options.tx ?? db).query<ApprovalRow>(
        `WITH t AS (SELECT date_trunc('milliseconds', ${clock(13)}) AS created_at)
         INSERT INTO approvals (approval_id, issuer, customer_id, hired_agent_id, agent_id, credential_ref,
           intent_hash, intent_summary, approver_id, approver_kind, evidence, created_at, expires_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11::jsonb, t.created_at,
           t.created_at + make_interval(secs => $12) FROM t
         RETURNING ${columns(clock(13))}`,
        [
          newApprovalId(),
          v.issuer,
          v.customer_id,
          v.hired_agent_id,
          v.agent_id,
          v.credential_ref,
          v.intent_hash,
          JSON.stringify(v.intent_summary),
          v.approver.id,
          v.approver.kind,
          v.evidence ? JSON.stringify(v.evidence) : null,
          ttl,
          v.now ?? null,
        ],
      );
      return toRecord(r.rows[0]!);
    },

    /** One approval; with `customer_id`, another tenant's approval is not found. */
    async get(approvalId: string, options: { customer_id?: string; now?: Date } = {}) {
      const row = await read(approvalId, options.now ?? null);
      if (!row || (options.customer_id !== undefined && row.customer_id !== options.customer_id)) return null;
      return toRecord(row);
    },

    /** Newest first; `state: 'expired'` and `'pending'` are evaluated against the clock. */
    async list(
      query: TListApprovalsQuery = {},
    ): Promise<{ items: ApprovalRecord[]; next_cursor: string | null }> {
      const q = parseInput(ZListQuery, query, 'approval list query');
      const [cursorAt, cursorId] = decodeOpaqueCursor(q.cursor, ZCursor) ?? [null, null];
      const now = clock(1);
      const r = await db.query<ApprovalRow>(
        `SELECT * FROM (SELECT ${columns(now)} FROM approvals
           WHERE ($2::text IS NULL OR customer_id = $2) AND ($3::text IS NULL OR issuer = $3)
             AND ($5::timestamptz IS NULL OR (created_at, approval_id) < ($5::timestamptz, $6::text))) a
         WHERE ($4::text IS NULL OR effective_state = $4)
         ORDER BY created_at DESC, approval_id DESC LIMIT $7`,
        [
          q.now ?? null,
          q.customer_id ?? null,
          q.issuer ?? null,
          q.state ?? null,
          cursorAt,
          cursorId,
          q.limit + 1,
        ],
      );
      const items = r.rows.slice(0, q.limit).map(toRecord);
      const last = items.at(-1);
      return {
        items,
        next_cursor:
          r.rows.length > q.limit && last
            ? encodeOpaqueCursor([last.created_at.toISOString(), last.approval_id])
            : null,
      };
    },

    /** Revocable only while pending and unexpired; a consumed approval stays consumed. */
    async revoke(
      approvalId: string,
      options: { revoked_by: string; customer_id?: string; now?: Date },
    ): Promise<RevokeResult> {
      const now = options.now ?? null;
      if (!options.revoked_by)
        throw AppError.badRequest('revoked_by_required', 'Say who revokes the approval.');
      const r = await db.query<ApprovalRow>(
        `UPDATE approvals SET state = 'revoked', revoked_at = ${clock(2)}, revoked_by = $3
         WHERE approval_id = $1 AND state = 'pending' AND expires_at > ${clock(2)}
           AND ($4::text IS NULL OR customer_id = $4)
         RETURNING ${columns(clock(2))}`,
        [approvalId, now, options.revoked_by, options.customer_id ?? null],
      );
      if (r.rows[0]) return { ok: true, approval: toRecord(r.rows[0]) };
      const row = await read(approvalId, now);
      if (!row) return { ok: false, reason: 'not_found' };
      if (options.customer_id !== undefined && row.customer_id !== options.customer_id) {
        return { ok: false, reason: 'customer_mismatch' };
      }
      if (row.effective_state === 'consumed') return { ok: false, reason: 'already_consumed' };
      if (row.effective_state === 'revoked') return { ok: false, reason: 'already_revoked' };
      return { ok: false, reason: 'expired' };
    },

    /**
     * Uses the approval for exactly this intent, once. The single conditional UPDATE is the whole guarantee:
     * of any number of concurrent callers (any process), exactly one sees a row. When none matches, a read
     * explains why; that read is advice only and never changes state.
     */
    async consume(approvalId: string, intentHash: string, context: TConsumeContext): Promise<ConsumeResult> {
      const c = parseInput(ZConsumeContext, context, 'consume request');
      const now = c.now ?? null;
      if (!ZApprovalId.safeParse(approvalId).success) return { ok: false, reason: 'not_found' };
      const r = await db.query<ApprovalRow>(
        `UPDATE approvals SET state = 'consumed', consumed_at = ${clock(2)}, consumed_by = $3
         WHERE approval_id = $1 AND state = 'pending' AND expires_at > ${clock(2)}
           AND intent_hash = $4 AND customer_id = $5 AND credential_ref = $6
         RETURNING ${columns(clock(2))}`,
        [approvalId, now, c.correlation_id, intentHash, c.customer_id, c.credential_ref],
      );
      if (r.rows[0]) return { ok: true, approval: toRecord(r.rows[0]) };
      return diagnose(await read(approvalId, now), intentHash, c);
    },

    /**
     * "Issue a credential bundle only for an approval just consumed for that credential": true when the
     * approval was consumed for `credential_ref` within the last `within_seconds` (default 60).
     */
    async wasConsumedFor(
      approvalId: string,
      credentialRef: string,
      options: { within_seconds?: number; customer_id?: string; now?: Date } = {},
    ): Promise<ConsumedForResult> {
      const within = options.within_seconds ?? 60;
      // Up to an hour: the reconciler may need the key that long after consumption to find a late order.
      if (!Number.isInteger(within) || within < 1 || within > 3_600) {
        throw new AppError(500, 'invalid_window', 'within_seconds must be an integer 1…3600.');
      }
      if (!ZApprovalId.safeParse(approvalId).success) return { ok: false, reason: 'not_found' };
      const r = await db.query<ApprovalRow & { recent: boolean }>(
        `SELECT ${columns(clock(2))},
           consumed_at > ${clock(2)} - make_interval(secs => $3) AND consumed_at <= ${clock(2)} AS recent
         FROM approvals WHERE approval_id = $1`,
        [approvalId, options.now ?? null, within],
      );
      const row = r.rows[0];
      if (!row) return { ok: false, reason: 'not_found' };
      if (options.customer_id !== undefined && row.customer_id !== options.customer_id) {
        return { ok: false, reason: 'customer_mismatch' };
      }
      if (row.credential_ref !== credentialRef) return { ok: false, reason: 'credential_mismatch' };
      if (row.effective_state !== 'consumed') return { ok: false, reason: 'not_consumed' };
      if (!row.recent) return { ok: false, reason: 'consumed_too_long_ago' };
      return { ok: true, approval: toRecord(row) };
    },
  };
}

/**
 * Why a consume matched no row. Tenant checks come first so that another customer's approval reveals
 * nothing about its state.
 */
function diagnose(
  row: ApprovalRow | undefined,
  intentHash: string,
  c: { customer_id: string; credential_ref: string },
): ConsumeResult {
  if (!row) return { ok: false, reason: 'not_found' };
  if (row.customer_id !== c.customer_id) return { ok: false, reason: 'customer_mismatch' };
  if (row.credential_ref !== c.credential_ref) return { ok: false, reason: 'credential_mismatch' };
  const state = row.effective_state as TApprovalState;
  if (state === 'consumed')
    return { ok: false, reason: 'already_consumed', consumed_by: row.consumed_by ?? '' };
  if (state === 'revoked') return { ok: false, reason: 'revoked' };
  if (state === 'expired') return { ok: false, reason: 'expired' };
  if (row.intent_hash !== intentHash) return { ok: false, reason: 'intent_mismatch' };
  // Every condition matches now, yet the UPDATE saw no row: the clock moved across expires_at between the two
  // statements. Report it as expired — never as success, which only the UPDATE may grant.
  return { ok: false, reason: 'expired' };
}

export type ApprovalLedger = ReturnType<typeof createApprovalLedger>;
