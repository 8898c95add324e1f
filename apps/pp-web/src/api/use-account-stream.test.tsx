import type { TAccountStreamEvent } from '@delta/contracts';
import { act, render, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_REF } from '../test-fixtures.tsx';
import { type EventSourceCtor, useAccountStream } from './use-account-stream.ts';

/** The browser's EventSource at the boundary: the test plays the server and the connection. */
class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readonly listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  readyState = 0;
  onerror: ((e: Event) => void) | null = null;
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.readyState = 2;
  }
  raw(type: string, data: string) {
    this.readyState = 1;
    act(() => {
      for (const fn of this.listeners.get(type) ?? []) fn(new MessageEvent(type, { data }));
    });
  }
  send(e: TAccountStreamEvent) {
    this.raw(e.type, JSON.stringify(e));
  }
  fail(readyState: 0 | 2) {
    this.readyState = readyState;
    act(() => this.onerror?.(new Event('error')));
  }
}

const snapshot: TAccountStreamEvent = {
  type: 'snapshot',
  credential_ref: ACCOUNT_REF,
  status: 'connected',
  positions: [],
  orders: [],
  fills: [],
  balances: [],
  marks: [{ symbol: 'BTCUSD', mark_price: '60000', timestamp_us: 1, contract_value: '0.001' }],
  at_us: 1,
};

function Probe({ account = ACCOUNT_REF }: { account?: string }) {
  const s = useAccountStream(account, {
    EventSource: FakeEventSource as unknown as EventSourceCtor,
    staleAfterMs: 80,
    reopenAfterMs: 80,
  });
  return (
    <p>
      <span data-testid="status">{s.status}</span>
      <span data-testid="mark">{s.view?.marks.BTCUSD?.mark_price ?? 'none'}</span>
      <span data-testid="closed">{s.closedReason ?? 'open'}</span>
    </p>
  );
}

const status = () => screen.getByTestId('status').textContent;
const latest = () => FakeEventSource.instances.at(-1)!;

describe('useAccountStream', () => {
  beforeEach(() => {
    FakeEventSource.instances = [];
  });

  it('is live on a snapshot, ignores what does not parse, and goes stale when reconnecting lasts', async () => {
    render(<Probe />);
    expect(status()).toBe('connecting');
    latest().send(snapshot);
    expect(status()).toBe('live');
    latest().raw('mark', '{"type":"mark","mark":{"symbol":"BTCUSD"}}');
    latest().raw('mark', 'not json');
    expect(screen.getByTestId('mark').textContent).toBe('60000');
    latest().send({
      type: 'mark',
      mark: { symbol: 'BTCUSD', mark_price: '60100', timestamp_us: 2, contract_value: '0.001' },
    });
    expect(screen.getByTestId('mark').textContent).toBe('60100');
    latest().fail(0);
    expect(status()).toBe('reconnecting');
    await waitFor(() => expect(status()).toBe('stale'));
    // Back: the browser reconnected and the server started again from a snapshot.
    latest().send(snapshot);
    expect(status()).toBe('live');
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  it('opens a new stream after the browser gave up on one (e.g. 503), keeping the last view meanwhile', async () => {
    render(<Probe />);
    latest().send(snapshot);
    latest().fail(2);
    expect(status()).toBe('stale');
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(2));
    expect(screen.getByTestId('mark').textContent).toBe('60000');
    latest().send(snapshot);
    expect(status()).toBe('live');
  });

  it('stops for good when the server ends it for a reason a reconnect cannot mend', async () => {
    render(<Probe />);
    latest().send(snapshot);
    latest().send({ type: 'closed', reason: 'credential_revoked' });
    expect(status()).toBe('stale');
    expect(screen.getByTestId('closed').textContent).toBe('credential_revoked');
    expect(latest().readyState).toBe(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  it('reconnects after a slow_consumer close (the browser does it by itself)', () => {
    render(<Probe />);
    latest().send(snapshot);
    latest().send({ type: 'closed', reason: 'slow_consumer' });
    expect(status()).toBe('reconnecting');
    latest().send(snapshot);
    expect(status()).toBe('live');
  });

  it('starts empty on another account, and closes the first one’s stream', () => {
    const { rerender } = render(<Probe />);
    const first = latest();
    first.send(snapshot);
    expect(screen.getByTestId('mark').textContent).toBe('60000');
    const other = 'cred_pp_bbbbbbbbbbbbbbbbbbbbbbbbbb';
    rerender(<Probe account={other} />);
    expect(first.readyState).toBe(2);
    expect(latest().url).toBe(`/api/credentials/${other}/stream`);
    expect(status()).toBe('connecting');
    expect(screen.getByTestId('mark').textContent).toBe('none');
  });
});
