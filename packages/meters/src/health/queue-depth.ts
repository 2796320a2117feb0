import type { Attributes, ObservableResult } from '@opentelemetry/api';
import { describeValue, type WarnOnce } from '@otelkit/metrics';
import { QUEUE_DEPTH } from './definitions.js';

/** Sets the depth of one queue; the gauge reports the last value set at each collection. */
export interface QueueDepthHandle {
  /** A finite number >= 0; anything else is dropped with one warning and the last good value stays. */
  set(depth: number): void;
}

/** Reads a queue's depth at collection time (a `SELECT count(*)`, a broker call). */
export type QueueDepthReader = () => number | PromiseLike<number>;

function validDepth(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v !== Infinity;
}

/** @internal one queue of a {@link QueueDepthGauge} */
export class QueueEntry implements QueueDepthHandle {
  readonly attributes: Attributes;
  value: number | undefined = undefined;
  reader: QueueDepthReader | undefined = undefined;
  readonly #warn: WarnOnce;

  constructor(warn: WarnOnce, attributes: Attributes) {
    this.#warn = warn;
    this.attributes = attributes;
  }

  set(depth: number): void {
    if (!validDepth(depth)) {
      this.#warn.warn(`bad-value:${QUEUE_DEPTH.name}:set`, `${QUEUE_DEPTH.name}: dropped ${describeValue(depth)} (a depth is a finite number >= 0)`);
      return;
    }
    this.value = depth;
  }
}

/**
 * The queue-depth gauge of one service: entries are set by the caller or read by a reader
 * function when a collection runs, so a scrape always shows the depth of that moment.
 */
export class QueueDepthGauge {
  readonly #entries = new Set<QueueEntry>();
  readonly #warn: WarnOnce;

  constructor(warn: WarnOnce) {
    this.#warn = warn;
  }

  add(entry: QueueEntry): void {
    this.#entries.add(entry);
  }

  /** The observable callback: returns a promise only when some reader is asynchronous. */
  readonly observe = (result: ObservableResult): void | Promise<void> => {
    let pending: Promise<void>[] | undefined;
    for (const e of this.#entries) {
      if (e.reader === undefined) {
        if (e.value !== undefined) result.observe(e.value, e.attributes);
        continue;
      }
      let v: number | PromiseLike<number>;
      try {
        v = e.reader();
      } catch (err) {
        this.#readFailed(err);
        continue;
      }
      if (v !== null && typeof v === 'object' && typeof (v as PromiseLike<number>).then === 'function') {
        (pending ??= []).push(
          Promise.resolve(v).then(
            (x) => this.#report(result, e, x),
            (err: unknown) => this.#readFailed(err),
          ),
        );
      } else this.#report(result, e, v);
    }
    if (pending !== undefined) return Promise.all(pending).then(() => undefined);
  };

  #report(result: ObservableResult, e: QueueEntry, v: unknown): void {
    if (!validDepth(v)) {
      this.#warn.warn(`bad-value:${QUEUE_DEPTH.name}:read`, `${QUEUE_DEPTH.name}: a queue depth reader returned ${describeValue(v)}; that queue is left out of this collection`);
      return;
    }
    result.observe(v, e.attributes);
  }

  #readFailed(err: unknown): void {
    this.#warn.warn(
      `read-failed:${QUEUE_DEPTH.name}`,
      `${QUEUE_DEPTH.name}: a queue depth reader failed (${err instanceof Error ? err.message : typeof err}); that queue is left out of this collection`,
    );
  }
}
