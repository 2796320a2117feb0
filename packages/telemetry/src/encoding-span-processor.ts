import { context, diag, TraceFlags, type Context } from '@opentelemetry/api';
import { ExportResultCode, globalErrorHandler, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { BatchSpanProcessorOptions, ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type * as Otlp from '@otelkit/otlp';

/** What the processor needs of the exporter: otelkit's OTLP span exporter with a protobuf protocol. */
export type EncodedSpanExporter = Pick<Otlp.OTLPTraceExporter, 'exportEncoded' | 'finalRequest' | 'shutdown'>;

export interface EncodingBatchSpanProcessorOptions extends Omit<BatchSpanProcessorOptions, 'exporter'> {
  readonly exporter: EncodedSpanExporter;
  /** @otelkit/otlp's builder (passed in: this module does not load @otelkit/otlp itself). */
  readonly Builder: typeof Otlp.SpanRequestBuilder;
}

/**
 * A batch span processor that encodes each span when it ends, for otelkit's OTLP span exporter
 * over protobuf (HTTP or gRPC): the batch is held as the bytes of its request, not as span
 * objects.
 *
 * Why: sdk-trace's BatchSpanProcessor holds up to 512 ended spans (a dozen objects each) for up to
 * `scheduledDelayMillis` before they are encoded; in a loaded server they outlive young-generation
 * collections and are promoted, and that retention was half of what exporting spans cost per
 * request (bench/NOTES.md, the end-to-end gap). Encoded at `onEnd`, a span can die young; the
 * encoding work is the same, done once per span instead of once per batch.
 *
 * Everything else is the BatchSpanProcessor's behaviour (sdk-trace 3.x, BatchSpanProcessorBase),
 * rule for rule: sampled spans only; `maxQueueSize` spans queued at most (past it the newest is
 * dropped, a debug line on the first drop and a warning with the count when room is back);
 * batches of at most `maxExportBatchSize` (a full batch is exported at once, a partial one after
 * `scheduledDelayMillis` on an unref'd timer, one timed export at a time); `exportTimeoutMillis`
 * per export; resources with asynchronous attributes waited for before their batch goes out;
 * `forceFlush()` exports every queued batch and rejects with the first failure; `shutdown()`
 * once, after a final flush, then shuts the exporter down; exports with tracing suppressed.
 *
 * And what the synchronous exit path needs ({@link finalRequest}): the spans queued but not
 * handed to the exporter yet, as one request — an export already on the wire is not repeated.
 *
 * A span the encoder cannot read (an attribute value no exporter can encode) is dropped with an
 * error through the API's diag logger; the batch keeps every other span.
 */
export class EncodingBatchSpanProcessor implements SpanProcessor {
  readonly #exporter: EncodedSpanExporter;
  readonly #Builder: typeof Otlp.SpanRequestBuilder;
  readonly #maxExportBatchSize: number;
  readonly #maxQueueSize: number;
  readonly #scheduledDelayMillis: number;
  readonly #exportTimeoutMillis: number;
  /** Batches not handed to the exporter yet, oldest first; only the last one takes new spans. */
  #batches: Otlp.SpanRequestBuilder[] = [];
  /** Spans in {@link #batches}. */
  #queued = 0;
  #dropped = 0;
  #isExporting = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #shutdown: Promise<void> | undefined;
  /** Spans dropped because the queue was full, since construction. */
  droppedSpans = 0;

  constructor(options: EncodingBatchSpanProcessorOptions) {
    this.#exporter = options.exporter;
    this.#Builder = options.Builder;
    this.#maxExportBatchSize = options.maxExportBatchSize ?? 512;
    this.#maxQueueSize = options.maxQueueSize ?? 2048;
    this.#scheduledDelayMillis = options.scheduledDelayMillis ?? 5000;
    this.#exportTimeoutMillis = options.exportTimeoutMillis ?? 30000;
    if (this.#maxExportBatchSize > this.#maxQueueSize) {
      diag.warn('BatchSpanProcessor: maxExportBatchSize must be smaller or equal to maxQueueSize, setting maxExportBatchSize to match maxQueueSize');
      this.#maxExportBatchSize = this.#maxQueueSize;
    }
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#shutdown !== undefined) return;
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#queued >= this.#maxQueueSize) {
      if (this.#dropped === 0) diag.debug('maxQueueSize reached, dropping spans');
      this.#dropped++;
      this.droppedSpans++;
      return;
    }
    if (this.#dropped > 0) {
      diag.warn(`Dropped ${this.#dropped} spans because maxQueueSize reached`);
      this.#dropped = 0;
    }
    const batches = this.#batches;
    let batch = batches[batches.length - 1];
    if (batch === undefined || batch.count >= this.#maxExportBatchSize) batches.push((batch = new this.#Builder()));
    try {
      batch.append(span);
    } catch (e) {
      diag.error(`otelkit: span "${span.name}" could not be encoded for OTLP and was dropped: ${(e as Error)?.message ?? String(e)}`);
      return;
    }
    this.#queued++;
    this.#maybeStartTimer();
  }

  forceFlush(): Promise<void> {
    if (this.#shutdown !== undefined) return this.#shutdown;
    return this.#flushAll();
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= Promise.resolve()
      .then(() => this.#flushAll())
      .then(() => this.#exporter.shutdown());
    return this.#shutdown;
  }

  /**
   * The request for every span queued and not handed to the exporter yet (one request: the
   * batches' requests concatenated, which protobuf reads as one message); they leave the queue.
   * For the synchronous exit path: resources still waiting for asynchronous attributes are
   * encoded with what they have.
   */
  finalRequest(): Otlp.PreparedRequest | undefined {
    const batches = this.#takeAll();
    if (batches.length === 0) return undefined;
    const parts = batches.map((b) => b.request());
    for (const b of batches) b.reset();
    return this.#exporter.finalRequest(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  /** Spans queued, not handed to the exporter yet. */
  get queuedSpans(): number {
    return this.#queued;
  }

  #takeAll(): Otlp.SpanRequestBuilder[] {
    this.#clearTimer();
    const batches = this.#batches.filter((b) => b.count > 0);
    this.#batches = [];
    this.#queued = 0;
    return batches;
  }

  #flushAll(): Promise<void> {
    const promises: Promise<void>[] = [];
    const count = this.#batches.length;
    for (let i = 0; i < count; i++) promises.push(this.#flushOneBatch());
    return Promise.all(promises).then(() => undefined);
  }

  #flushOneBatch(): Promise<void> {
    this.#clearTimer();
    const batch = this.#batches.shift();
    if (batch === undefined || batch.count === 0) return Promise.resolve();
    const count = batch.count;
    this.#queued -= count;
    let pending: Promise<unknown>[] | undefined;
    for (const resource of batch.resources()) {
      if (resource.asyncAttributesPending && resource.waitForAsyncAttributes) (pending ??= []).push(resource.waitForAsyncAttributes());
    }
    const send = (): Promise<void> => {
      const body = batch.request();
      batch.reset();
      return context.with(suppressTracing(context.active()), () =>
        this.#exporter.exportEncoded(body, count, { timeoutMillis: this.#exportTimeoutMillis }),
      ).then((result: ExportResult) => {
        if (result.code !== ExportResultCode.SUCCESS) throw result.error ?? new Error('BatchSpanProcessor: span export failed');
      });
    };
    if (pending === undefined) return send();
    return Promise.all(pending).then(send, (err: unknown) => {
      batch.reset();
      globalErrorHandler(err as Error);
      throw err;
    });
  }

  #maybeStartTimer(): void {
    if (this.#isExporting) return;
    const flush = (): void => {
      this.#isExporting = true;
      this.#flushOneBatch()
        .finally(() => {
          this.#isExporting = false;
          if (this.#queued > 0) {
            this.#clearTimer();
            this.#maybeStartTimer();
          }
        })
        .catch((e: unknown) => {
          this.#isExporting = false;
          globalErrorHandler(e as Error);
        });
    };
    if (this.#queued >= this.#maxExportBatchSize) return flush();
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(flush, this.#scheduledDelayMillis);
    this.#timer.unref?.();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
