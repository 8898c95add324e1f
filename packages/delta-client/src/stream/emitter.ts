// biome-ignore lint/suspicious/noExplicitAny: listener signatures vary per event; each is typed by the map.
type Listener = (...args: any[]) => void;

/**
 * A typed listener registry. A throwing listener is reported to `onListenerError` and never breaks the stream's
 * own loop (one consumer's bug must not stop updates to the others).
 */
export class Emitter<E extends Record<keyof E, Listener>> {
  private readonly listeners = new Map<keyof E, Set<Listener>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) {
      try {
        l(...args);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
