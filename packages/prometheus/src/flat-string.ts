/**
 * Where {@link flatString} puts the character it reads. The read has to have a use: an unused
 * `s.charCodeAt(0);` statement is dead code to V8's optimizing compilers, so once the caller was
 * optimized (after a few thousand series) the label lists stayed ropes — 50k counter series
 * cost ~450 instead of ~390 B each after a scrape (bench/heap/child.mjs otelkit 50000 counters),
 * histograms ~748 instead of ~636 B.
 */
let sink = 0;

/**
 * `s`, flattened in place: a string built with `+` is a V8 rope (ConsString) that keeps every
 * piece it was built from (names, `="`, values, commas: ~3 extra 32 B objects per label), and
 * reading a character of a rope makes V8 copy it into one flat string that the rope then points
 * to, so the pieces can be collected. For strings that are kept (cached per series).
 */
export function flatString(s: string): string {
  // `| 0`: the character code of '' is NaN.
  sink = (sink + s.charCodeAt(0)) | 0;
  return s;
}
