import type { ServerResponse } from 'node:http';
import type { TAccountStreamEvent } from '@delta/contracts';
import { type App, AppError, type Logger, problem } from '@delta/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AccountStreams, type AccountSubscription } from './account-streams.ts';
import type { Vault } from './vault.ts';

/** Each portal's settings of its live account streams (environment names). */
export const accountStreamConfigShape = {
  /** Exchange accounts followed live at once (the Positions page's push); one more is refused 503. */
  STREAM_MAX_ACCOUNTS: z.coerce.number().int().min(1).max(10_000).default(50),
  /** Browser streams (open Positions pages) served at once; one more is refused 503. */
  STREAM_MAX_SUBSCRIBERS: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** Heartbeat period of an account stream (SSE comments keep proxies from closing an idle stream). */
  STREAM_HEARTBEAT_MS: z.coerce.number().int().min(1_000).max(60_000).default(15_000),
};

/**
 * A portal's live account streams, by its settings (accountStreamConfigShape); they end first when the app closes
 * (subscribers get `closed`), else an open event stream would hold the server's close.
 */
export function startAccountStreams(
  app: App,
  o: {
    vault: Vault;
    paperUrl: string;
    logger: Logger;
    config: { STREAM_MAX_ACCOUNTS: number; STREAM_MAX_SUBSCRIBERS: number; STREAM_HEARTBEAT_MS: number };
  },
): AccountStreams {
  const streams = new AccountStreams({
    vault: o.vault,
    paperUrl: o.paperUrl,
    maxStreams: o.config.STREAM_MAX_ACCOUNTS,
    maxSubscribers: o.config.STREAM_MAX_SUBSCRIBERS,
    heartbeatMs: o.config.STREAM_HEARTBEAT_MS,
    logger: o.logger,
  });
  app.addHook('preClose', async () => streams.close());
  return streams;
}

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

export interface AccountStreamEntry {
  action: string;
  outcome: 'allowed' | 'denied' | 'failed';
  customer_id?: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

export interface ServeAccountStream {
  streams: AccountStreams;
  vault: Vault;
  credentialRef: string;
  /** CP: only this customer's credential (another's is not found); PP (ops): any. */
  customerId?: string;
  /** Puts the open and the close on the portal's audit chain (under the request's correlation id). */
  audit(entry: AccountStreamEntry): Promise<unknown>;
  /** Whether the viewer is still signed in: looked at every `sessionCheckMs` (signing out ends the stream). */
  stillSignedIn(): Promise<boolean>;
  sessionCheckMs: number;
}

/**
 * The live account pushed to a portal's web app (Server-Sent Events): a `snapshot`, then `position`, `order`,
 * `fill`, `margins`, `mark` and `status` events, comment heartbeats, and a last `closed` event when the server ends
 * it. The exchange stream behind it is the portal core's (AccountStreams): shared per credential, its keys never
 * leave this process. Every refusal is a problem answered before the stream starts (audited); a reconnecting
 * browser (`Last-Event-ID`) gets a fresh snapshot.
 */
export async function serveAccountStream(
  request: FastifyRequest,
  reply: FastifyReply,
  o: ServeAccountStream,
) {
  const ref = o.credentialRef;
  const lastEventId = request.headers['last-event-id'];
  const meta = await o.vault.store.getMetadata(ref, o.customerId ? { customerId: o.customerId } : {});
  let sub: AccountSubscription;
  try {
    if (!meta) throw problem('credential_not_found', 'No credential with this reference.');
    if (meta.state !== 'active') throw problem('credential_revoked', 'This exchange key was revoked.');
    sub = await o.streams.subscribe(ref, meta.customer_id);
  } catch (err) {
    if (err instanceof AppError) {
      await o.audit({
        action: 'account_stream_open',
        outcome: 'denied',
        customer_id: meta?.customer_id ?? o.customerId ?? null,
        reason: err.reason,
      });
    }
    throw err;
  }
  const customerId = meta.customer_id;
  await o.audit({
    action: 'account_stream_open',
    outcome: 'allowed',
    customer_id: customerId,
    details: { resumed_after_event: typeof lastEventId === 'string' ? lastEventId.slice(0, 40) : null },
  });

  reply.hijack();
  const raw = reply.raw;
  const opened = Date.now();
  const sessionCheck = setInterval(() => {
    o.stillSignedIn()
      .then((yes) => {
        if (!yes) sub.end('session_ended');
      })
      .catch((err: unknown) =>
        request.log.warn({ err: (err as Error)?.message }, 'account stream: session check failed'),
      );
  }, o.sessionCheckMs);
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
    await o
      .audit({
        action: 'account_stream_close',
        outcome: 'allowed',
        customer_id: customerId,
        reason: sub.closedBecause ?? 'client_closed',
        details: { events: id, duration_ms: Date.now() - opened },
      })
      .catch((err: unknown) =>
        request.log.warn({ err: (err as Error)?.message }, 'account stream close not audited'),
      );
  }
}
