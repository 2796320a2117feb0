import { expect } from 'chai';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@otelkit/metrics';
import { serializeOpenMetrics, serializeText } from '@otelkit/prometheus';
import { sampleValue } from '@otelkit/testkit';
import { ClusterMember } from '../../src/cluster/cluster-member.js';
import { ClusterStore } from '../../src/cluster/cluster-store.js';
import { resolveClusterOptions, type ClusterOptions } from '../../src/cluster/cluster-options.js';
import { encodeCollection } from '../../src/cluster/protocol.js';
import { ConfigError } from '../../src/index.js';

/**
 * The merge, in one process: each "worker" is a real MeterProvider whose collections go through
 * the wire encoding (and a JSON round trip, as cluster IPC does) into a ClusterStore.
 */
class Harness {
  readonly store: ClusterStore;
  readonly workers = new Map<ClusterMember, MeterProvider>();
  /** Members whose answers are held back (a hung worker). */
  readonly hung = new Set<ClusterMember>();
  readonly held: (() => void)[] = [];

  constructor(options: ClusterOptions) {
    this.store = new ClusterStore(new MeterProvider().store, resolveClusterOptions(options)!);
    this.store.send = (m, id, base) => {
      const provider = this.workers.get(m)!;
      const answer = (): void => {
        const col = JSON.parse(JSON.stringify(provider.store.collectSync((v) => encodeCollection(v, base)).result));
        this.store.answered(m, id, col);
      };
      if (this.hung.has(m)) this.held.push(answer);
      else queueMicrotask(answer);
    };
  }

  fork(label: string): { member: ClusterMember; provider: MeterProvider } {
    const member = new ClusterMember(label);
    member.state = 'ready';
    const provider = new MeterProvider({ cardinalityLimit: 100_000 });
    this.workers.set(member, provider);
    this.store.members.add(member);
    return { member, provider };
  }

  /** A graceful exit: final values, then the exit event. */
  finalThenExit(member: ClusterMember): void {
    const p = this.workers.get(member)!;
    this.store.final(member, JSON.parse(JSON.stringify(p.store.collectSync((v) => encodeCollection(v, member.base())).result)));
    this.store.exited(member);
  }

  async text(): Promise<string> {
    return (await this.store.collect((v) => serializeText(v))).result;
  }
}

const inSpan = <T>(traceId: string, fn: () => T): T =>
  context.with(trace.setSpanContext(context.active(), { traceId, spanId: '00000000000000a1', traceFlags: TraceFlags.SAMPLED }), fn);

describe('ClusterStore: merging workers\' collections', () => {
  it('sum mode: counters and histograms summed per series; series added between scrapes arrive incrementally', async () => {
    const h = new Harness({ mode: 'sum' });
    const a = h.fork('1');
    const b = h.fork('2');
    const ca = a.provider.getMeter('m').createCounter('jobs');
    const cb = b.provider.getMeter('m').createCounter('jobs');
    ca.add(2, { q: 'x' });
    cb.add(5, { q: 'x' });
    let text = await h.text();
    expect(sampleValue(text, 'jobs_total', { q: 'x' })).to.equal(7);
    cb.add(1, { q: 'y' });
    ca.add(1, { q: 'x' });
    a.provider.getMeter('m').createHistogram('lat', { unit: 's', advice: { explicitBucketBoundaries: [1] } }).record(0.5, { q: 'x' });
    text = await h.text();
    expect(sampleValue(text, 'jobs_total', { q: 'x' })).to.equal(8);
    expect(sampleValue(text, 'jobs_total', { q: 'y' })).to.equal(1);
    expect(sampleValue(text, 'lat_seconds_bucket', { q: 'x', le: '1' })).to.equal(1);
    // The second collection sent only the new series' attributes.
    expect(a.member.base().series).to.deep.equal([1, 1]);
  });

  it('sum mode: an exited worker\'s counters and histograms stay in the total (also when its final message comes after the exit event); its up-down counters and gauges do not', async () => {
    const h = new Harness({ mode: 'sum', staleAfterMs: 0 });
    const a = h.fork('1');
    const b = h.fork('2');
    for (const w of [a, b]) {
      const m = w.provider.getMeter('m');
      m.createCounter('jobs').add(3);
      m.createUpDownCounter('busy').add(2);
      m.createGauge('temp').record(40);
      m.createHistogram('lat', { advice: { explicitBucketBoundaries: [1] } }).record(2);
    }
    let text = await h.text();
    expect(sampleValue(text, 'jobs_total')).to.equal(6);
    // Counted after the last scrape, then a graceful exit whose final message lands after the exit event.
    a.provider.getMeter('m').createCounter('jobs').add(4);
    h.store.exited(a.member);
    h.store.final(a.member, JSON.parse(JSON.stringify(a.provider.store.collectSync((v) => encodeCollection(v, a.member.base())).result)));
    text = await h.text();
    expect(sampleValue(text, 'jobs_total')).to.equal(10);
    expect(sampleValue(text, 'lat_bucket', { le: '+Inf' })).to.equal(2);
    expect(sampleValue(text, 'busy')).to.equal(2);
    expect(sampleValue(text, 'temp', { worker: '1' })).to.equal(undefined);
    expect(sampleValue(text, 'temp', { worker: '2' })).to.equal(40);
    // A replacement counts from zero; the total goes on from the departed one.
    const c = h.fork('3');
    c.provider.getMeter('m').createCounter('jobs').add(1);
    expect(sampleValue(await h.text(), 'jobs_total')).to.equal(11);
    h.finalThenExit(b.member);
    h.finalThenExit(c.member);
    expect(sampleValue(await h.text(), 'jobs_total')).to.equal(11);
  });

  it('exemplars: kept per series and bucket; of several workers\' the most recent wins', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const h = new Harness({ mode: 'sum' });
      const a = h.fork('1');
      const b = h.fork('2');
      inSpan('11111111111111111111111111111111', () => a.provider.getMeter('m').createCounter('jobs').add(1));
      await new Promise((r) => setTimeout(r, 5));
      inSpan('22222222222222222222222222222222', () => b.provider.getMeter('m').createCounter('jobs').add(1));
      inSpan('33333333333333333333333333333333', () => a.provider.getMeter('m').createHistogram('lat', { advice: { explicitBucketBoundaries: [1] } }).record(0.5));
      const om = (await h.store.collect((v) => serializeOpenMetrics(v))).result;
      expect(om).to.match(/^jobs_total\{otel_scope_name="m"\} 2 # \{trace_id="22222222222222222222222222222222",span_id="00000000000000a1"\} 1 /m);
      expect(om).to.match(/^lat_bucket\{otel_scope_name="m",le="1\.0"\} 1 # \{trace_id="33333333333333333333333333333333",/m);
    } finally {
      context.disable();
      manager.disable();
    }
  });

  it('per-worker mode: one series per worker; a dead worker\'s series go after staleAfterMs', async () => {
    const h = new Harness({ mode: 'per-worker', staleAfterMs: 50 });
    const a = h.fork('1');
    const b = h.fork('2');
    a.provider.getMeter('m').createCounter('jobs').add(1);
    b.provider.getMeter('m').createCounter('jobs').add(2);
    let text = await h.text();
    expect(sampleValue(text, 'jobs_total', { worker: '1' })).to.equal(1);
    expect(sampleValue(text, 'jobs_total', { worker: '2' })).to.equal(2);
    h.store.exited(a.member);
    text = await h.text();
    expect(sampleValue(text, 'jobs_total', { worker: '1' })).to.equal(1);
    await new Promise((r) => setTimeout(r, 60));
    text = await h.text();
    expect(sampleValue(text, 'jobs_total', { worker: '1' })).to.equal(undefined);
    expect(sampleValue(text, 'jobs_total', { worker: '2' })).to.equal(2);
  });

  it('per-worker mode: memory stays bounded however many workers come and go (compaction)', async () => {
    const h = new Harness({ mode: 'per-worker', staleAfterMs: 0 });
    let live = h.fork('w0');
    const series = 600;
    for (let gen = 1; gen <= 12; gen++) {
      const c = live.provider.getMeter('m').createCounter('jobs');
      for (let i = 0; i < series; i++) c.add(1, { i });
      await h.text();
      h.store.exited(live.member);
      live = h.fork(`w${gen}`);
    }
    const c = live.provider.getMeter('m').createCounter('jobs');
    for (let i = 0; i < series; i++) c.add(1, { i });
    const text = await h.text();
    expect(text.split('\n').filter((l) => l.startsWith('jobs_total{'))).to.have.length(series);
    let cells = 0;
    for (const s of h.store.view.instruments) cells += s.cells.length;
    // Without compaction: 13 × 600 cells.
    expect(cells).to.be.at.most(3 * series);
    expect(h.store.seriesCount).to.equal(series);
  });

  it('a worker that does not answer within timeoutMs keeps its previous values; its late answer is taken', async () => {
    const h = new Harness({ mode: 'sum', timeoutMs: 50 });
    const a = h.fork('1');
    const b = h.fork('2');
    const ca = a.provider.getMeter('m').createCounter('jobs');
    b.provider.getMeter('m').createCounter('jobs').add(1);
    ca.add(1);
    expect(sampleValue(await h.text(), 'jobs_total')).to.equal(2);
    h.hung.add(a.member);
    ca.add(10);
    const t0 = Date.now();
    expect(sampleValue(await h.text(), 'jobs_total')).to.equal(2);
    expect(Date.now() - t0).to.be.lessThan(1000);
    expect(a.member.state).to.equal('unresponsive');
    // The late answer arrives; the next scrape asks again and gets the new value.
    h.hung.delete(a.member);
    h.held.shift()!();
    expect(a.member.state).to.equal('ready');
    expect(sampleValue(await h.text(), 'jobs_total')).to.equal(12);
  });

  it('observable series not observed in a collection are left out', async () => {
    const h = new Harness({ mode: 'sum' });
    const a = h.fork('1');
    let report = true;
    a.provider.getMeter('m').createObservableCounter('seen').addCallback((r) => {
      if (report) r.observe(5, { k: 'v' });
    });
    expect(sampleValue(await h.text(), 'seen_total', { k: 'v' })).to.equal(5);
    report = false;
    expect(sampleValue(await h.text(), 'seen_total', { k: 'v' })).to.equal(undefined);
  });

  it('options: bad values are ConfigErrors naming the field', () => {
    expect(() => resolveClusterOptions({ mode: 'avg' })).to.throw(ConfigError, /cluster\.mode/);
    expect(() => resolveClusterOptions({ timeoutMs: 0 })).to.throw(ConfigError, /cluster\.timeoutMs/);
    expect(() => resolveClusterOptions({ workerLabel: 'a-b' })).to.throw(ConfigError, /cluster\.workerLabel/);
    expect(() => resolveClusterOptions({ modes: 'sum' })).to.throw(ConfigError, /cluster\.modes/);
    expect(resolveClusterOptions(true)).to.deep.equal({ mode: 'sum', role: 'auto', timeoutMs: 2000, staleAfterMs: 60_000, workerLabel: 'worker' });
    expect(resolveClusterOptions(undefined)).to.equal(undefined);
  });
});
