import {
  AUDIT_SOURCES,
  type TAuditChainsVerifyResult,
  type TAuditSource,
  type TAuditVerifyResult,
  type TAuditViewPage,
  type TAuditViewQuery,
  type TAuditViewRecord,
  type TGatewayRefusal,
  type TPlantAuditRecord,
  ZAuditChainsVerifyResult,
  ZAuditVerifyResult,
  ZAuditViewPage,
  ZAuditViewQuery,
  ZCorrelationId,
  ZGatewayRefusalPage,
  ZPlantAuditRecordPage,
} from '@delta/contracts';
import type { PlantClient, PortalAuditFilter, PortalAuditRow } from '@delta/portal';
import { type App, AppError, type Db, decodeOpaqueCursor, encodeOpaqueCursor } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireUser } from '../auth/session-plugin.ts';
import { ppAudit } from '../pp-audit.ts';
import { opsPrincipal } from './plant-relay-routes.ts';

type Status = 'ok' | 'unavailable' | 'skipped';
type Position = string | undefined | 'done';
/** Where each source's newest-first walk stands: before this id/seq (undefined = from the newest; done = no more). */
type Cursor = Record<TAuditSource, Position>;

const PP_OUTCOME: Record<string, string> = { allowed: 'allow', denied: 'deny', failed: 'fail' };

function fromPp(r: PortalAuditRow): TAuditViewRecord {
  return {
    source: 'pp',
    id: String(r.id),
    correlation_id: r.correlation_id,
    recorded_at: r.created_at.toISOString(),
    kind: 'pp_audit',
    actor: r.actor,
    action: r.action,
    outcome: PP_OUTCOME[r.outcome] ?? r.outcome,
    reason: r.reason,
    customer_id: r.customer_id,
    details: { ...r.details, ...(r.target ? { target: r.target } : {}), chain_seq: r.seq },
  };
}

function fromGateway(r: TGatewayRefusal): TAuditViewRecord {
  return {
    source: 'gateway',
    id: r.seq,
    correlation_id: r.correlation_id,
    recorded_at: r.created_at,
    kind: 'gateway_refusal',
    actor: r.principal ?? (r.issuer ? `issuer:${r.issuer}` : null),
    action: `${r.method} ${r.path.split('?')[0]}`,
    outcome: 'deny',
    reason: r.reason,
    customer_id: null,
    details: { ...r.details, issuer: r.issuer, path: r.path },
  };
}

function fromPlant(r: TPlantAuditRecord): TAuditViewRecord {
  const principal = r.details.principal;
  return {
    source: 'plant',
    id: r.seq,
    correlation_id: r.correlation_id,
    recorded_at: r.recorded_at,
    kind: r.kind,
    actor: typeof principal === 'string' ? principal : null,
    action: r.action,
    outcome: r.outcome,
    reason: r.reason,
    customer_id: r.customer_id,
    details: {
      ...r.details,
      ...(r.decision_id ? { decision_id: r.decision_id } : {}),
      ...(r.stage ? { stage: r.stage } : {}),
      ...(r.agent_id ? { agent_id: r.agent_id } : {}),
      ...(r.hired_agent_id ? { hired_agent_id: r.hired_agent_id } : {}),
    },
  };
}

const ZCursorState = z.object({
  pp: z.union([z.string().regex(/^\d{1,18}$/), z.literal('done')]).optional(),
  gateway: z.union([z.string().regex(/^\d{1,18}$/), z.literal('done')]).optional(),
  plant: z.union([z.string().regex(/^\d{1,18}$/), z.literal('done')]).optional(),
});

function decodeCursor(cursor: string | undefined): Cursor {
  const parsed = decodeOpaqueCursor(cursor, ZCursorState) ?? {};
  return { pp: parsed.pp, gateway: parsed.gateway, plant: parsed.plant };
}

interface Fetched {
  status: Status;
  items: TAuditViewRecord[];
  /** The source may hold more than it returned. */
  more: boolean;
}

/** Newest first: later time first; within one instant, by source then id (descending), so the order is total. */
function newestFirst(a: TAuditViewRecord, b: TAuditViewRecord): number {
  if (a.recorded_at !== b.recorded_at) return a.recorded_at < b.recorded_at ? 1 : -1;
  if (a.source !== b.source) return AUDIT_SOURCES.indexOf(a.source) - AUDIT_SOURCES.indexOf(b.source);
  return BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0;
}

/**
 * PP's Audit view: PP's own records (its hash chain), the gateway's refusals (its read API, `/gateway/v1/refusals`)
 * and Plant's records (`/api/v1/audit/records`, through the gateway as the signed-in user), merged newest first.
 * Any ops role may read it. The cursor keeps each source's position, so paging neither skips nor repeats a record.
 * When the gateway or Plant cannot answer, the page still comes with PP's records and says which source is missing.
 */
export function registerAuditRoutes(app: App, deps: { db: Db; plant: PlantClient }): void {
  const { db, plant } = deps;

  async function fetchPp(q: TAuditViewQuery, pos: Position, limit: number): Promise<Fetched> {
    if (pos === 'done') return { status: 'ok', items: [], more: false };
    const filter: PortalAuditFilter = {
      correlation_id: q.correlation_id,
      customer_id: q.customer_id,
      actor: q.actor,
      action: q.action,
      reason: q.reason,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      beforeId: pos,
      limit,
    };
    const rows = await ppAudit.list(db, filter);
    return { status: 'ok', items: rows.map(fromPp), more: rows.length === limit };
  }

  const common = (q: TAuditViewQuery, limit: number) => ({
    correlation_id: q.correlation_id,
    actor: q.actor,
    action: q.action,
    reason: q.reason,
    from: q.from,
    to: q.to,
    limit,
  });

  async function fetchGateway(
    request: FastifyRequest,
    q: TAuditViewQuery,
    pos: Position,
    limit: number,
  ): Promise<Fetched> {
    if (pos === 'done') return { status: 'ok', items: [], more: false };
    // The gateway's refusals name no customer: a customer filter leaves them out.
    if (q.customer_id) return { status: 'skipped', items: [], more: false };
    try {
      const r = await plant.call('GET', '/gateway/v1/refusals', {
        principal: opsPrincipal(request),
        correlationId: request.correlationId,
        query: { ...common(q, limit), before_seq: pos },
        answer: ZGatewayRefusalPage,
      });
      if (!r.ok) {
        request.log.warn({ status: r.status }, 'gateway refusals unavailable for the audit view');
        return { status: 'unavailable', items: [], more: true };
      }
      return {
        status: 'ok',
        items: r.body.items.map(fromGateway),
        more: r.body.items.length === limit,
      };
    } catch {
      return { status: 'unavailable', items: [], more: true };
    }
  }

  async function fetchPlant(
    request: FastifyRequest,
    q: TAuditViewQuery,
    pos: Position,
    limit: number,
  ): Promise<Fetched> {
    if (pos === 'done') return { status: 'ok', items: [], more: false };
    try {
      const r = await plant.call('GET', '/api/v1/audit/records', {
        principal: opsPrincipal(request),
        correlationId: request.correlationId,
        query: { ...common(q, limit), customer_id: q.customer_id, before_seq: pos },
        answer: ZPlantAuditRecordPage,
      });
      if (!r.ok) {
        request.log.warn({ status: r.status }, 'plant audit records unavailable for the audit view');
        return { status: 'unavailable', items: [], more: true };
      }
      return { status: 'ok', items: r.body.items.map(fromPlant), more: r.body.items.length === limit };
    } catch {
      return { status: 'unavailable', items: [], more: true };
    }
  }

  /** One merged page, newest first, from each wanted source's position. */
  async function mergedPage(request: FastifyRequest, q: TAuditViewQuery): Promise<TAuditViewPage> {
    const cursor = decodeCursor(q.cursor);
    const wanted = (s: TAuditSource) => q.source === undefined || q.source === s;
    const skipped: Fetched = { status: 'skipped', items: [], more: false };
    const [pp, gateway, plantPart] = await Promise.all([
      wanted('pp') ? fetchPp(q, cursor.pp, q.limit) : skipped,
      wanted('gateway') ? fetchGateway(request, q, cursor.gateway, q.limit) : skipped,
      wanted('plant') ? fetchPlant(request, q, cursor.plant, q.limit) : skipped,
    ]);
    const parts: Record<TAuditSource, Fetched> = { pp, gateway, plant: plantPart };
    const merged = [...pp.items, ...gateway.items, ...plantPart.items].sort(newestFirst);
    const items = merged.slice(0, q.limit);
    const next: Cursor = { ...cursor };
    let more = false;
    for (const s of AUDIT_SOURCES) {
      const part = parts[s];
      if (part.status === 'skipped') {
        next[s] = 'done';
        continue;
      }
      // Not advanced: a later page asks again from the same place (the page says the source is missing).
      if (part.status === 'unavailable') continue;
      const taken = items.filter((i) => i.source === s);
      const last = taken[taken.length - 1];
      if (last) next[s] = last.id;
      const exhausted = !part.more && taken.length === part.items.length;
      if (exhausted) next[s] = 'done';
      else more = true;
    }
    return {
      items,
      next_cursor: more ? encodeOpaqueCursor(next) : null,
      sources: { pp: pp.status, gateway: gateway.status, plant: plantPart.status },
    };
  }

  app.get(
    '/api/audit/records',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit records of PP, the gateway and Plant, merged newest first; filters and cursor paging',
        querystring: ZAuditViewQuery,
        response: { 200: ZAuditViewPage },
      },
      // Signed in first (any role): an anonymous caller learns nothing from a 422.
      preValidation: async (request) => {
        requireUser(request);
      },
    },
    async (request) => mergedPage(request, request.query),
  );

  app.get(
    '/api/audit/trail',
    {
      schema: {
        tags: ['audit'],
        summary: 'The whole story of one request across PP, the gateway and Plant, oldest first',
        querystring: z.strictObject({ correlation_id: ZCorrelationId }),
        response: { 200: ZAuditViewPage },
      },
      preValidation: async (request) => {
        requireUser(request);
      },
    },
    async (request) => {
      const page = await mergedPage(request, {
        correlation_id: request.query.correlation_id,
        limit: 200,
      });
      return { ...page, items: [...page.items].reverse() };
    },
  );

  app.get(
    '/api/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: "Recompute PP's audit chain and Plant's; each names its first broken record",
        response: { 200: ZAuditChainsVerifyResult },
      },
    },
    async (request): Promise<TAuditChainsVerifyResult> => {
      requireUser(request);
      const pp: TAuditVerifyResult = await ppAudit.verify(db);
      let plantResult: TAuditVerifyResult | null = null;
      let plantError: string | null = null;
      try {
        const r = await plant.call('GET', '/api/v1/audit/verify', {
          principal: opsPrincipal(request),
          correlationId: request.correlationId,
          answer: ZAuditVerifyResult,
        });
        if (r.ok) plantResult = r.body;
        else plantError = `Plant answered ${r.status}`;
      } catch (err) {
        plantError = err instanceof AppError ? err.reason : 'plant_unavailable';
      }
      return {
        ok: pp.ok && plantResult?.ok === true,
        chains: { pp, plant: plantResult },
        plant_error: plantError,
      };
    },
  );
}
