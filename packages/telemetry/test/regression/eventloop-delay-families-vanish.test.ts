import { expect } from 'chai';
import { trace } from '@opentelemetry/api';
import { startOtlpReceiver, startPushgateway, type OtlpReceiver, type PushgatewayServer } from '@otelkit/testkit';
import { initTelemetry, type Telemetry } from '@otelkit/telemetry';

/*
 * Regression (issue 15, item 4): the seven nodejs_eventloop_delay_* families vanished from /metrics
 * when two scrapes came within a few milliseconds, or a scrape followed an OTLP export.
 * instrumentation-runtime-node's callback resets its delay histogram on every call and observes
 * nothing until 5 new samples arrived, and every reader's collection called it. Observation rounds
 * are now shared: callbacks run at most once per collection cycle (collectionCycleMillis, 1000 ms
 * by default) and every reader collecting within the cycle — text and OpenMetrics scrapes, OTLP,
 * Pushgateway — gets that round's values: the delay over the window since the previous round.
 */
const FAMILIES = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'].map((s) => `nodejs_eventloop_delay_${s}_seconds`);
const OTLP_NAMES = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'].map((s) => `nodejs.eventloop.delay.${s}`);
const OPENMETRICS = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

function delayValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of FAMILIES) {
    const m = new RegExp(`^${f}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
    if (m) out.set(f, Number(m[1]));
  }
  return out;
}

type Requests = Awaited<ReturnType<OtlpReceiver['requests']>>;
function otlpGauges(reqs: Requests, names: readonly string[]): Map<string, number>[] {
  const exports: Map<string, number>[] = [];
  for (const r of reqs) {
    if (r.path !== '/v1/metrics' || !r.body) continue;
    const got = new Map<string, number>();
    for (const rm of r.body.resource_metrics ?? []) {
      for (const sm of rm.scope_metrics ?? []) {
        for (const m of sm.metrics ?? []) if (names.includes(m.name)) got.set(m.name, Number(m.gauge?.data_points?.[0]?.as_double));
      }
    }
    exports.push(got);
  }
  return exports;
}

describe('regression: nodejs_eventloop_delay_* vanished when readers collected close together', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let gw: PushgatewayServer;
  let tel: Telemetry;
  const scrape = async (accept?: string): Promise<string> =>
    (await fetch(tel.metricsUrl!, { headers: accept ? { accept } : {} })).text();

  before(async () => {
    receiver = await startOtlpReceiver();
    gw = await startPushgateway();
    tel = initTelemetry({
      serviceName: 'reader-starve',
      prometheus: { host: '127.0.0.1', port: 0 },
      metricsExporters: ['prometheus', 'otlp'],
      otlp: { endpoint: receiver.url },
      pushgateway: { url: gw.url, job: 'reader-starve' },
      metricExportIntervalMillis: 600_000,
      shutdownHooks: false,
      env: {},
    });
    await tel.ready;
    // The delay histogram needs 5 samples (10 ms resolution) before its first observation.
    await new Promise((r) => setTimeout(r, 1200));
  });
  after(async () => {
    await tel?.shutdown().catch(() => undefined);
    await receiver?.stop();
    await gw?.stop();
  });

  it('concurrent text + OpenMetrics scrapes, an OTLP export and a push, 6 rounds: every family every time, one round of values for all', async () => {
    for (let round = 0; round < 6; round++) {
      await receiver.reset();
      const [text, om] = await Promise.all([scrape(), scrape(OPENMETRICS), tel.forceFlush()]);
      const t = delayValues(text);
      const o = delayValues(om!);
      expect([...t.keys()], `round ${round} text`).to.deep.equal(FAMILIES);
      expect([...o.keys()], `round ${round} OpenMetrics`).to.deep.equal(FAMILIES);
      // One observation round: both formats show the same window.
      expect(o).to.deep.equal(t);
      const exported = otlpGauges(await receiver.requests(), OTLP_NAMES);
      expect(exported, `round ${round} OTLP`).to.have.length(1);
      expect([...exported[0]!.keys()].sort()).to.deep.equal([...OTLP_NAMES].sort());
      expect(exported[0]!.get('nodejs.eventloop.delay.max')).to.equal(t.get('nodejs_eventloop_delay_max_seconds'));
      const pushed = delayValues(await gw.metrics());
      expect([...pushed.keys()], `round ${round} pushed`).to.deep.equal(FAMILIES);
      // A new cycle for the next round.
      await new Promise((r) => setTimeout(r, round % 2 === 0 ? 1100 : 30));
    }
  });

  it('sequential scrapes a few ms apart, and a scrape right after an OTLP export: every family every time', async () => {
    for (let i = 0; i < 5; i++) {
      await tel.forceFlush();
      for (const accept of [undefined, OPENMETRICS, undefined]) {
        expect([...delayValues(await scrape(accept)).keys()], `pair ${i}`).to.deep.equal(FAMILIES);
      }
      await new Promise((r) => setTimeout(r, 350));
    }
  });

  it('windows are well defined: every collection within a cycle shows that round; the next cycle starts a new round', async () => {
    // The window a reset-on-read callback gets is tested exactly in packages/metrics
    // (collection-cycle.test.ts); here, with the real instrumentation, readers of one cycle agree.
    await new Promise((r) => setTimeout(r, 1100));
    const a = delayValues(await scrape());
    const [b, c] = await Promise.all([scrape(OPENMETRICS), scrape()]);
    expect(delayValues(b)).to.deep.equal(a);
    expect(delayValues(c)).to.deep.equal(a);
    await new Promise((r) => setTimeout(r, 1100));
    const d = delayValues(await scrape());
    expect([...d.keys()]).to.deep.equal(FAMILIES);
    expect(d, 'a new round, a new window').not.to.deep.equal(a);
  });

  it('exemplars: one sampling cycle per round; a scrape consumes nothing — OTLP in the same cycle and in the next one still sees the exemplar', async () => {
    const h = tel.meter('starve').createHistogram('starve.latency', { unit: 's', advice: { explicitBucketBoundaries: [1] } });
    const tracer = tel.tracer('starve');
    const traceId = tracer.startActiveSpan('op', (span) => {
      h.record(0.5);
      span.end();
      return span.spanContext().traceId;
    });
    expect(trace.getActiveSpan()).to.equal(undefined);
    await new Promise((r) => setTimeout(r, 1100));
    await receiver.reset();
    const [om] = await Promise.all([scrape(OPENMETRICS), tel.forceFlush()]);
    expect(om).to.match(new RegExp(`^starve_latency_seconds_bucket\\{[^}]*le="1.0"[^}]*\\} 1 # \\{[^}]*trace_id="${traceId}"`, 'm'));
    await new Promise((r) => setTimeout(r, 1100));
    await tel.forceFlush();
    const ids = (await receiver.requests())
      .filter((r) => r.path === '/v1/metrics')
      .map((r) => JSON.stringify(r.body))
      .map((b) => b.includes(traceId));
    expect(ids).to.deep.equal([true, true]);
  });
});
