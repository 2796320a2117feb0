import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace';

const POOL_BYTES = 4096;
const INVALID_SPAN_ID = '0000000000000000';
const INVALID_TRACE_ID = '00000000000000000000000000000000';

/**
 * Trace and span ids cut from a pool of random bytes hex-encoded in one call, 4 KiB at a time.
 * sdk-trace's RandomIdGenerator writes `Math.random()` words into a Buffer and hex-encodes each id
 * with its own `toString('hex')` (a native call per id): ~290 ns for a span id, ~340 ns for a
 * trace id; a slice of the pooled hex string is ~30 / ~40 ns (bench/NOTES.md, request path).
 * The bytes come from `crypto.randomFillSync`, random as W3C Trace Context asks
 * (https://www.w3.org/TR/trace-context-2/#randomness-of-trace-id) — more so than Math.random.
 * An all-zero id (invalid, probability 2^-64) is drawn again.
 *
 * An id is a slice of the pool's string, which stays alive (8 KiB) while any id cut from it does:
 * a few pools for the spans a batch processor holds.
 */
export class FastIdGenerator implements IdGenerator {
  private readonly bytes = Buffer.allocUnsafe(POOL_BYTES);
  private hex = '';
  private offset = POOL_BYTES;

  generateTraceId(): string {
    const id = this.take(16);
    return id === INVALID_TRACE_ID ? this.generateTraceId() : id;
  }

  generateSpanId(): string {
    const id = this.take(8);
    return id === INVALID_SPAN_ID ? this.generateSpanId() : id;
  }

  private take(n: number): string {
    if (this.offset + n > POOL_BYTES) {
      randomFillSync(this.bytes);
      this.hex = this.bytes.toString('hex');
      this.offset = 0;
    }
    const at = this.offset * 2;
    this.offset += n;
    return this.hex.slice(at, at + n * 2);
  }
}
