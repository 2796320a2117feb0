import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  type BatchSpanProcessorOptions,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type * as Otlp from '@otelkit/otlp';

/**
 * sdk-trace's BatchSpanProcessor, plus what the synchronous exit path needs: the ended, sampled
 * spans it holds but has not handed to the exporter yet. otelkit uses it with its OTLP span
 * exporter over JSON; over protobuf, EncodingBatchSpanProcessor (encoding-span-processor.ts).
 *
 * Why: the batch processor keeps ended spans for up to `scheduledDelayMillis` (5 s by default)
 * before exporting them. A job that ends with `process.exit()` or dies of an uncaught exception
 * never runs the event loop again, so those spans — often the job's only trace, its root span
 * ended last — were lost while its metrics were delivered (the exit path builds a final request
 * per component, final-export.ts). The processor's queue is private, so this processor keeps its
 * own list of the same spans: added when they end (the processor's own rule: sampled spans only),
 * removed the moment the batch processor hands them to the exporter. An export already on the
 * wire when the process exits is not repeated — the exit path's rule for every component.
 *
 * The list is bounded like the processor's queue (`maxQueueSize`, 2048 by default): past it the
 * oldest span leaves the list (the processor itself drops the newest when full; either way the
 * list cannot grow with spans the processor never exports).
 */
export class ExitSafeBatchSpanProcessor implements SpanProcessor {
  readonly #pending = new Set<ReadableSpan>();
  readonly #limit: number;
  readonly #batch: BatchSpanProcessor;
  readonly #finalRequest: ((spans: ReadableSpan[]) => Otlp.PreparedRequest | undefined) | undefined;

  constructor(options: BatchSpanProcessorOptions) {
    const { exporter } = options;
    const finalRequest = (exporter as Partial<Pick<Otlp.OTLPTraceExporter, 'finalRequest'>>).finalRequest;
    this.#finalRequest = finalRequest?.bind(exporter);
    const pending = this.#pending;
    const handOff: SpanExporter = {
      export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
        for (let i = 0; i < spans.length; i++) pending.delete(spans[i]!);
        exporter.export(spans, resultCallback);
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
    this.#limit = Math.max(1, options.maxQueueSize ?? 2048);
    this.#batch = new BatchSpanProcessor({ ...options, exporter: handOff });
  }

  onStart(span: Span, parentContext: Context): void {
    this.#batch.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) {
      const pending = this.#pending;
      pending.add(span);
      if (pending.size > this.#limit) pending.delete(pending.values().next().value!);
    }
    this.#batch.onEnd(span);
  }

  /** The exit path's request for the spans {@link takePending} returns, if there are any. */
  finalRequest(): Otlp.PreparedRequest | undefined {
    const spans = this.takePending();
    return spans.length === 0 ? undefined : this.#finalRequest?.(spans);
  }

  /** Ended spans not handed to the exporter yet, oldest first; they leave the list (the exit path sends them once). */
  takePending(): ReadableSpan[] {
    const spans = [...this.#pending];
    this.#pending.clear();
    return spans;
  }

  forceFlush(): Promise<void> {
    return this.#batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#batch.shutdown();
  }
}
