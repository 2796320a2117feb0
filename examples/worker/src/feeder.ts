import type { SignalStore } from './signal-store.js';

export interface FeederOptions {
  /** One signal every `everyMs`. */
  readonly everyMs: number;
  /** Every n-th signal is `{ poison: true }` (cannot be scored); 0: none. */
  readonly poisonEvery: number;
}

export interface Feeder {
  /** Signals queued so far. */
  readonly fed: number;
  stop(): Promise<void>;
}

const SOURCES = ['rss', 'webhook', 'reddit'];

/**
 * A synthetic producer: queues one signal per tick through the store's pool (so an exhausted pool
 * stops it too, as it would stop a real producer sharing the pool). A tick whose previous insert
 * is still waiting is skipped, so a blocked pool accumulates one waiting insert, not thousands.
 */
export function startFeeder(store: SignalStore, o: FeederOptions): Feeder {
  let n = 0;
  let fed = 0;
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (inFlight !== undefined) return;
    n++;
    const payload = o.poisonEvery > 0 && n % o.poisonEvery === 0 ? { poison: true } : { source: SOURCES[n % SOURCES.length], trust: (n * 0.173) % 1 };
    inFlight = store
      .insert([payload])
      .then(
        () => void fed++,
        (e: Error) => console.error(`worker: feeder: ${e.message}`),
      )
      .finally(() => (inFlight = undefined));
  }, o.everyMs);
  return {
    get fed() {
      return fed;
    },
    stop: async () => {
      clearInterval(timer);
      await inFlight;
    },
  };
}
