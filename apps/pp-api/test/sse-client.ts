import { PASSWORD, type Stack } from './stack.ts';

/** One Server-Sent Event as a browser's EventSource would see it (plus the comments it ignores). */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** The body when the server answered with something other than an event stream (a problem). */
  problem: Record<string, unknown> | undefined;
  events: SseEvent[];
  comments: string[];
  retry: number | undefined;
  /** Resolves with the first event (from the start, or still to come) that matches; rejects after `timeoutMs`. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** All events of this name so far, their data parsed. */
  data<T = Record<string, unknown>>(event: string): T[];
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Signs in through PP's API and returns the session cookie (what a browser's EventSource sends along). */
export async function sessionCookie(stack: Stack, username: string): Promise<string> {
  const r = await fetch(`${stack.ppUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`login failed: ${r.status}`);
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/**
 * Opens an event stream over real HTTP and parses it as the SSE spec says: `field: value` lines, a blank line
 * ends an event, `:` starts a comment, `data:` lines join with newlines, `id:` and `retry:` are remembered.
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters: { match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  const client: SseClient = {
    status: res.status,
    headers: res.headers,
    problem: undefined,
    events,
    comments,
    retry: undefined,
    ended: Promise.resolve(),
    next(match, timeoutMs = 10_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i < 0) return;
          waiters.splice(i, 1);
          reject(
            new Error(`no matching event in ${timeoutMs} ms; got ${events.map((e) => e.event).join(',')}`),
          );
        }, timeoutMs).unref();
      });
    },
    data<T>(event: string) {
      return events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T);
    },
    close: () => abort.abort(),
  };
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await res.text();
    client.problem = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    return client;
  }
  const dispatch = (e: SseEvent) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.match(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  client.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    let cur: { id?: string; event?: string; data: string[] } = { data: [] };
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf('\n');
          if (line === '') {
            if (cur.data.length > 0)
              dispatch({ id: cur.id, event: cur.event ?? 'message', data: cur.data.join('\n') });
            cur = { data: [] };
            continue;
          }
          if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') cur.data.push(value);
          else if (field === 'event') cur.event = value;
          else if (field === 'id') cur.id = value;
          else if (field === 'retry') client.retry = Number(value);
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
  })();
  return client;
}

/** The paper exchange's open sockets authenticated as this account (its user id). */
export async function exchangeSockets(stack: Stack, userId: number): Promise<number> {
  const r = await fetch(`${stack.paper.url}/_paper/streams`);
  const body = (await r.json()) as { accounts: Record<string, number> };
  return body.accounts[String(userId)] ?? 0;
}

/** Reads until `ok` holds or `timeoutMs` passed; returns the last value read (the caller asserts on it). */
export async function eventually<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
