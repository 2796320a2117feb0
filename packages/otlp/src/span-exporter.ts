import { createRequire } from 'node:module';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { ExporterHealth } from './exporter-health.js';
import { validateOtlpMetricsOptions, type OtlpMetricsOptions, type ResolvedOtlpMetricsOptions } from './options.js';
import { OtlpDelivery } from './otlp-delivery.js';
import type { PreparedRequest } from './transport.js';
import type { ExporterParts } from './metric-exporter.js';
import { encodeSpansProtobuf } from './spans-protobuf.js';
import { OtlpExportError } from './errors.js';

// otlp-transformer (its JSON span serializer) is ~40 modules: loaded on the first JSON export, so
// that constructing the exporter — and every service that does not export JSON spans — does not pay it.
const require = createRequire(import.meta.url);
type Transformer = typeof import('@opentelemetry/otlp-transformer');
type Serializer = Transformer['ProtobufTraceSerializer'];
let transformer: Transformer | undefined;
function serializer(json: boolean): Serializer {
  transformer ??= require('@opentelemetry/otlp-transformer') as Transformer;
  return json ? transformer.JsonTraceSerializer : transformer.ProtobufTraceSerializer;
}

/**
 * OTLP span exporter over otelkit's transports: OTLP/HTTP (protobuf or JSON) or OTLP/gRPC
 * (`protocol: 'grpc'`, `TraceService/Export` over `@grpc/grpc-js`), with the same options,
 * TLS/mTLS, gzip, retries (HTTP statuses and gRPC codes per the OTLP spec, retry-policy.ts and
 * grpc-status.ts), Retry-After / RetryInfo throttling and health as {@link OTLPMetricExporter}.
 * Protobuf spans are encoded by otelkit's encoder (spans-protobuf.ts: byte for byte upstream's
 * `ProtobufTraceSerializer`, ~2.5× less CPU per span) — or as they end, by otelkit's span
 * processor, and handed over as bytes ({@link exportEncoded}) — JSON by upstream's
 * `@opentelemetry/otlp-transformer`.
 *
 * Why not upstream's `@opentelemetry/exporter-trace-otlp-grpc`: it brings its own grpc-js
 * client, its own retry rules and its own reading of the TLS variables, so metrics and traces of
 * one service would take the same settings two different ways; and `shutdown()` here rejects
 * with the export error instead of resolving.
 *
 * @example
 * const exporter = new OTLPTraceExporter(resolveOtlpOptions('traces', process.env).options);
 * const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
 */
export class OTLPTraceExporter implements SpanExporter {
  /** The options in effect, defaults filled in (the url default is the traces one). */
  readonly options: ResolvedOtlpMetricsOptions;
  readonly #delivery: OtlpDelivery;
  readonly #json: boolean;

  constructor(options: OtlpMetricsOptions = {}, parts: ExporterParts = {}) {
    this.options = validateOtlpMetricsOptions({
      ...options,
      url: options.url ?? (options.protocol === 'grpc' ? undefined : 'http://localhost:4318/v1/traces'),
    });
    this.#json = this.options.protocol === 'http/json';
    this.#delivery = new OtlpDelivery(this.options, 'traces', 'spans', parts.transport);
  }

  /** sdk-trace entry point (the batch span processor calls it one batch at a time). */
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    void this.exportAsync(spans).then(resultCallback);
  }

  /** Exports and resolves with the result (never rejects). */
  exportAsync(spans: ReadableSpan[], options: { timeoutMillis?: number } = {}): Promise<ExportResult> {
    return this.#delivery.track(this.#delivery.deliver(() => this.#encode(spans), spans.length, options.timeoutMillis));
  }

  /**
   * Exports a request already encoded as protobuf (an ExportTraceServiceRequest of `count` spans,
   * built with {@link SpanRequestBuilder} as the spans end); resolves with the result (never
   * rejects). Only for the protobuf protocols (`http/protobuf`, `grpc`): see {@link encodesProtobuf}.
   */
  exportEncoded(body: Uint8Array, count: number, options: { timeoutMillis?: number } = {}): Promise<ExportResult> {
    if (this.#json) return Promise.resolve(this.#delivery.fail(new OtlpExportError('exportEncoded() needs a protobuf protocol; this exporter sends http/json', { attempts: 0, retryable: false }), count));
    return this.#delivery.track(this.#delivery.deliver(() => body, count, options.timeoutMillis));
  }

  /** Whether requests go out as protobuf (`http/protobuf` or `grpc`): then {@link exportEncoded} takes them encoded. */
  get encodesProtobuf(): boolean {
    return !this.#json;
  }

  #encode(spans: ReadableSpan[]): Uint8Array {
    // Protobuf (HTTP and gRPC): otelkit's encoder, the same bytes as upstream's with less CPU
    // per span (spans-protobuf.ts); JSON: upstream's serializer.
    if (!this.#json) return encodeSpansProtobuf(spans);
    const body = serializer(true).serializeRequest(spans);
    if (body === undefined) throw new Error('the span serializer returned nothing');
    return body;
  }

  /**
   * The request that would export `spans` (or a request already encoded as protobuf, see
   * {@link exportEncoded}), built synchronously, for the exit path.
   */
  finalRequest(spans: ReadableSpan[] | Uint8Array): PreparedRequest | undefined {
    return this.#delivery.prepare(spans instanceof Uint8Array ? spans : this.#encode(spans));
  }

  /** Resolves when every export started before the call has finished; rejects with the first failure's error. */
  forceFlush(): Promise<void> {
    return this.#delivery.forceFlush();
  }

  /** Refuses new exports, waits for those in flight (rejecting like {@link forceFlush}), closes connections. */
  shutdown(): Promise<void> {
    return this.#delivery.shutdown();
  }

  /** Counters since construction (`droppedDataPoints` counts spans here). */
  health(): ExporterHealth {
    return this.#delivery.health();
  }
}
