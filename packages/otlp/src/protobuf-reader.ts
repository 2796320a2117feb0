/** First occurrence of a string field in a protobuf message, or undefined (malformed input included). */
export function readStringField(buf: Uint8Array, field: number): string | undefined {
  const r = new ProtobufReader(buf);
  while (!r.atEnd()) {
    const tag = r.varint();
    if (tag === undefined) return undefined;
    const f = tag >>> 3;
    const wire = tag & 7;
    if (f === field && wire === 2) return r.string();
    if (!r.skip(wire)) return undefined;
  }
  return undefined;
}

/** Just enough of a protobuf reader to decode responses (partial success, rpc Status). */
export class ProtobufReader {
  readonly #buf: Uint8Array;
  #pos = 0;
  readonly #end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  atEnd(): boolean {
    return this.#pos >= this.#end;
  }

  /** A varint as a JS number (exact below 2^53), undefined if truncated. */
  varint(): number | undefined {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= this.#end) return undefined;
      const b = this.#buf[this.#pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    return undefined;
  }

  /** The bytes of a length-delimited field as [start, end), undefined if truncated. */
  lengthDelimited(): [number, number] | undefined {
    const n = this.varint();
    if (n === undefined || this.#pos + n > this.#end) return undefined;
    const start = this.#pos;
    this.#pos += n;
    return [start, start + n];
  }

  string(): string | undefined {
    const r = this.lengthDelimited();
    return r === undefined ? undefined : Buffer.from(this.#buf.buffer, this.#buf.byteOffset + r[0], r[1] - r[0]).toString('utf8');
  }

  skip(wire: number): boolean {
    switch (wire) {
      case 0:
        return this.varint() !== undefined;
      case 1:
        this.#pos += 8;
        return this.#pos <= this.#end;
      case 2:
        return this.lengthDelimited() !== undefined;
      case 5:
        this.#pos += 4;
        return this.#pos <= this.#end;
      default:
        return false;
    }
  }
}
