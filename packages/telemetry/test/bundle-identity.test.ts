import { context, ROOT_CONTEXT, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  ParentBasedSampler,
  SamplingDecision,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @otelkit/telemetry's runtime is a bundle (scripts/bundle/bundle.mjs) carrying private copies of
 * @opentelemetry/core, resources, sdk-trace and context-async-hooks (docs/BUNDLING.md). These
 * tests load the package entry, as an application does (not ../src), and hand its objects to the
 * application's own copies of those packages and back: everything must go through interfaces and
 * process-wide keys, never `instanceof` or module state of one copy.
 */
const entry = fileURLToPath(import.meta.resolve('@otelkit/telemetry'));
type TelemetryModule = typeof import('@otelkit/telemetry');
const load = () => import('@otelkit/telemetry') as Promise<TelemetryModule>;
const quiet = { env: {}, shutdownHooks: false, prometheus: false as const, runtimeMetrics: false, tracesExporters: ['none' as const] };

describe('the bundled @otelkit/telemetry and the application\'s own OpenTelemetry packages', () => {
  it('the package entry is the bundle, and it imports the API and no hook machinery', () => {
    expect(entry).to.match(/[\\/]dist[\\/]bundle[\\/]index\.js$/);
    const code = readFileSync(entry, 'utf8');
    expect(code).to.match(/^import .* from "@opentelemetry\/api";$/m);
    expect(code).not.to.match(/require-in-the-middle|import-in-the-middle/);
    // @opentelemetry/instrumentation only through importSync (when instrumentations are passed).
    expect(code).not.to.match(/from "@opentelemetry\/instrumentation"/);
  });

  it('errors thrown from the bundle keep their class names and readable stack frames', async () => {
    const { initTelemetry, ConfigError } = await load();
    let err: unknown;
    try {
      initTelemetry({ ...quiet, serviceName: 'x', cardinalityLimit: -1 });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).name).to.equal('ConfigError');
    expect((err as Error).constructor.name).to.equal('ConfigError');
    expect((err as Error).message).to.match(/cardinalityLimit/);
    // The frames as an application sees them: plain node, no test runner rewriting them (the
    // runner of this suite transforms files it loads, the bundle included, and maps their frames).
    const script = `
      import { initTelemetry } from '@otelkit/telemetry';
      try { initTelemetry({ serviceName: 'x', cardinalityLimit: -1, env: {} }); } catch (e) { console.log(e.stack); }
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 20_000 });
    const frames = r.stdout.split('\n').filter((l) => /dist\/bundle\/index\.js:\d+:\d+\)$/.test(l)).map((l) => l.trim().split(' ')[1]);
    expect(frames.slice(0, 3), r.stdout + r.stderr).to.deep.equal(['optInt', 'resolveConfig', 'initTelemetry']);
  });

  it("an application's own sdk-trace BatchSpanProcessor and exporter take the bundle's spans, with its Resource", async () => {
    const { initTelemetry } = await load();
    const tel = initTelemetry({ ...quiet, serviceName: 'identity', resourceAttributes: { 'deployment.environment.name': 'test' } });
    try {
      const exporter = new InMemorySpanExporter();
      const bsp = new BatchSpanProcessor({ exporter, scheduledDelayMillis: 10 });
      const tracer = tel.tracer('identity-test', '1.2.3');
      const parent = tracer.startSpan('parent', { attributes: { a: 1 } });
      const child = tracer.startSpan('child', { attributes: { b: 'x' } }, trace.setSpan(ROOT_CONTEXT, parent));
      bsp.onStart(child as unknown as Parameters<typeof bsp.onStart>[0], ROOT_CONTEXT);
      child.setAttribute('c', true);
      child.end();
      bsp.onEnd(child as unknown as ReadableSpan);
      await bsp.forceFlush();
      const [got] = exporter.getFinishedSpans();
      expect(got?.name).to.equal('child');
      expect(got?.attributes).to.deep.equal({ b: 'x', c: true });
      expect(got?.parentSpanContext?.spanId).to.equal(parent.spanContext().spanId);
      expect(got?.instrumentationScope).to.deep.include({ name: 'identity-test', version: '1.2.3' });
      expect(got?.resource.attributes['service.name']).to.equal('identity');
      expect(got?.resource.attributes['deployment.environment.name']).to.equal('test');
      expect(got?.duration[0] * 1e9 + got!.duration[1]).to.be.at.least(0);
      parent.end();
      await bsp.shutdown();
    } finally {
      await tel.shutdown();
    }
  });

  it("the bundle's Resource and an application's own resources Resource merge both ways, and the application's TracerProvider takes it", async () => {
    const { initTelemetry } = await load();
    const tel = initTelemetry({ ...quiet, serviceName: 'identity-resource' });
    try {
      const own = resourceFromAttributes({ 'team.name': 'payments', 'service.name': 'overridden' });
      const a = own.merge(tel.resource);
      expect(a.attributes['team.name']).to.equal('payments');
      expect(a.attributes['service.name']).to.equal('identity-resource');
      expect(a.attributes['telemetry.sdk.name']).to.equal('opentelemetry');
      const b = tel.resource.merge(own);
      expect(b.attributes['service.name']).to.equal('overridden');
      expect(b.attributes['host.name']).to.equal(tel.resource.attributes['host.name']);
      // The application's own sdk-trace (its own classes, sampler, processor) with otelkit's Resource.
      const exporter = new InMemorySpanExporter();
      const provider = new TracerProvider({
        resource: tel.resource,
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) }),
        spanProcessors: [new SimpleSpanProcessor({ exporter })],
      });
      provider.getTracer('app').startSpan('own').end();
      expect(exporter.getFinishedSpans()[0]?.resource.attributes['service.name']).to.equal('identity-resource');
      await provider.shutdown();
    } finally {
      await tel.shutdown();
    }
  });

  it("an application's own sampler decides on the bundle's span contexts (ParentBased reads sampled flags, not classes)", async () => {
    const { initTelemetry } = await load();
    const tel = initTelemetry({ ...quiet, serviceName: 'identity-sampler' });
    try {
      const sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) });
      const parent = tel.tracer('t').startSpan('p');
      expect(parent.spanContext().traceFlags & TraceFlags.SAMPLED).to.equal(TraceFlags.SAMPLED);
      const ctx = trace.setSpan(ROOT_CONTEXT, parent);
      expect(sampler.shouldSample(ctx, parent.spanContext().traceId, 'c', 0, {}, []).decision).to.equal(SamplingDecision.RECORD_AND_SAMPLED);
      parent.end();
    } finally {
      await tel.shutdown();
    }
  });

  it("suppressTracing() from the application's own @opentelemetry/core is seen by the bundle's tracer (Symbol.for context keys)", async () => {
    const { initTelemetry } = await load();
    const tel = initTelemetry({ ...quiet, serviceName: 'identity-suppress' });
    try {
      const tracer = tel.tracer('t');
      const normal = tracer.startSpan('normal');
      expect(normal.isRecording()).to.equal(true);
      normal.end();
      let suppressed: Span | undefined;
      context.with(suppressTracing(context.active()), () => {
        suppressed = tracer.startSpan('suppressed');
      });
      expect(suppressed?.isRecording()).to.equal(false);
      expect(trace.isSpanContextValid(suppressed!.spanContext())).to.equal(false);
    } finally {
      await tel.shutdown();
    }
  });

  it("an application's own TracerProvider registered first stays the global one, found by name (no instanceof across copies)", async () => {
    const { initTelemetry } = await load();
    const exporter = new InMemorySpanExporter();
    const own = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    trace.setGlobalTracerProvider(own);
    const tel = initTelemetry({ ...quiet, serviceName: 'identity-coexist' });
    try {
      expect(tel.health().coexistence.map((f) => f.kind)).to.include('tracer-provider');
      trace.getTracer('app').startSpan('through-global').end();
      expect(exporter.getFinishedSpans().map((s) => s.name)).to.deep.equal(['through-global']);
    } finally {
      await tel.shutdown();
      trace.disable();
      await own.shutdown();
    }
  });

  it('default initTelemetry() installs no require/import hook and loads no instrumentation machinery; the first scrape has the runtime series', () => {
    const script = `
      import Module from 'node:module';
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ load(url, ctx, next) { loaded.push(url); return next(url, ctx); } });
      const requireBefore = Module.prototype.require;
      const { initTelemetry } = await import('@otelkit/telemetry');
      const tel = initTelemetry({ serviceName: 'hooks', env: {}, shutdownHooks: false, prometheus: { host: '127.0.0.1', port: 0 } });
      await tel.ready;
      const text = await (await fetch(tel.metricsUrl)).text();
      const hooked = Module.prototype.require !== requireBefore;
      await tel.shutdown();
      console.log(JSON.stringify({ hooked, loaded, names: [...new Set(text.split('\\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]))] }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).to.equal('');
    const out = JSON.parse(r.stdout) as { hooked: boolean; loaded: string[]; names: string[] };
    expect(out.hooked).to.equal(false);
    expect(out.loaded.filter((u) => /@opentelemetry\/instrumentation\/|require-in-the-middle|import-in-the-middle|systeminformation/.test(u))).to.deep.equal([]);
    expect(out.loaded.filter((u) => /node_modules\/@opentelemetry\/(core|resources|sdk-trace|context-async-hooks|semantic-conventions)\//.test(u))).to.deep.equal([]);
    for (const name of ['nodejs_eventloop_utilization_ratio', 'nodejs_eventloop_time_seconds_total', 'v8js_memory_heap_used_bytes', 'v8js_resource_active', 'process_cpu_time_seconds_total', 'process_memory_usage']) {
      expect(out.names, name).to.include(name);
    }
  });

  it('its runtime series (hookless InstrumentationBase) equal those of the real instrumentation packages, family for family and label for label', async () => {
    const shape = async (mod: TelemetryModule) => {
      const tel = mod.initTelemetry({ serviceName: 'runtime-shape', env: {}, shutdownHooks: false, tracesExporters: ['none'], prometheus: { host: '127.0.0.1', port: 0 } });
      try {
        await tel.ready;
        const text = await (await fetch(tel.metricsUrl!)).text();
        // Metadata lines, and each sample's name with its labels (values of labels kept: heap
        // space names, CPU states, event loop states; sample values dropped). Families that exist
        // only once an event happened (a GC, an event loop delay sample) are left out, and so are the
        // samples of v8js_resource_active (one per kind of handle alive at that moment).
        return new Set(
          text
            .split('\n')
            .filter((l) => l !== '' && !/target_info|v8js_gc_duration|nodejs_eventloop_delay|^v8js_resource_active\{/.test(l))
            .map((l) => (l.startsWith('#') ? l : l.replace(/\}? [^ ]+$/, '}').replace(/^([^{ ]+)\}$/, '$1'))),
        );
      } finally {
        await tel.shutdown();
      }
    };
    const bundled = await shape(await load());
    const real = await shape((await import('../src/index.js')) as unknown as TelemetryModule);
    expect([...bundled].sort()).to.deep.equal([...real].sort());
    expect([...bundled].filter((l) => l.startsWith('# TYPE')).length).to.be.at.least(9);
  });
});
