import { expect } from 'chai';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { initTelemetry } from '../../src/index.js';

/**
 * Regression (issue 11, coexistence): shutdown() called metrics.disable() and trace.disable()
 * unconditionally, unregistering a TracerProvider or MeterProvider the application (NodeSDK)
 * had registered before initTelemetry(): after otelkit's shutdown the application's traces and
 * metrics silently became no-ops.
 */
describe('regression: shutdown() leaves providers registered by the application alone', () => {
  it('an application TracerProvider is still the global one after initTelemetry() + shutdown()', async () => {
    const mine = new TracerProvider();
    expect(trace.setGlobalTracerProvider(mine)).to.equal(true);
    try {
      const tel = initTelemetry({ serviceName: 'foreign-tracer', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: false });
      await tel.shutdown();
      const span = trace.getTracer('app').startSpan('after');
      expect(span.spanContext().traceId).to.not.equal('0'.repeat(32));
      expect(span.isRecording()).to.equal(true);
      span.end();
    } finally {
      await mine.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    }
  });

  it('an application MeterProvider is still the global one; otelkit\'s tel.meter() instruments are still exported meanwhile', async () => {
    const mine = new SdkMeterProvider();
    expect(metrics.setGlobalMeterProvider(mine)).to.equal(true);
    try {
      const tel = initTelemetry({ serviceName: 'foreign-meter', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: { host: '127.0.0.1', port: 0 } });
      expect(tel.health().status).to.equal('degraded');
      expect(tel.health().coexistence.map((f) => f.kind)).to.deep.equal(['meter-provider']);
      expect(metrics.getMeterProvider()).to.equal(mine);
      tel.meter('own').createCounter('own.jobs').add(2);
      await tel.ready;
      const text = await (await fetch(tel.metricsUrl!)).text();
      expect(text).to.match(/^own_jobs_total\{.*\} 2$/m);
      await tel.shutdown();
      expect(metrics.getMeterProvider()).to.equal(mine);
    } finally {
      metrics.disable();
    }
  });
});
