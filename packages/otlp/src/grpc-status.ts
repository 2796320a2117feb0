import type { AttemptResult } from './transport.js';
import { ProtobufReader } from './protobuf-reader.js';

/**
 * gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html), by value, so that
 * the retry decision does not need `@grpc/grpc-js` loaded.
 */
export const GrpcStatus = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
});

const NAMES: readonly string[] = Object.keys(GrpcStatus);

/** `UNAVAILABLE` for 14; `code 99` for a code outside the table. */
export function grpcStatusName(code: number): string {
  return NAMES[code] ?? `code ${code}`;
}

/**
 * https://opentelemetry.io/docs/specs/otlp/#failures — the codes an OTLP/gRPC client retries.
 * RESOURCE_EXHAUSTED is left out: it is retryable only when the server sends RetryInfo (see
 * {@link classifyGrpcStatus}).
 */
const RETRYABLE: ReadonlySet<number> = new Set([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

/** The trailers the decision reads; `@grpc/grpc-js`'s `Metadata` has this shape. */
export interface GrpcTrailers {
  get(key: string): ReadonlyArray<string | Buffer>;
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The one place that says when an OTLP/gRPC attempt is retried, and after how long.
 *
 * - UNAVAILABLE, CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, DATA_LOSS: retryable.
 * - RESOURCE_EXHAUSTED: retryable only with a `google.rpc.RetryInfo` in `grpc-status-details-bin`
 *   ("the server signals that recovery is possible"); otherwise a failure.
 * - Every other code: a failure, never retried.
 * https://opentelemetry.io/docs/specs/otlp/#failures
 *
 * The wait: RetryInfo's `retry_delay` (https://opentelemetry.io/docs/specs/otlp/#otlpgrpc-throttling),
 * else `grpc-retry-pushback-ms` (gRFC A6, https://github.com/grpc/proposal/blob/master/A6-client-retries.md#pushback);
 * undefined lets the exporter use its own backoff. A pushback that is negative or not an
 * integer means "do not retry" in A6, and is a failure here too.
 *
 * **Deviation**: the spec does not name `grpc-retry-pushback-ms`; otelkit honours it like
 * HTTP's Retry-After because it is how gRPC servers and proxies (Envoy) push back.
 */
export function classifyGrpcStatus(code: number, details: string, trailers: GrpcTrailers | undefined): AttemptResult {
  const error = `gRPC ${grpcStatusName(code)} (${code})${details ? `: ${details}` : ''}`;
  const info = trailers === undefined ? undefined : retryInfo(trailers);
  const retryable = RETRYABLE.has(code) || (code === GrpcStatus.RESOURCE_EXHAUSTED && info !== undefined);
  if (!retryable) return { kind: 'failure', status: code, body: details, error };
  let wait = info?.delayMs;
  if (wait === undefined && trailers !== undefined) {
    const pushback = first(trailers, 'grpc-retry-pushback-ms');
    if (pushback !== undefined) {
      if (!/^\d+$/.test(pushback.trim())) return { kind: 'failure', status: code, body: details, error: `${error} (server pushback "${pushback}": do not retry)` };
      wait = Number(pushback.trim());
    }
  }
  return wait === undefined ? { kind: 'retryable', status: code, error } : { kind: 'retryable', status: code, retryAfterMs: wait, error };
}

function first(trailers: GrpcTrailers, key: string): string | undefined {
  const v = trailers.get(key)[0];
  return v === undefined ? undefined : typeof v === 'string' ? v : v.toString('utf8');
}

/**
 * The first `google.rpc.RetryInfo` in the `grpc-status-details-bin` trailer (a serialized
 * `google.rpc.Status`), with its `retry_delay` in ms (undefined when the field is absent);
 * undefined when there is no RetryInfo or the trailer is malformed.
 * https://github.com/googleapis/googleapis/blob/master/google/rpc/error_details.proto
 */
export function retryInfo(trailers: GrpcTrailers): { readonly delayMs: number | undefined } | undefined {
  const raw = trailers.get('grpc-status-details-bin')[0];
  if (raw === undefined) return undefined;
  const status = typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw;
  // google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
  for (const [s, e] of fields(status, 0, status.length, 3)) {
    let typeUrl: string | undefined;
    let value: [number, number] | undefined;
    // google.protobuf.Any { string type_url = 1; bytes value = 2; }
    const any = new ProtobufReader(status, s, e);
    while (!any.atEnd()) {
      const tag = any.varint();
      if (tag === undefined) return undefined;
      if (tag === ((1 << 3) | 2)) typeUrl = any.string();
      else if (tag === ((2 << 3) | 2)) value = any.lengthDelimited();
      else if (!any.skip(tag & 7)) return undefined;
    }
    if (typeUrl !== RETRY_INFO_TYPE || value === undefined) continue;
    // google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; }
    // google.protobuf.Duration { int64 seconds = 1; int32 nanos = 2; }
    for (const [ds, de] of fields(status, value[0], value[1], 1)) {
      let seconds = 0;
      let nanos = 0;
      const d = new ProtobufReader(status, ds, de);
      while (!d.atEnd()) {
        const tag = d.varint();
        if (tag === undefined) return undefined;
        if (tag === ((1 << 3) | 0)) seconds = d.varint() ?? 0;
        else if (tag === ((2 << 3) | 0)) nanos = d.varint() ?? 0;
        else if (!d.skip(tag & 7)) return undefined;
      }
      // A negative int64/int32 is a 10-byte varint: far beyond any sane delay, treated as malformed.
      if (seconds > 1e9 || nanos >= 1e9) return undefined;
      return { delayMs: seconds * 1000 + Math.round(nanos / 1e6) };
    }
    return { delayMs: undefined };
  }
  return undefined;
}

/** [start, end) of every length-delimited occurrence of `field` in buf[start, end). */
function fields(buf: Uint8Array, start: number, end: number, field: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const r = new ProtobufReader(buf, start, end);
  while (!r.atEnd()) {
    const tag = r.varint();
    if (tag === undefined) return out;
    if (tag === ((field << 3) | 2)) {
      const range = r.lengthDelimited();
      if (range === undefined) return out;
      out.push(range);
    } else if (!r.skip(tag & 7)) {
      return out;
    }
  }
  return out;
}
