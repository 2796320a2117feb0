import { expect } from 'chai';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AlwaysOffSampler, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { ExitSafeBatchSpanProcessor } from '../src/exit-safe-span-processor.js';

/** An exporter that records each batch and answers when told to. */
function recordingExporter() {
  const batches: string[][] = [];
  const callbacks: ((r: ExportResult) => void)[] = [];
  let answering = false;
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], cb: (r: ExportResult) => void) {
      batches.push(spans.map((s) => s.name));
      callbacks.push(cb);
      if (answering) answerAll();
    },
    shutdown: async () => undefined,
  };
  const answerAll = () => callbacks.splice(0).forEach((cb) => cb({ code: ExportResultCode.SUCCESS }));
  /** From now on every export is answered at once (the processor's shutdown can finish). */
  const answerFromNowOn = () => {
    answering = true;
    answerAll();
  };
  return { exporter, batches, answerAll, answerFromNowOn };
}

describe('ExitSafeBatchSpanProcessor: what the exit path can still send', () => {
  it('keeps ended sampled spans until the batch processor hands them to the exporter, then forgets them', async () => {
    const rec = recordingExporter();
    const processor = new ExitSafeBatchSpanProcessor({ exporter: rec.exporter, scheduledDelayMillis: 60_000 });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('t');
    tracer.startSpan('a').end();
    tracer.startSpan('open'); // never ended: not exported, not pending
    tracer.startSpan('b').end();
    const flushed = processor.forceFlush();
    expect(rec.batches).to.deep.equal([['a', 'b']]);
    // On the wire: the exit path must not repeat them.
    expect(processor.takePending()).to.deep.equal([]);
    rec.answerAll();
    await flushed;
    tracer.startSpan('c').end();
    expect(processor.takePending().map((s) => s.name)).to.deep.equal(['c']);
    // Taken once: a second exit path call has nothing left to send.
    expect(processor.takePending()).to.deep.equal([]);
    rec.answerFromNowOn();
    await processor.shutdown();
  });

  it('unsampled spans are never pending (the batch processor does not export them either)', async () => {
    const rec = recordingExporter();
    const processor = new ExitSafeBatchSpanProcessor({ exporter: rec.exporter, scheduledDelayMillis: 60_000 });
    const tracer = new TracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [processor] }).getTracer('t');
    tracer.startSpan('dropped').end();
    expect(processor.takePending()).to.deep.equal([]);
    await processor.shutdown();
    expect(rec.batches).to.deep.equal([]);
  });

  it('the list is bounded by maxQueueSize: the oldest spans leave it first', async () => {
    const rec = recordingExporter();
    const processor = new ExitSafeBatchSpanProcessor({ exporter: rec.exporter, scheduledDelayMillis: 60_000, maxQueueSize: 3, maxExportBatchSize: 3 });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('t');
    // s1–s3 fill a batch: handed off at once, and that export never answers, so the batch
    // processor exports nothing more; of s4–s8 it queues three and drops two.
    for (const name of ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']) tracer.startSpan(name).end();
    expect(rec.batches).to.deep.equal([['s1', 's2', 's3']]);
    expect(processor.takePending().map((s) => s.name)).to.deep.equal(['s6', 's7', 's8']);
    rec.answerFromNowOn();
    await processor.shutdown();
  });
});
