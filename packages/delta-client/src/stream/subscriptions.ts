export interface ChannelRequest {
  name: string;
  /** Product symbols, `MARK:` symbols or `all`; omitted for channels without symbols (`margins`). */
  symbols?: string[];
}

/** What the socket should be subscribed to: replayed as one subscribe message after every (re)connect. */
export class Subscriptions {
  /** channel → symbols; an empty set for channels without symbols (`margins`, `system_status`). */
  private readonly wanted = new Map<string, Set<string>>();

  /** Records the channels; returns only what is new (what still has to be sent). */
  add(channels: ChannelRequest[]): ChannelRequest[] {
    const fresh: ChannelRequest[] = [];
    for (const c of channels) {
      const had = this.wanted.get(c.name);
      const mine = had ?? new Set<string>();
      this.wanted.set(c.name, mine);
      const added = (c.symbols ?? []).filter((s) => !mine.has(s));
      for (const s of added) mine.add(s);
      if (!had || added.length > 0)
        fresh.push(c.symbols ? { name: c.name, symbols: added } : { name: c.name });
    }
    return fresh;
  }

  /** Forgets the symbols given, or the whole channel without them; returns what has to be sent. */
  remove(channels: ChannelRequest[]): ChannelRequest[] {
    const gone: ChannelRequest[] = [];
    for (const c of channels) {
      const mine = this.wanted.get(c.name);
      if (!mine) continue;
      if (!c.symbols?.length) {
        this.wanted.delete(c.name);
        gone.push({ name: c.name });
        continue;
      }
      const removed = c.symbols.filter((s) => mine.delete(s));
      if (mine.size === 0) this.wanted.delete(c.name);
      if (removed.length > 0) gone.push({ name: c.name, symbols: removed });
    }
    return gone;
  }

  all(): ChannelRequest[] {
    return [...this.wanted].map(([name, symbols]) =>
      symbols.size ? { name, symbols: [...symbols] } : { name },
    );
  }

  has(name: string): boolean {
    return this.wanted.has(name);
  }
}
