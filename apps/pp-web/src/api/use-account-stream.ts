import { ACCOUNT_STREAM_EVENT_TYPES, type TAccountStreamEvent, ZAccountStreamEvent } from '@delta/contracts';
import { useEffect, useRef, useState } from 'react';
import { type AccountView, applyEvent } from '../lib/account-view.ts';

/**
 * - `connecting`: waiting for the first snapshot;
 * - `live`: the server pushes and its exchange stream is up;
 * - `reconnecting`: the browser's or the server's connection dropped and is being re-established;
 * - `stale`: down for longer than `staleAfterMs`, or refused for good — the page reads the account by polling.
 */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'stale';

/** The constructor the hook opens streams with (the browser's EventSource; tests pass their own). */
export type EventSourceCtor = new (url: string, init?: EventSourceInit) => EventSource;

export interface AccountStream {
  status: LiveStatus;
  /** The live view, once a snapshot arrived (kept while reconnecting: the page marks it as not live). */
  view: AccountView | null;
  /** Why the server ended the stream, when it did. */
  closedReason: string | null;
}

/** The server ends the stream for good for these: reconnecting would be refused again. */
const FINAL = new Set(['exchange_key_rejected', 'credential_revoked', 'session_ended']);

/**
 * The Positions page's live account: `GET /api/credentials/:ref/stream` (Server-Sent Events) folded into an
 * AccountView. EventSource reconnects by itself (the server's `retry:`) and sends `Last-Event-ID`; every
 * (re)connection starts with a fresh snapshot.
 */
export function useAccountStream(
  ref: string | undefined,
  opts: { EventSource?: EventSourceCtor; staleAfterMs?: number; reopenAfterMs?: number } = {},
): AccountStream {
  const [state, setState] = useState<AccountStream>({ status: 'connecting', view: null, closedReason: null });
  // Bumped to open a new EventSource after the browser gave up on one (e.g. 503 stream_limit_reached).
  const [attempt, setAttempt] = useState(0);
  const Impl = opts.EventSource ?? (globalThis.EventSource as EventSourceCtor | undefined);
  const staleAfterMs = opts.staleAfterMs ?? 10_000;
  const reopenAfterMs = opts.reopenAfterMs ?? 30_000;

  // A reopen keeps the last view of the same account meanwhile; another account starts empty.
  const shown = useRef<{ ref: string | undefined; attempt: number }>({ ref, attempt });
  useEffect(() => {
    const reopening = shown.current.ref === ref && attempt > shown.current.attempt;
    shown.current = { ref, attempt };
    setState((st) => ({
      status: ref && Impl ? (reopening ? 'stale' : 'connecting') : 'stale',
      view: reopening ? st.view : null,
      closedReason: null,
    }));
    if (!ref || !Impl) return;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    const es = new Impl(`/api/credentials/${encodeURIComponent(ref)}/stream`, { withCredentials: true });
    let staleTimer: ReturnType<typeof setTimeout> | undefined;
    const status = (s: LiveStatus) => setState((st) => (st.status === s ? st : { ...st, status: s }));
    const down = () => {
      status('reconnecting');
      staleTimer ??= setTimeout(() => status('stale'), staleAfterMs);
    };
    const up = () => {
      clearTimeout(staleTimer);
      staleTimer = undefined;
      status('live');
    };
    const onEvent = (msg: MessageEvent) => {
      let data: unknown;
      try {
        data = JSON.parse(String(msg.data));
      } catch {
        return;
      }
      const parsed = ZAccountStreamEvent.safeParse(data);
      if (!parsed.success) return;
      const e: TAccountStreamEvent = parsed.data;
      if (e.type === 'snapshot' || e.type === 'status') {
        if (e.status === 'reconnecting') down();
        else up();
      }
      if (e.type === 'closed') {
        setState((st) => ({ ...st, closedReason: e.reason }));
        if (FINAL.has(e.reason)) {
          es.close();
          clearTimeout(staleTimer);
          status('stale');
        } else {
          down();
        }
        return;
      }
      setState((st) => {
        const view = applyEvent(st.view, e);
        return view === st.view ? st : { ...st, view };
      });
    };
    for (const type of ACCOUNT_STREAM_EVENT_TYPES) es.addEventListener(type, onEvent as EventListener);
    es.onerror = () => {
      // CLOSED: the browser gave up (e.g. a 4xx on reconnecting); CONNECTING: it is retrying.
      if (es.readyState === 2) {
        clearTimeout(staleTimer);
        status('stale');
        // Try again later (the page polls meanwhile); a refusal for good was a `closed` event, not this.
        reopen ??= setTimeout(() => setAttempt((n) => n + 1), reopenAfterMs);
      } else {
        down();
      }
    };
    return () => {
      clearTimeout(staleTimer);
      clearTimeout(reopen);
      es.close();
    };
  }, [ref, Impl, staleAfterMs, reopenAfterMs, attempt]);

  return state;
}
