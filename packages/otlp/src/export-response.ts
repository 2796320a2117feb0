import { ProtobufReader } from './protobuf-reader.js';

/** `ExportMetricsPartialSuccess`: what the receiver accepted only in part. */
export interface PartialSuccess {
  readonly rejectedDataPoints: number;
  readonly errorMessage: string;
}

/**
 * Decodes the `partial_success` of an `ExportMetricsServiceResponse` (protobuf or OTLP/JSON,
 * chosen by the response content type). Undefined when the response carries none, which is the
 * full-success case: https://opentelemetry.io/docs/specs/otlp/#partial-success-1
 * Throws on a body that is not a response message.
 */
export function decodePartialSuccess(body: Uint8Array, contentType: string): PartialSuccess | undefined {
  if (body.length === 0) return undefined;
  if (contentType.includes('json')) return fromJson(JSON.parse(Buffer.from(body).toString('utf8')) as unknown);
  return fromProtobuf(body);
}

function fromJson(o: unknown): PartialSuccess | undefined {
  if (typeof o !== 'object' || o === null) throw new TypeError('response is not a JSON object');
  const r = o as Record<string, unknown>;
  const ps = (r.partialSuccess ?? r.partial_success) as Record<string, unknown> | undefined;
  if (ps === undefined || ps === null) return undefined;
  // rejectedSpans: the same message for traces (ExportTracePartialSuccess, same field numbers).
  const rejected = Number(ps.rejectedDataPoints ?? ps.rejected_data_points ?? ps.rejectedSpans ?? ps.rejected_spans ?? 0);
  const message = String(ps.errorMessage ?? ps.error_message ?? '');
  if (!Number.isFinite(rejected)) throw new TypeError('rejectedDataPoints is not a number');
  return rejected === 0 && message === '' ? undefined : { rejectedDataPoints: rejected, errorMessage: message };
}

function fromProtobuf(body: Uint8Array): PartialSuccess | undefined {
  const r = new ProtobufReader(body);
  let rejected = 0;
  let message = '';
  let seen = false;
  while (!r.atEnd()) {
    const tag = r.varint();
    if (tag === undefined) throw new TypeError('truncated response');
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const range = r.lengthDelimited();
      if (range === undefined) throw new TypeError('truncated partial_success');
      seen = true;
      const ps = new ProtobufReader(body, range[0], range[1]);
      while (!ps.atEnd()) {
        const t = ps.varint();
        if (t === undefined) throw new TypeError('truncated partial_success');
        if (t === ((1 << 3) | 0)) rejected = ps.varint() ?? 0;
        else if (t === ((2 << 3) | 2)) message = ps.string() ?? '';
        else if (!ps.skip(t & 7)) throw new TypeError('malformed partial_success');
      }
    } else if (!r.skip(tag & 7)) {
      throw new TypeError('malformed response');
    }
  }
  return !seen || (rejected === 0 && message === '') ? undefined : { rejectedDataPoints: rejected, errorMessage: message };
}
