/**
 * A minimal protobuf wire-format writer: one growable buffer, nested messages written in place
 * with a one-byte length slot that is widened (content shifted) only when a message reaches 128
 * bytes. `@opentelemetry/otlp-transformer` has a similar writer but does not export it (its
 * package exports only the finished serializers), so otelkit carries its own.
 * https://protobuf.dev/programming-guides/encoding/
 */

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const TWO_32 = 0x1_0000_0000;

export class ProtobufWriter {
  #buf: Uint8Array;
  #view: DataView;
  pos = 0;

  constructor(initialSize = 4096) {
    this.#buf = new Uint8Array(initialSize);
    this.#view = new DataView(this.#buf.buffer);
  }

  #ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /** The bytes written so far (a view, valid until the next write). */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.pos);
  }

  tag(field: number, wire: number): void {
    this.varint32((field << 3) | wire);
  }

  /** Unsigned varint of a value in [0, 2^32). */
  varint32(v: number): void {
    this.#ensure(5);
    const b = this.#buf;
    let p = this.pos;
    v >>>= 0;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  /** Varint of a 64-bit two's-complement value given as low/high 32-bit halves. */
  varint64(lo: number, hi: number): void {
    this.#ensure(10);
    const b = this.#buf;
    let p = this.pos;
    lo >>>= 0;
    hi >>>= 0;
    while (hi > 0 || lo >= 0x80) {
      b[p++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    b[p++] = lo;
    this.pos = p;
  }

  fixed64(lo: number, hi: number): void {
    this.#ensure(8);
    this.#view.setUint32(this.pos, lo >>> 0, true);
    this.#view.setUint32(this.pos + 4, hi >>> 0, true);
    this.pos += 8;
  }

  double(v: number): void {
    this.#ensure(8);
    this.#view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Starts a length-delimited field; pass the returned mark to {@link endLen}. */
  beginLen(field: number): number {
    this.tag(field, WIRE_LEN);
    this.#ensure(1);
    return this.pos++;
  }

  endLen(mark: number): void {
    const len = this.pos - mark - 1;
    if (len < 0x80) {
      this.#buf[mark] = len;
      return;
    }
    const size = len < 0x4000 ? 2 : len < 0x20_0000 ? 3 : len < 0x1000_0000 ? 4 : 5;
    this.#ensure(size - 1);
    this.#buf.copyWithin(mark + size, mark + 1, this.pos);
    this.pos += size - 1;
    let v = len;
    let p = mark;
    while (v >= 0x80) {
      this.#buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buf[p] = v;
  }

  // Field helpers. proto3 scalars equal to their default are omitted by callers where the
  // field has no presence; `optional` fields and oneof members are always written.

  string(field: number, s: string): void {
    this.tag(field, WIRE_LEN);
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    const max = s.length * 3;
    this.#ensure(max + 5);
    if (max < 0x80) {
      const mark = this.pos++;
      const n = encodeInto(s, this.#buf, this.pos);
      this.#buf[mark] = n;
      this.pos += n;
    } else {
      const n = Buffer.byteLength(s, 'utf8');
      this.varint32(n);
      encodeInto(s, this.#buf, this.pos);
      this.pos += n;
    }
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint32(data.length);
    this.#ensure(data.length);
    this.#buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** A hex string written as bytes (trace and span ids); the caller checks the hex is valid. */
  hexBytes(field: number, hex: string): void {
    const n = hex.length >>> 1;
    this.tag(field, WIRE_LEN);
    this.varint32(n);
    this.#ensure(n);
    const b = this.#buf;
    for (let i = 0; i < n; i++) b[this.pos + i] = (hexNibble(hex.charCodeAt(2 * i)) << 4) | hexNibble(hex.charCodeAt(2 * i + 1));
    this.pos += n;
  }

  uint32Field(field: number, v: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint32(v);
  }

  boolField(field: number, v: boolean): void {
    this.tag(field, WIRE_VARINT);
    this.varint32(v ? 1 : 0);
  }

  doubleField(field: number, v: number): void {
    this.tag(field, WIRE_I64);
    this.double(v);
  }

  /** fixed64 from a non-negative integer below 2^53. */
  fixed64Field(field: number, v: number): void {
    this.tag(field, WIRE_I64);
    this.fixed64(v % TWO_32, Math.floor(v / TWO_32));
  }

  /** sfixed64 from a safe integer (two's complement for negatives). */
  sfixed64Field(field: number, v: number): void {
    this.tag(field, WIRE_I64);
    const [lo, hi] = int64Halves(v);
    this.fixed64(lo, hi);
  }

  /** int64 varint from a safe integer (negative values take 10 bytes, as protobuf requires). */
  int64Field(field: number, v: number): void {
    this.tag(field, WIRE_VARINT);
    const [lo, hi] = int64Halves(v);
    this.varint64(lo, hi);
  }

  /** fixed64 nanoseconds since the epoch from an HrTime `[seconds, nanos]`, exactly. */
  hrTimeField(field: number, seconds: number, nanos: number): void {
    this.tag(field, WIRE_I64);
    const [lo, hi] = hrTimeToNanosHalves(seconds, nanos);
    this.fixed64(lo, hi);
  }

  /** Packed repeated fixed64 from non-negative integers below 2^53. */
  packedFixed64(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    this.tag(field, WIRE_LEN);
    this.varint32(values.length * 8);
    for (const v of values) this.fixed64(v % TWO_32, Math.floor(v / TWO_32));
  }

  packedDouble(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    this.tag(field, WIRE_LEN);
    this.varint32(values.length * 8);
    for (const v of values) this.double(v);
  }

  /** Packed repeated uint64 varints from non-negative integers below 2^53. */
  packedUint64(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const mark = this.beginLen(field);
    for (const v of values) this.varint64(v % TWO_32, Math.floor(v / TWO_32));
    this.endLen(mark);
  }

  sint32Field(field: number, v: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint32(((v << 1) ^ (v >> 31)) >>> 0);
  }
}

function encodeInto(s: string, buf: Uint8Array, pos: number): number {
  // Short ASCII strings (attribute keys, metric names) are the common case; a plain loop beats
  // TextEncoder.encodeInto for them.
  if (s.length < 64) {
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos + i] = c;
    }
    if (i === s.length) return i;
  }
  return textEncoder.encodeInto(s, buf.subarray(pos)).written;
}

const textEncoder = new TextEncoder();

function hexNibble(c: number): number {
  // '0'-'9' → 0-9, 'a'-'f' / 'A'-'F' → 10-15
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

/** Low/high 32-bit halves of a safe integer in two's complement. */
export function int64Halves(v: number): [number, number] {
  if (v >= 0) return [v % TWO_32 >>> 0, Math.floor(v / TWO_32) >>> 0];
  const a = -v;
  let lo = ~(a % TWO_32 >>> 0) >>> 0;
  let hi = ~(Math.floor(a / TWO_32) >>> 0) >>> 0;
  lo = (lo + 1) >>> 0;
  if (lo === 0) hi = (hi + 1) >>> 0;
  return [lo, hi];
}

/**
 * `seconds * 1e9 + nanos` as two 32-bit halves without losing precision (the product exceeds
 * 2^53 for any current date). seconds = a·2^16 + b, so the value is (a·1e9)·2^16 + b·1e9 + nanos,
 * where every partial product stays below 2^53.
 */
export function hrTimeToNanosHalves(seconds: number, nanos: number): [number, number] {
  const a = Math.floor(seconds / 65536);
  const b = seconds - a * 65536;
  const x = a * 1e9; // < 2^46
  const rest = b * 1e9 + nanos; // < 2^47
  let lo = (x % 65536) * 65536 + (rest % TWO_32);
  let hi = Math.floor(x / 65536) + Math.floor(rest / TWO_32);
  if (lo >= TWO_32) {
    lo -= TWO_32;
    hi += 1;
  }
  return [lo, hi];
}

/** Decimal string of `seconds * 1e9 + nanos` (OTLP/JSON encodes fixed64 as a string). */
export function hrTimeToNanosString(seconds: number, nanos: number): string {
  if (seconds === 0) return String(nanos);
  const n = String(nanos);
  return `${seconds}${'000000000'.slice(n.length)}${n}`;
}
