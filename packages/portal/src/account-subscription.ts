import type { TAccountStreamEvent, TStreamCloseReason } from '@delta/contracts';

/**
 * One subscriber's view of an account stream: a bounded queue read as an async iterable. The producer never waits
 * for a consumer: a consumer that falls `maxQueue` events behind is dropped — its backlog is discarded and it gets
 * one final `closed` event (`slow_consumer`) — so a stuck browser costs at most `maxQueue` events of memory.
 */
export class AccountSubscription implements AsyncIterable<TAccountStreamEvent> {
  private queue: TAccountStreamEvent[] = [];
  private waiter: ((r: IteratorResult<TAccountStreamEvent>) => void) | undefined;
  private ended = false;
  private released = false;
  /** Why the server ended it, when it did. */
  closedBecause: TStreamCloseReason | undefined;

  constructor(
    private readonly maxQueue: number,
    private readonly release: (sub: AccountSubscription) => void,
  ) {}

  /** Events waiting to be read. */
  get backlog(): number {
    return this.queue.length;
  }

  get open(): boolean {
    return !this.ended;
  }

  /** Queues an event; false when the subscription is over (ended, or just dropped for falling behind). */
  push(e: TAccountStreamEvent): boolean {
    if (this.ended) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: e, done: false });
      return true;
    }
    if (this.queue.length >= this.maxQueue) {
      this.queue = [];
      this.end('slow_consumer');
      return false;
    }
    this.queue.push(e);
    return true;
  }

  /** The server ends the subscription: what is queued is still delivered, then `closed`, then the end. */
  end(reason: TStreamCloseReason): void {
    if (this.ended) return;
    this.closedBecause = reason;
    const final: TAccountStreamEvent = { type: 'closed', reason };
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: final, done: false });
    } else {
      this.queue.push(final);
    }
    this.ended = true;
    this.doRelease();
  }

  /** The consumer leaves (e.g. the HTTP connection closed): nothing more is delivered. */
  close(): void {
    this.ended = true;
    this.queue = [];
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
    this.doRelease();
  }

  private doRelease(): void {
    if (this.released) return;
    this.released = true;
    this.release(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<TAccountStreamEvent> {
    return {
      next: () => {
        const e = this.queue.shift();
        if (e) return Promise.resolve({ value: e, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiter = resolve;
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
