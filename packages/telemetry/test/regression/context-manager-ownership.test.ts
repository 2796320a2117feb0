import { expect } from 'chai';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { initTelemetry } from '../../src/index.js';

/**
 * Regression: shutdown() released the global context manager even when the application had
 * registered it before initTelemetry(); every exemplar recorded afterwards by that application
 * was lost (found by the collector suite, where one test file's workload registered its own).
 */
describe('regression: shutdown() leaves an application-registered context manager alone', () => {
  it('the application context manager still propagates spans after initTelemetry() + shutdown()', async () => {
    const mine = new AsyncLocalStorageContextManager().enable();
    expect(context.setGlobalContextManager(mine)).to.equal(true);
    try {
      const tel = initTelemetry({ serviceName: 'ownership', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: false });
      await tel.shutdown();
      const span = trace.wrapSpanContext({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: TraceFlags.SAMPLED });
      const seen = context.with(trace.setSpan(context.active(), span), () => trace.getSpan(context.active())?.spanContext().traceId);
      expect(seen).to.equal('ab'.repeat(16));
    } finally {
      context.disable();
    }
  });
});
