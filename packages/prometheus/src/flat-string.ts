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

/**
 * `s` as V8's one shared copy of its content: a flat string from V8's string table (a property
 * key is always such a string, so reading one back yields it). For label lists cached per
 * series, against {@link flatString}'s in-place flattening: a flattened rope stays a 32 B rope
 * object in front of its flat copy (V8 drops that indirection only for young objects, and a first
 * scrape of 50k series promotes them first), and series of several instruments with the same
 * attributes share one string instead of one each — prom-client's label-hash keys, being
 * dictionary keys, are shared the same way. The string table holds its entries weakly: a string
 * no series uses any more is collected.
 *
 * The holder is a fresh dictionary-mode object (`Object.create(null)`): adding a key to a `{}`
 * makes a hidden class per distinct key. Cost: ~0.8 µs per new series on its first scrape
 * (against ~0.1 µs for flatString; measured on Node 24, loaded machine), for ~100 B less per
 * series after it (bench/heap/child.mjs otelkit 50000 counters: ~340 → ~240 B with the other
 * changes of that commit). Later scrapes read the cached string as before.
 */
export function sharedString(s: string): string {
  const holder = Object.create(null) as Record<string, 0>;
  holder[s] = 0;
  return Object.keys(holder)[0] ?? s;
}
