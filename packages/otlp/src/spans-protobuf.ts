import type { Attributes, AttributeValue, HrTime, Link, SpanStatus } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

/*
 * ExportTraceServiceRequest protobuf (the body of OTLP/HTTP protobuf and of OTLP/gRPC
 * TraceService/Export), byte for byte what otlp-transformer 0.301's
 * ProtobufTraceSerializer.serializeRequest() writes (test/spans-protobuf.test.ts compares both
 * on the same spans), with less work per span — measured the largest CPU cost of a traced
 * request once the span itself is lean (bench/NOTES.md, request path: ~5.6 → ~2.2 µs per
 * 12-attribute span):
 * - one pass into a buffer kept between exports (upstream sizes the whole request in a first
 *   pass, then writes it into a new buffer);
 * - each attribute key's encoded bytes cached (the same dozen keys on every span), and the whole
 *   KeyValue while its value stays the same;
 * - ids written from hex straight into the buffer (no Uint8Array per id).
 * Lengths are varints written in front of their message: one byte is reserved, and the message
 * moved when its length needs more (as upstream does), so the bytes are the minimal encoding.
 */

const MAX_CACHED_KEYS = 4096;
const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;
const MIN_64_BIT_INT = -(2 ** 63);
const MAX_64_BIT_INT = 2 ** 63;
const encoder = new TextEncoder();

function varintSize(v: number): number {
  if (v < 128) return 1;
  if (v < 16384) return 2;
  if (v < 2097152) return 3;
  if (v < 268435456) return 4;
  return 5;
}

/**
 * Nibble per character code below 128, as upstream's hexToBinary reads it ('0'-'9', 'a'-'f',
 * anything else c - 55, kept to the byte it lands in): a table load instead of two compares per
 * character (with the one-pass string copy and the one-byte varint path, −21 … −30% CPU per
 * 12-attribute span, interleaved; bench/NOTES.md).
 */
const HEX_NIBBLE = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) t[c] = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : (c - 55) & 255;
  return t;
})();

/**
 * Per attribute key: its encoded `key` field, and the last value seen with it — once the same
 * value comes twice in a row, the whole encoded KeyValue is kept and copied while the value stays
 * the same (most of a server span's attributes: method, scheme, addresses, protocol, route,
 * status): a compare and a copy instead of encoding the value.
 */
interface KeyEntry {
  readonly key: Uint8Array;
  value: unknown;
  /** The KeyValue message for `value`, its length prefix included; undefined until `value` repeats. */
  kv: Uint8Array | undefined;
}
const KEYS = new Map<string, KeyEntry>();
/** Longest KeyValue kept whole (a longer value is rarely the same twice, and costs its copy). */
const MAX_KEPT_KEY_VALUE = 96;
const hasOwn = Object.prototype.hasOwnProperty;

class Writer {
  buf: Uint8Array;
  pos = 0;
  private readonly view = () => new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private dv: DataView;

  constructor(size = 1 << 16) {
    this.buf = new Uint8Array(size);
    this.dv = this.view();
  }

  shrink(): void {
    this.buf = new Uint8Array(1 << 16);
    this.dv = this.view();
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = this.view();
  }

  varint(value: number): void {
    this.ensure(10);
    const b = this.buf;
    if (value >= 0 && value <= 127) {
      // Tags, small lengths and counts: most varints of a span are one byte.
      b[this.pos++] = value;
      return;
    }
    if (value >= 0 && value <= 4294967295) {
      let v = value >>> 0;
      let p = this.pos;
      while (v > 127) {
        b[p++] = (v & 127) | 128;
        v >>>= 7;
      }
      b[p++] = v;
      this.pos = p;
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / 4294967296) >>> 0;
    } else {
      const abs = Math.abs(value);
      low = ~(abs >>> 0) >>> 0;
      high = ~((abs / 4294967296) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 127) {
      b[this.pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    b[this.pos++] = low & 127;
  }

  fixed32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    v >>>= 0;
    b[this.pos++] = v & 255;
    b[this.pos++] = (v >>> 8) & 255;
    b[this.pos++] = (v >>> 16) & 255;
    b[this.pos++] = (v >>> 24) & 255;
  }

  fixed64(low: number, high: number): void {
    this.fixed32(low);
    this.fixed32(high);
  }

  double(v: number): void {
    this.ensure(8);
    this.dv.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  string(s: string): void {
    // One pass: ASCII is copied as it is checked (its length in bytes is its length); a string
    // with any other character is rewound and UTF-8 encoded.
    const len = s.length;
    const start = this.pos;
    this.varint(len);
    this.ensure(len);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) {
        this.pos = start;
        this.bytes(encoder.encode(s));
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** `bytes` field content from a hex id, as upstream's hexToBinary + writeBytes. */
  hex(id: string): void {
    const n = id.length / 2;
    this.varint(n);
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const hi = id.charCodeAt(2 * i);
      const lo = id.charCodeAt(2 * i + 1);
      // Beyond ASCII (never valid hex), upstream's c - 55, to stay byte-equal on any input.
      b[p++] = ((hi < 128 ? HEX_NIBBLE[hi]! : hi - 55) << 4) | (lo < 128 ? HEX_NIBBLE[lo]! : lo - 55);
    }
    this.pos = p;
  }

  raw(data: Uint8Array): void {
    const n = data.length;
    this.ensure(n);
    if (n > 64) {
      this.buf.set(data, this.pos);
      this.pos += n;
      return;
    }
    // Short copies (keys, kept KeyValues): a loop beats TypedArray#set's setup.
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = data[i]!;
    this.pos = p;
  }

  /** Reserves one length byte; returns the mark for {@link end}. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  end(mark: number): void {
    const len = this.pos - mark - 1;
    const size = varintSize(len);
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(mark + size, mark + 1, this.pos);
      this.pos += size - 1;
    }
    let v = len;
    let p = mark;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
  }

  /** The KeyValue's `key` field (tag + length + bytes) and last value, cached per key for every writer ({@link KEYS}). */
  entry(k: string): KeyEntry {
    let e = KEYS.get(k);
    if (e === undefined) {
      const start = this.pos;
      this.varint((1 << 3) | 2);
      this.string(k);
      e = { key: this.buf.slice(start, this.pos), value: undefined, kv: undefined };
      this.pos = start;
      if (KEYS.size < MAX_CACHED_KEYS) KEYS.set(k, e);
    }
    return e;
  }
}

function hrTime(w: Writer, t: HrTime): void {
  // upstream's writeHrTimeAsFixed64, step for step (exact for any HrTime).
  const seconds = t[0];
  const nanos = t[1];
  const secondsLower16Bits = seconds & 65535;
  const secondsUpperBits = (seconds / 65536) >>> 0;
  const nanosFromLower16Bits = secondsLower16Bits * 1e9;
  const nanosFromUpperBits = secondsUpperBits * 1e9;
  const lower16ContributionLow32 = nanosFromLower16Bits >>> 0;
  const lower16ContributionHigh32 = Math.floor(nanosFromLower16Bits / 4294967296);
  const upperBitsContributionLow32 = ((nanosFromUpperBits & 65535) * 65536) >>> 0;
  const upperBitsContributionHigh32 = (nanosFromUpperBits / 65536) >>> 0;
  const low32WithCarry = lower16ContributionLow32 + upperBitsContributionLow32 + nanos;
  const carry = Math.floor(low32WithCarry / 4294967296);
  w.fixed64(low32WithCarry >>> 0, (lower16ContributionHigh32 + upperBitsContributionHigh32 + carry) >>> 0);
}

function anyValue(w: Writer, value: unknown): void {
  const t = typeof value;
  if (t === 'string') {
    w.varint((1 << 3) | 2);
    w.string(value as string);
  } else if (t === 'boolean') {
    w.varint((2 << 3) | 0);
    w.varint(value ? 1 : 0);
  } else if (t === 'number') {
    const n = value as number;
    if (Number.isInteger(n) && n >= MIN_64_BIT_INT && n < MAX_64_BIT_INT) {
      w.varint((3 << 3) | 0);
      w.varint(n);
    } else {
      w.varint((4 << 3) | 1);
      w.double(n);
    }
  } else if (value instanceof Uint8Array) {
    w.varint((7 << 3) | 2);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.varint((5 << 3) | 2);
    const array = w.begin();
    for (const item of value) {
      w.varint((1 << 3) | 2);
      const m = w.begin();
      anyValue(w, item);
      w.end(m);
    }
    w.end(array);
  } else if (t === 'object' && value != null) {
    w.varint((6 << 3) | 2);
    const list = w.begin();
    const obj = value as Record<string, unknown>;
    for (const k in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
      w.varint((1 << 3) | 2);
      const kv = w.begin();
      w.varint((1 << 3) | 2);
      w.string(k);
      w.varint((2 << 3) | 2);
      const v = w.begin();
      anyValue(w, obj[k]);
      w.end(v);
      w.end(kv);
    }
    w.end(list);
  }
}

function attributes(w: Writer, attrs: Attributes, field: number): void {
  const tag = (field << 3) | 2;
  for (const key in attrs) {
    if (!hasOwn.call(attrs, key)) continue;
    const value = attrs[key];
    const e = w.entry(key);
    w.varint(tag);
    const same = value === e.value;
    if (same && e.kv !== undefined) {
      w.raw(e.kv);
      continue;
    }
    const start = w.pos;
    const kv = w.begin();
    w.raw(e.key);
    w.varint((2 << 3) | 2);
    const v = w.begin();
    anyValue(w, value as AttributeValue);
    w.end(v);
    w.end(kv);
    if (!same) {
      // Objects (arrays, bytes) are never kept: their content can change under the same reference.
      e.value = typeof value === 'object' ? undefined : value;
      e.kv = undefined;
    } else if (w.pos - start <= MAX_KEPT_KEY_VALUE) e.kv = w.buf.slice(start, w.pos);
  }
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  let flags = (traceFlags & 255) | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK;
  if (isRemote) flags |= SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK;
  return flags;
}

function status(w: Writer, s: SpanStatus): void {
  const m = w.begin();
  if (s.message) {
    w.varint((2 << 3) | 2);
    w.string(s.message);
  }
  w.varint((3 << 3) | 0);
  w.varint(s.code);
  w.end(m);
}

function event(w: Writer, e: TimedEvent): void {
  const m = w.begin();
  w.varint((1 << 3) | 1);
  hrTime(w, e.time);
  w.varint((2 << 3) | 2);
  w.string(e.name);
  if (e.attributes) attributes(w, e.attributes, 3);
  w.varint((4 << 3) | 0);
  w.varint(e.droppedAttributesCount || 0);
  w.end(m);
}

function link(w: Writer, l: Link & { droppedAttributesCount?: number }): void {
  const m = w.begin();
  const ctx = l.context;
  w.varint((1 << 3) | 2);
  w.hex(ctx.traceId);
  w.varint((2 << 3) | 2);
  w.hex(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.varint((3 << 3) | 2);
    w.string(traceState);
  }
  if (l.attributes) attributes(w, l.attributes, 4);
  w.varint((5 << 3) | 0);
  w.varint(l.droppedAttributesCount || 0);
  const flags = spanFlags(ctx.traceFlags, ctx.isRemote);
  if (flags) {
    w.varint((6 << 3) | 5);
    w.fixed32(flags);
  }
  w.end(m);
}

function span(w: Writer, s: ReadableSpan): void {
  const m = w.begin();
  const ctx = s.spanContext();
  w.varint((1 << 3) | 2);
  w.hex(ctx.traceId);
  w.varint((2 << 3) | 2);
  w.hex(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.varint((3 << 3) | 2);
    w.string(traceState);
  }
  if (s.parentSpanContext?.spanId) {
    w.varint((4 << 3) | 2);
    w.hex(s.parentSpanContext.spanId);
  }
  w.varint((5 << 3) | 2);
  w.string(s.name);
  const kind = s.kind == null ? 0 : s.kind + 1;
  if (kind !== 0) {
    w.varint((6 << 3) | 0);
    w.varint(kind);
  }
  w.varint((7 << 3) | 1);
  hrTime(w, s.startTime);
  w.varint((8 << 3) | 1);
  hrTime(w, s.endTime);
  if (s.attributes) attributes(w, s.attributes, 9);
  w.varint((10 << 3) | 0);
  w.varint(s.droppedAttributesCount);
  for (const e of s.events) {
    w.varint((11 << 3) | 2);
    event(w, e);
  }
  w.varint((12 << 3) | 0);
  w.varint(s.droppedEventsCount);
  for (const l of s.links) {
    w.varint((13 << 3) | 2);
    link(w, l);
  }
  w.varint((14 << 3) | 0);
  w.varint(s.droppedLinksCount);
  w.varint((15 << 3) | 2);
  status(w, s.status);
  const flags = spanFlags(ctx.traceFlags, s.parentSpanContext?.isRemote);
  if (flags) {
    w.varint((16 << 3) | 5);
    w.fixed32(flags);
  }
  w.end(m);
}

function scope(w: Writer, sc: InstrumentationScope & { attributes?: Attributes; droppedAttributesCount?: number }): void {
  w.varint((1 << 3) | 2);
  const m = w.begin();
  w.varint((1 << 3) | 2);
  w.string(sc.name);
  if (sc.version) {
    w.varint((2 << 3) | 2);
    w.string(sc.version);
  }
  if (sc.attributes) attributes(w, sc.attributes, 3);
  if (sc.droppedAttributesCount) {
    w.varint((4 << 3) | 0);
    w.varint(sc.droppedAttributesCount);
  }
  w.end(m);
}

function resource(w: Writer, r: Resource): void {
  w.varint((1 << 3) | 2);
  const m = w.begin();
  if (r.attributes) attributes(w, r.attributes as Attributes, 1);
  w.varint((2 << 3) | 0);
  w.varint(0);
  w.end(m);
}

type Scope = InstrumentationScope;

/**
 * ResourceSpans → ScopeSpans around each group's spans, resources and scopes in the order they
 * first appeared (the grouping upstream's serializer makes).
 */
function writeGroups<T>(w: Writer, groups: Map<Resource, Map<Scope, T>>, spans: (w: Writer, group: T) => void): void {
  for (const [res, scopes] of groups) {
    w.varint((1 << 3) | 2);
    const rs = w.begin();
    resource(w, res);
    for (const [sc, group] of scopes) {
      w.varint((2 << 3) | 2);
      const ss = w.begin();
      scope(w, sc);
      spans(w, group);
      if (sc.schemaUrl) {
        w.varint((3 << 3) | 2);
        w.string(sc.schemaUrl);
      }
      w.end(ss);
    }
    if (res.schemaUrl) {
      w.varint((3 << 3) | 2);
      w.string(res.schemaUrl);
    }
    w.end(rs);
  }
}

const writer = new Writer();

function finish(w: Writer): Uint8Array {
  const out = w.buf.slice(0, w.pos);
  // A batch far larger than usual does not keep its buffer.
  if (w.buf.length > 1 << 24) w.shrink();
  return out;
}

/** The ExportTraceServiceRequest for `spans` (a new array: the writer's buffer is reused). */
export function encodeSpansProtobuf(spans: readonly ReadableSpan[]): Uint8Array {
  const byResource = new Map<Resource, Map<Scope, ReadableSpan[]>>();
  for (const s of spans) {
    let scopes = byResource.get(s.resource);
    if (scopes === undefined) byResource.set(s.resource, (scopes = new Map()));
    let list = scopes.get(s.instrumentationScope);
    if (list === undefined) scopes.set(s.instrumentationScope, (list = []));
    list.push(s);
  }
  const w = writer;
  w.pos = 0;
  writeGroups(w, byResource, (w, list) => {
    for (const s of list) {
      w.varint((2 << 3) | 2);
      span(w, s);
    }
  });
  return finish(w);
}

/** Chunk writers released by built requests, kept for the next ones (a few: one per scope in use). */
const chunkPool: Writer[] = [];
const CHUNK_POOL_SIZE = 8;

/**
 * An ExportTraceServiceRequest built span by span: {@link append} encodes a span the moment it
 * ends (into its resource and scope's chunk), {@link request} wraps the chunks into the request —
 * byte for byte {@link encodeSpansProtobuf} of the same spans in the same order.
 *
 * Why: a batch span processor holds up to 512 ended spans for up to 5 s before encoding them, long
 * enough for the spans (a dozen objects each) to survive young-generation collections and be
 * promoted; held as bytes, each span can die young (bench/NOTES.md, the end-to-end gap).
 */
export class SpanRequestBuilder {
  /** Spans appended since the last {@link reset}. */
  count = 0;
  readonly #groups = new Map<Resource, Map<Scope, Writer>>();
  #lastResource: Resource | undefined;
  #lastScope: Scope | undefined;
  #last: Writer | undefined;

  /**
   * Encodes `s` into the request. Throws what the encoder throws on a value it cannot read
   * (nothing of the span is then kept).
   */
  append(s: ReadableSpan): void {
    const res = s.resource;
    const sc = s.instrumentationScope;
    let w = this.#last;
    if (w === undefined || res !== this.#lastResource || sc !== this.#lastScope) w = this.#chunk(res, sc);
    const start = w.pos;
    try {
      w.varint((2 << 3) | 2);
      span(w, s);
    } catch (e) {
      w.pos = start;
      throw e;
    }
    this.count++;
  }

  /** The resources of the spans appended (the caller waits for their asynchronous attributes). */
  resources(): IterableIterator<Resource> {
    return this.#groups.keys();
  }

  /** The request for every span appended so far (a new array). */
  request(): Uint8Array {
    const w = writer;
    w.pos = 0;
    writeGroups(w, this.#groups, (w, chunk) => w.raw(chunk.buf.subarray(0, chunk.pos)));
    return finish(w);
  }

  /** Forgets the spans appended; their buffers go back to the pool. */
  reset(): void {
    for (const scopes of this.#groups.values()) {
      for (const chunk of scopes.values()) {
        if (chunkPool.length < CHUNK_POOL_SIZE && chunk.buf.length <= 1 << 24) {
          chunk.pos = 0;
          chunkPool.push(chunk);
        }
      }
    }
    this.#groups.clear();
    this.#last = this.#lastResource = this.#lastScope = undefined;
    this.count = 0;
  }

  #chunk(res: Resource, sc: Scope): Writer {
    let scopes = this.#groups.get(res);
    if (scopes === undefined) this.#groups.set(res, (scopes = new Map()));
    let w = scopes.get(sc);
    if (w === undefined) scopes.set(sc, (w = chunkPool.pop() ?? new Writer(1 << 14)));
    this.#lastResource = res;
    this.#lastScope = sc;
    this.#last = w;
    return w;
  }
}
