/**
 * AnyValue attribute values (API 1.10, OTEP 4485): besides strings, numbers and booleans, a value
 * may be a byte array (`Uint8Array`), an array of any values (nested, mixed), a plain-object map
 * of any values, or `null` (the empty value). `undefined` means "no attribute" at the top level
 * and in a map, and the empty value inside an array (JSON.stringify's reading too).
 * https://opentelemetry.io/docs/specs/otel/common/#anyvalue
 *
 * Series identity is by content: "Maps are equal when they contain the same key-value pairs,
 * irrespective of the order in which those elements appear (unordered collection equality)"
 * (https://opentelemetry.io/docs/specs/otel/common/#mapstring-anyvalue), and attribute sets are
 * equal when their attributes are. Two distinct but equal maps, arrays or byte arrays are one
 * series: they are found in the trie through one token per distinct content ({@link AnyValueKeys}).
 *
 * Not AnyValues (dropped with a warning): bigint, symbols, functions, typed arrays other than
 * Uint8Array, and objects that are not plain (Date, Error, Map, class instances), as listed in
 * `@opentelemetry/api` 1.10's `AnyValue` documentation.
 */

/**
 * Containers (arrays, maps) nested deeper than this are refused. The spec allows arbitrary depth,
 * but a metric attribute is a series identity, and its label value is rendered as JSON on every
 * scrape: 16 levels is far beyond any real attribute (semantic conventions use at most 2), and a
 * bound also turns a cyclic value into an ordinary refusal rather than unbounded recursion.
 */
export const ANY_VALUE_MAX_DEPTH = 16;

/**
 * At most this many elements and map entries in one attribute value, all levels together. Every
 * record call with a non-primitive value walks it once to find its series, and its Prometheus
 * label value is ~10 bytes per element on every sample line of every scrape: 1024 elements keep
 * that walk in the tens of microseconds and a label value to ~10 KiB; anything bigger is a payload
 * recorded by mistake, not a series identity.
 */
export const ANY_VALUE_MAX_NODES = 1024;

/** Why a value is not kept as an attribute value. */
export type AnyValueFault = 'not an AnyValue' | 'cyclic' | 'nested too deep' | 'too large';

class Refused {
  constructor(readonly fault: AnyValueFault) {}
}

interface Walk {
  nodes: number;
  readonly path: object[];
}

function isPlainObject(v: object): boolean {
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Enters a container: refuses cycles, excessive depth and size. */
function enter(w: Walk, v: object, elements: number): void {
  if (w.path.includes(v)) throw new Refused('cyclic');
  if (w.path.length >= ANY_VALUE_MAX_DEPTH) throw new Refused('nested too deep');
  w.nodes += elements;
  if (w.nodes > ANY_VALUE_MAX_NODES) throw new Refused('too large');
  w.path.push(v);
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Content key: a type-tagged, JSON-like string that is injective on AnyValue content (strings
 * quoted, numbers bare, `t`/`f`, `z` for the empty value, `b` + hex for bytes, map keys sorted).
 */
function keyOf(v: unknown, w: Walk): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      // String(-0) is "0": 0 and -0 are one series, as they are for primitive values (SameValueZero).
      return String(v);
    case 'boolean':
      return v ? 't' : 'f';
    case 'undefined':
      return 'z';
    case 'object':
      break;
    default:
      throw new Refused('not an AnyValue');
  }
  if (v === null) return 'z';
  if (v instanceof Uint8Array) {
    // Hex through a table: a Buffer view plus base64 cost ~1 µs per call for 16 bytes (measured).
    let out = 'b';
    for (let i = 0; i < v.length; i++) out += HEX[v[i]!];
    return out;
  }
  if (Array.isArray(v)) {
    enter(w, v, v.length);
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + keyOf(v[i], w);
    w.path.pop();
    return out + ']';
  }
  if (!isPlainObject(v)) throw new Refused('not an AnyValue');
  const keys = Object.keys(v).sort();
  enter(w, v, keys.length);
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + keyOf(x, w);
    first = false;
  }
  w.path.pop();
  return out + '}';
}

/** Frozen deep copy: map keys sorted, undefined map entries left out, undefined array elements → null, bytes copied. */
function copyOf(v: unknown, w: Walk): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return v === 0 ? 0 : v;
    case 'undefined':
      return null;
    case 'object':
      break;
    default:
      throw new Refused('not an AnyValue');
  }
  if (v === null) return null;
  // A plain Uint8Array (not a Buffer, whose toJSON would change its JSON); typed arrays with
  // elements cannot be frozen, and nothing hands this copy out for writing.
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) {
    enter(w, v, v.length);
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyOf(v[i], w);
    w.path.pop();
    return Object.freeze(out);
  }
  if (!isPlainObject(v)) throw new Refused('not an AnyValue');
  const keys = Object.keys(v).sort();
  enter(w, v, keys.length);
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = copyOf(x, w);
  }
  w.path.pop();
  return Object.freeze(out);
}

/** The content key of an attribute value, or why it is refused. Never throws. */
export function anyValueKey(v: unknown): { key: string } | { fault: AnyValueFault } {
  try {
    return { key: keyOf(v, { nodes: 0, path: [] }) };
  } catch (e) {
    // A getter or a Proxy trap that throws makes the value unusable, never the record call.
    return { fault: e instanceof Refused ? e.fault : 'not an AnyValue' };
  }
}

/**
 * A frozen copy of an attribute value to keep with its series, or why it is refused (`undefined`
 * is "no attribute" and is refused as not an AnyValue: callers skip it first). Never throws.
 */
export function copyAnyValue(v: unknown): { value: unknown } | { fault: AnyValueFault } {
  if (v === undefined) return { fault: 'not an AnyValue' };
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return { value: v };
  let fault: AnyValueFault | undefined;
  let value: unknown;
  try {
    value = copyOf(v, { nodes: 0, path: [] });
  } catch (e) {
    fault = e instanceof Refused ? e.fault : 'not an AnyValue';
  }
  return fault === undefined ? { value } : { fault };
}

/** Whether `v` is an attribute value otelkit keeps (any AnyValue within the bounds above). */
export function isAnyValue(v: unknown): boolean {
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || v === null) return true;
  if (v === undefined) return false;
  return 'key' in anyValueKey(v);
}

/** Stands for content no series has: matches nothing in the trie, and is never stored in it. */
const ABSENT: object = Object.freeze({});

/**
 * Trie keys of attribute values for one instrument: primitives and `null` are their own key; a
 * byte array, array or map is keyed by one token object per distinct content, so equal content
 * finds the same child whatever the object, and no string value can ever be mistaken for it.
 * Tokens are made only when a series (or a remembered key order) is made, so they are bounded
 * like the series are.
 */
export class AnyValueKeys {
  readonly #tokens = new Map<string, object>();

  /** The key of `v` if some series may have it; a key that matches nothing otherwise (absent or refused content). */
  find(v: unknown): unknown {
    if (v === null || typeof v !== 'object') return v;
    const k = anyValueKey(v);
    if (!('key' in k)) return ABSENT;
    return this.#tokens.get(k.key) ?? ABSENT;
  }

  /** The key of `v`, made if new (called only when a trie node is made for it). */
  intern(v: unknown): unknown {
    if (v === null || typeof v !== 'object') return v;
    const k = anyValueKey(v);
    if (!('key' in k)) return ABSENT;
    let token = this.#tokens.get(k.key);
    if (token === undefined) {
      token = Object.freeze(Object.create(null) as object);
      this.#tokens.set(k.key, token);
    }
    return token;
  }
}
