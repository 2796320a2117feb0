import type { SpanContext } from '@opentelemetry/api';
import type { HistogramCell, SumCell } from './cells.js';
import type { AnyInstrumentStorage } from './instrument-storage.js';
import { detachedSpanContext, hasValidSpanIds } from './span-ids.js';
import type { Exemplar } from './types.js';

/*
 * The exemplar reservoirs: what a series keeps of its sampled measurements, how a measurement is
 * offered, when the sampling cycle restarts, and how exporters read the result. Which
 * measurements are offered at all is the exemplar filter (exemplar-filter.ts).
 *
 * Two reservoirs, both allowed by the SDK spec
 * (https://opentelemetry.io/docs/specs/otel/metrics/sdk/#exemplarreservoir):
 * - counters: a reservoir of one (SimpleFixedSizeExemplarReservoir, size 1);
 * - histograms: one slot per bucket, as AlignedHistogramBucketExemplarReservoir, but each slot
 *   keeps a measurement drawn uniformly from the sampled ones of its bucket since the last
 *   collection (the SimpleFixedSizeExemplarReservoir algorithm per bucket) rather than the last
 *   one: a fair sample of the interval, and the clock is read only when a slot is replaced
 *   ("last seen" paid a Date.now() on every record inside a sampled span: +44 ns, 1.75x the
 *   record outside a span, measured on Node 20).
 *
 * Slots are allocated on a series' first sampled measurement: a series that never records inside
 * a sampled span pays nothing (memory per series is a tracked benchmark).
 *
 * The draw comes before the filter. Once a series has a slot, every measurement is counted and
 * only the one the draw picks looks at the context: the record path pays an increment and a
 * compare, and reads the active context (`AsyncLocalStorage.getStore()`, the floor of the old
 * order: ~16 ns per record on Node 24, most of the in-span exemplar cost) about ln N times in a
 * cycle of N measurements instead of N. A pick that lands outside a sampled span stays pending:
 * the next measurements look at their context until one is sampled, and that one is kept.
 * Deviation (SDK spec, SimpleFixedSizeExemplarReservoir: "uniformly-weighted sampling ... based on
 * the number of samples the reservoir has seen"): the count includes measurements the
 * `trace_based` filter would have rejected, so the kept measurement is the first sampled one at or
 * after a uniform pick among all of the cycle's measurements. When every measurement is in a
 * sampled span (always_on, or every request traced) that is exactly the spec's uniform draw
 * (tested with chi-square); with independent per-trace sampling each sampled measurement's chance
 * is (1 + the unsampled ones just before it) / N — uniform in expectation, never biased by value
 * or time. A cycle with any sampled measurement always ends with one of its own kept (tested).
 *
 * Where the algorithm runs, and what is inlined: the record methods of SumCell and HistogramCell
 * (cells.ts) keep the draw's check inline — an increment and a compare (for a histogram, a compare
 * of the bucket's own count), all a record pays between picks — and call the offer functions below
 * only for a pick, with the filter's answer (the sampler reads the context then). A series without
 * a slot yet calls the sampler on every record until one is in a sampled span. The offer functions are small and monomorphic; V8 inlines them into the record
 * methods, so hand-inlining them there (as cells.ts did, twice) bought nothing. Measured on
 * Node 20 when they moved here, before → after, interleaved in one process on a loaded 2-core
 * machine (medians): bound histogram record in a sampled span 147 → 115 ns, bound counter add
 * in a sampled span 58 → 56 ns, histogram record outside a span 147 → 125 ns; and with
 * `node bench/run.mjs --only histogram-exemplars`: in span / outside span 1.05× → 1.09×,
 * 100 records per cycle 1.58× → 1.30× (target ≤ 1.30×).
 */

/** The counter reservoir: one measurement, allocated on the first sampled one. */
export interface ExemplarSlot {
  value: number;
  /** Unix epoch ms. */
  timeMs: number;
  context: SpanContext;
  /** Measurements since the last collection, sampled or not (reservoir sampling: see above). */
  seen: number;
  /**
   * The measurement (counted as `seen`) that replaces the kept one next; 1 after a collection.
   * At or below `seen` while a pick waits for a measurement in a sampled span.
   */
  next: number;
}

/**
 * The histogram reservoir: one slot per bucket (the last one is +Inf), parallel arrays. The
 * measurements a bucket has seen in the cycle are not counted here: the cell's own bucket count
 * (`HistogramCell.counts[i]`, just incremented by the record) minus its value at the start of
 * the cycle (`base`), so a record compares its count with `nextAt` and writes nothing else.
 */
export interface BucketExemplars {
  readonly values: number[];
  readonly timesMs: number[];
  /** undefined: nothing sampled in this bucket yet. */
  readonly contexts: (SpanContext | undefined)[];
  /** Per bucket, its count when the cycle started: measurement n of the cycle has count `base + n`. */
  readonly base: number[];
  /** Per bucket, the count at which the next pick comes (`base + ` {@link ExemplarSlot.next}). */
  readonly nextAt: number[];
}

/**
 * Which offer replaces the kept measurement next, drawn when offer `n` has just replaced it.
 *
 * Algorithm R (k = 1) replaces on the m-th offer with probability 1/m, independently; the chance
 * that none of offers n+1 … m replaces is the product of (1 − 1/j) for j = n+1 … m, = n/m. So
 * with u uniform on (0, 1], the next replacement is the first m with m > n/u:
 * `floor(n / u) + 1` — the same distribution as one `Math.random()` per offer, drawn once per
 * replacement (Algorithm L's idea, for a reservoir of one). A cycle of N offers draws ~ln N times
 * instead of N; the record path pays an increment and a compare.
 * Measured in the realistic shape (bench/tools/exemplar-realistic.mjs): see bench/NOTES.md.
 */
export function nextReplacement(n: number): number {
  return Math.floor(n / (1 - Math.random())) + 1;
}

/** A counter reservoir holding its first sampled measurement. */
export function newExemplarSlot(value: number, context: SpanContext): ExemplarSlot {
  return { value, timeMs: Date.now(), context: detachedSpanContext(context), seen: 1, next: nextReplacement(1) };
}

/**
 * The measurement the draw picked (`slot.seen >= slot.next`, checked inline by the caller, which
 * reads the filter's span context only then): kept if it is in a sampled span, and the next pick
 * drawn; otherwise the pick stays pending. Algorithm R, k = 1, with the replacing measurements
 * drawn ahead by {@link nextReplacement}.
 */
export function offerExemplar(slot: ExemplarSlot, value: number, context: SpanContext | undefined): void {
  if (context === undefined) return;
  slot.value = value;
  slot.timeMs = Date.now();
  slot.context = detachedSpanContext(context);
  slot.next = nextReplacement(slot.seen);
}

/** Empty histogram reservoir for a cell whose bucket counts are `counts` (+Inf included): each bucket's next measurement is a pick. */
export function newBucketExemplars(counts: readonly number[]): BucketExemplars {
  const n = counts.length;
  return {
    values: new Array<number>(n).fill(0),
    timesMs: new Array<number>(n).fill(0),
    contexts: new Array<SpanContext | undefined>(n).fill(undefined),
    base: counts.slice(),
    nextAt: counts.map((c) => c + 1),
  };
}

/**
 * {@link offerExemplar} for the slot of bucket `i`, whose pick came (`count >= nextAt[i]`, checked
 * inline by the caller; `count` is the bucket's count including this measurement).
 */
export function offerBucketExemplar(slots: BucketExemplars, i: number, count: number, value: number, context: SpanContext | undefined): void {
  if (context === undefined) return;
  slots.values[i] = value;
  slots.timesMs[i] = Date.now();
  slots.contexts[i] = detachedSpanContext(context);
  const base = slots.base[i]!;
  slots.nextAt[i] = base + nextReplacement(count - base);
}

/**
 * Ends a sampling cycle (a collection that exported exemplars): the kept measurements stay
 * readable, and the next measurement of each reservoir is picked (replacing them if sampled, else
 * pending until one is).
 */
export function endExemplarCycle(instruments: readonly AnyInstrumentStorage[]): void {
  for (const s of instruments) {
    if (s.kind === 'sum') {
      for (const c of s.cells) {
        const slot = c.exemplar;
        if (slot !== undefined) {
          slot.seen = 0;
          slot.next = 1;
        }
      }
    } else if (s.kind === 'histogram') {
      for (const c of s.cells) {
        const slots = c.exemplars;
        if (slots !== undefined) {
          const counts = c.counts;
          for (let i = 0; i < counts.length; i++) {
            slots.base[i] = counts[i]!;
            slots.nextAt[i] = counts[i]! + 1;
          }
        }
      }
    }
  }
}

/**
 * The exported form of a kept measurement. Invalid span contexts (all-zero or malformed ids, as a
 * buggy propagator may produce) lose their ids rather than corrupt the export.
 */
export function toExemplar(value: number, timeMs: number, context: SpanContext): Exemplar {
  const valid = hasValidSpanIds(context.traceId, context.spanId);
  return { value, timeMs, traceId: valid ? context.traceId : '', spanId: valid ? context.spanId : '', filteredAttributes: {} };
}

/** Exemplars of a counter series (none or one). */
export function sumExemplars(cell: SumCell): Exemplar[] | undefined {
  const slot = cell.exemplar;
  return slot === undefined ? undefined : [toExemplar(slot.value, slot.timeMs, slot.context)];
}

/** Exemplars of a histogram series, in bucket order. */
export function histogramExemplars(cell: HistogramCell): Exemplar[] | undefined {
  const slots = cell.exemplars;
  if (slots === undefined) return undefined;
  const out: Exemplar[] = [];
  for (let i = 0; i < slots.contexts.length; i++) {
    const sc = slots.contexts[i];
    if (sc !== undefined) out.push(toExemplar(slots.values[i]!, slots.timesMs[i]!, sc));
  }
  return out;
}
