import type { HrTime } from '@opentelemetry/api';

/**
 * Wall-clock time for spans from one `performance.now()` per reading.
 *
 * sdk-trace 3.1's span reads `Date.now()` and `performance.now()` at start, takes the start time
 * from `Date.now()` (millisecond resolution) and the end as start + elapsed `performance.now()`;
 * `hrTime()` adds `millisToHrTime(performance.timeOrigin)` on every call. This clock keeps an
 * anchor — a wall time as [seconds, nanoseconds] and the `performance.now()` it corresponds to —
 * so a reading is one `performance.now()`, a subtraction and an array. The anchor starts from
 * `performance.timeOrigin` and is checked against `Date.now()` at the first reading and then at
 * most once a second: it is kept while it agrees with `Date.now()` within that clock's own
 * millisecond (`Date.now()` floors: the true time is in [Date.now(), Date.now() + 1)), and moved
 * to `Date.now()` + 0.5 ms otherwise — so readings stay within 1 ms of the true time — when the
 * monotonic clock drifted from the wall clock by a millisecond, the wall clock was stepped, or
 * the machine slept (the reason upstream left `performance.timeOrigin`:
 * https://github.com/open-telemetry/opentelemetry-js/issues/3279).
 *
 * **Deviation** from sdk-trace: start times have sub-millisecond resolution (the SDK's are whole
 * milliseconds from `Date.now()`), within 1 ms of `Date.now()` rather than floored to it; and a
 * wall-clock step shows in span start times within a second instead of at the next span.
 * Durations are the same: elapsed `performance.now()`.
 */

/** Readings further apart than this re-check the anchor against `Date.now()`. */
const CHECK_EVERY_MS = 1000;

let anchorPerf = Number.NEGATIVE_INFINITY;
let anchorSeconds = 0;
let anchorNanos = 0;

/** The wall time `perf` (a `performance.now()` reading) corresponds to, from the anchor. */
function fromAnchor(perf: number): HrTime {
  let nanos = Math.round(anchorNanos + (perf - anchorPerf) * 1e6);
  let seconds = anchorSeconds;
  if (nanos >= 1e9 || nanos < 0) {
    const carry = Math.floor(nanos / 1e9);
    seconds += carry;
    nanos -= carry * 1e9;
  }
  return [seconds, nanos];
}

function setAnchor(perf: number, epochMillis: number): void {
  anchorPerf = perf;
  anchorSeconds = Math.floor(epochMillis / 1000);
  anchorNanos = Math.round((epochMillis - anchorSeconds * 1000) * 1e6);
}

function check(perf: number): void {
  const wall = Date.now();
  if (anchorPerf === Number.NEGATIVE_INFINITY) setAnchor(0, performance.timeOrigin);
  const [s, n] = fromAnchor(perf);
  const estimate = s * 1000 + n / 1e6;
  // Date.now() floors: the true time at `perf` (read just before) is in [wall - ε, wall + 1).
  if (estimate < wall || estimate >= wall + 1) setAnchor(perf, wall + 0.5);
  else {
    // Agrees: move the anchor to `perf` (same times), keeping the deltas small and exact.
    anchorPerf = perf;
    anchorSeconds = s;
    anchorNanos = n;
  }
}

/** The wall time of a `performance.now()` reading taken just before (at most ~1 s earlier). */
export function wallTimeAt(perf: number): HrTime {
  if (perf - anchorPerf > CHECK_EVERY_MS || perf < anchorPerf) check(perf);
  return fromAnchor(perf);
}

/** `start` + `elapsedMillis` as HrTime, and the elapsed time itself as HrTime. */
export function addMillis(start: HrTime, elapsedMillis: number): HrTime {
  let nanos = start[1] + Math.round(elapsedMillis * 1e6);
  let seconds = start[0];
  if (nanos >= 1e9) {
    const carry = Math.floor(nanos / 1e9);
    seconds += carry;
    nanos -= carry * 1e9;
  }
  return [seconds, nanos];
}

/** `elapsedMillis` (≥ 0) as HrTime. */
export function millisToDuration(elapsedMillis: number): HrTime {
  const nanos = Math.round(elapsedMillis * 1e6);
  const seconds = Math.floor(nanos / 1e9);
  return [seconds, nanos - seconds * 1e9];
}

/** The epoch milliseconds of an HrTime. */
export function hrTimeToEpochMillis(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}
