/**
 * Collects what a stream emits and lets a test wait — a bounded wait, never a timing assertion — for the first
 * item (or a count of items) that matches.
 */
export class Collected<T> {
  readonly items: T[] = [];
  private waiters: (() => void)[] = [];

  push = (item: T): void => {
    this.items.push(item);
    for (const w of this.waiters.splice(0)) w();
  };

  async until(pred: (items: T[]) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const giveUpAt = Date.now() + timeoutMs;
    while (!pred(this.items)) {
      const left = giveUpAt - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(this.items.slice(-4))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async first(pred: (item: T) => boolean, what: string, timeoutMs?: number): Promise<T> {
    await this.until((xs) => xs.some(pred), what, timeoutMs);
    return this.items.find(pred)!;
  }
}
