import type { ServerResponse } from 'node:http';
import { type TAccountStreamEvent, ZCredentialRef } from '@delta/contracts';
import type { AccountStreams, AccountSubscription, Vault } from '@delta/portal';
import { type App, AppError, type Db, problem } from '@delta/server-kit';
import { z } from 'zod';
import { actorOf, requireUser, SESSION_COOKIE } from '../auth/session-plugin.ts';
import { findSessionUser } from '../auth/users-repository.ts';
import { ppAudit } from '../pp-audit.ts';

/** How long a browser waits before reconnecting after the stream drops (the SSE `retry:` field). */
export const SSE_RETRY_MS = 3_000;

/** One event as Server-Sent Events: heartbeats are comments (they keep proxies from closing an idle stream). */
export function sseFrame(id: number, e: TAccountStreamEvent): string {
  if (e.type === 'heartbeat') return `: heartbeat ${e.at_us}\n\n`;
  return `id: ${id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** Resolves when the socket can take more, or when it closed. */
function writable(raw: ServerResponse): Promise<void> {
  if (raw.destroyed || raw.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.once('drain', done);
    raw.once('close', done);
  });
}

/**
 * The live account of the Positions page, pushed (Server-Sent Events): a `snapshot`, then `position`, `order`,
 * `fill`, `margins`, `mark` and `status` events, comment heartbeats, and a last `closed` event when the server ends
 * it. The exchange stream behind it is the portal core's (AccountStreams): shared per credential, its keys never
 * leave this process. Every refusal is a problem answered before the stream starts; a reconnecting browser
 * (`Last-Event-ID`) gets a fresh snapshot.
 */
export function registerStreamRoutes(
  app: App,
  deps: { db: Db; vault: Vault; streams: AccountStreams; sessionCheckMs: number },
) {
  app.get(
    '/api/credentials/:credential_ref/stream',
    {
      schema: {
        tags: ['positions'],
        summary:
          'The live account (Server-Sent Events): a snapshot, then position/order/fill/margins/mark deltas',
        params: z.strictObject({ credential_ref: ZCredentialRef }),
        // Nothing is taken from the query: an unknown parameter is a 422, as everywhere.
        querystring: z.strictObject({}),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const ref = request.params.credential_ref;
      const lastEventId = request.headers['last-event-id'];
      const audit = (entry: {
        action: string;
        outcome: 'allowed' | 'denied' | 'failed';
        customer_id?: string | null;
        reason?: string | null;
        details?: Record<string, unknown>;
      }) =>
        ppAudit.append(deps.db, {
          correlation_id: request.correlationId,
          actor: actorOf(user),
          target: ref,
          ...entry,
        });
      const meta = await deps.vault.store.getMetadata(ref);
      let sub: AccountSubscription;
      try {
        if (!meta) throw problem('credential_not_found', 'No credential with this reference.');
        if (meta.state !== 'active') throw problem('credential_revoked', 'This exchange key was revoked.');
        sub = await deps.streams.subscribe(ref, meta.customer_id);
      } catch (err) {
        if (err instanceof AppError) {
          await audit({
            action: 'account_stream_open',
            outcome: 'denied',
            customer_id: meta?.customer_id ?? null,
            reason: err.reason,
          });
        }
        throw err;
      }
      const customerId = meta.customer_id;
      await audit({
        action: 'account_stream_open',
        outcome: 'allowed',
        customer_id: customerId,
        details: { resumed_after_event: typeof lastEventId === 'string' ? lastEventId.slice(0, 40) : null },
      });

      reply.hijack();
      const raw = reply.raw;
      const opened = Date.now();
      // The session is looked at again every period: signing out (or an expired or disabled user) ends it.
      const token = request.cookies[SESSION_COOKIE] ?? '';
      const sessionCheck = setInterval(() => {
        findSessionUser(deps.db, token)
          .then((u) => {
            if (!u) sub.end('session_ended');
          })
          .catch((err: unknown) =>
            request.log.warn({ err: (err as Error)?.message }, 'account stream: session check failed'),
          );
      }, deps.sessionCheckMs);
      sessionCheck.unref();
      raw.on('close', () => sub.close());
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(`retry: ${SSE_RETRY_MS}\n\n`);
      let id = 0;
      try {
        for await (const e of sub) {
          if (raw.destroyed) break;
          if (e.type !== 'heartbeat') id++;
          if (!raw.write(sseFrame(id, e))) await writable(raw);
          if (e.type === 'closed') break;
        }
      } finally {
        clearInterval(sessionCheck);
        sub.close();
        if (!raw.destroyed) raw.end();
        // A hijacked reply has no access log line of its own: this is it.
        request.log.info(
          {
            credential_ref: ref,
            events: id,
            duration_ms: Date.now() - opened,
            reason: sub.closedBecause ?? 'client_closed',
          },
          'account stream closed',
        );
        await audit({
          action: 'account_stream_close',
          outcome: 'allowed',
          customer_id: customerId,
          reason: sub.closedBecause ?? 'client_closed',
          details: { events: id, duration_ms: Date.now() - opened },
        }).catch((err: unknown) =>
          request.log.warn({ err: (err as Error)?.message }, 'account stream close not audited'),
        );
      }
    },
  );
}
