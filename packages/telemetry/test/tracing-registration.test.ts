import { expect } from 'chai';
import { context, propagation, trace, type Attributes } from '@opentelemetry/api';
import { initTelemetry } from '../src/index.js';
import { batchOptionsFromEnv } from '../src/tracing.js';

/**
 * sdk-trace 3.x has neither `register()` nor any reading of the environment: otelkit registers the
 * context manager and the W3C propagators itself and reads `OTEL_BSP_*` and the span limits, as
 * sdk-trace-node/-base 2.x did. These tests pin the behaviour that move must keep.
 */
describe('tracing on sdk-trace 3.x: registration and environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  const init = () => initTelemetry({ serviceName: 'tracing-3x', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: false });

  it('registers the AsyncLocalStorage context manager and the W3C trace-context + baggage propagator, and releases them at shutdown', async () => {
    const tel = init();
    try {
      const headers: Record<string, string> = {};
      await tel.tracer('t').startActiveSpan('outer', async (span) => {
        // An await in between: only an async-hooks context manager keeps the span active here.
        await new Promise((r) => setTimeout(r, 1));
        expect(trace.getActiveSpan()?.spanContext().spanId).to.equal(span.spanContext().spanId);
        const ctx = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: 'a' } }));
        propagation.inject(ctx, headers);
        span.end();
      });
      expect(headers.traceparent).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(headers.baggage).to.equal('tenant=a');
    } finally {
      await tel.shutdown();
    }
    const after: Record<string, string> = {};
    propagation.inject(context.active(), after);
    expect(after).to.deep.equal({});
  });

  it('takes span limits from OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, falling back to OTEL_ATTRIBUTE_COUNT_LIMIT', async () => {
    const attributes: Attributes = { a: 1, b: 2, c: 3, d: 4 };
    // The variables initTelemetry() is given (its env option; process.env when absent).
    const env: Record<string, string> = {};
    const count = async (): Promise<number> => {
      const tel = initTelemetry({ serviceName: 'tracing-3x', env, runtimeMetrics: false, shutdownHooks: false, prometheus: false });
      try {
        const span = tel.tracer('t').startSpan('s', { attributes });
        span.end();
        return Object.keys((span as unknown as { attributes: Attributes }).attributes).length;
      } finally {
        await tel.shutdown();
      }
    };
    expect(await count()).to.equal(4);
    env.OTEL_ATTRIBUTE_COUNT_LIMIT = '3';
    expect(await count()).to.equal(3);
    env.OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT = '2';
    expect(await count()).to.equal(2);
  });

  it('reads OTEL_BSP_* for the batch span processor (unset ones keep the SDK default)', () => {
    expect(batchOptionsFromEnv()).to.deep.equal({});
    process.env.OTEL_BSP_SCHEDULE_DELAY = '500';
    process.env.OTEL_BSP_MAX_QUEUE_SIZE = '100';
    process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE = '10';
    process.env.OTEL_BSP_EXPORT_TIMEOUT = '2000';
    expect(batchOptionsFromEnv()).to.deep.equal({ scheduledDelayMillis: 500, maxQueueSize: 100, maxExportBatchSize: 10, exportTimeoutMillis: 2000 });
  });
});
