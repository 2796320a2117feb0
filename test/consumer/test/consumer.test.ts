import { expect } from 'chai';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseOpenMetricsStrict, startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';
import {
  APP_DEPENDENCIES,
  REPO,
  apiCopiesOnDisk,
  createApp,
  installApp,
  npmLsApi,
  packAll,
  progress,
  run,
  startApp,
  type App,
  type AppKind,
} from './harness.js';

/**
 * Issue 11, part 7: otelkit as a new user gets it. Every public package is packed with `npm pack`
 * and installed, from the tarballs and the registry only, into fresh applications in a temporary
 * directory outside the monorepo, next to the application's own current @opentelemetry/api,
 * instrumentation-http and express. Runs on the Node under test (process.execPath).
 */

interface Span {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  kind?: string;
  name: string;
}

interface AppRun {
  readonly traceId: string;
  /** What the request handler saw through the application's own API. */
  readonly handlerSaw: { traceId: string | null; spanId: string | null };
  readonly openMetrics: string;
  readonly families: ReturnType<typeof parseOpenMetricsStrict>;
  readonly health: {
    status: string;
    coexistence: { kind: string; found: string; effect: string; fix: string; degrades: boolean }[];
  };
  readonly exitCode: number | null;
  readonly stderr: string;
  /** Spans of this request's trace the OTLP receiver got, with the service.name of their resource. */
  readonly spans: (Span & { service: string | undefined })[];
}

const randomHex = (bytes: number): string => Array.from({ length: bytes }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0')).join('');

/** Drives one app: a request with a sampled traceparent, a scrape, /shutdown, the receiver's spans. */
async function exercise(app: App, receiver: OtlpReceiver, env: Record<string, string>): Promise<AppRun> {
  await receiver.reset();
  const running = await startApp(app, env);
  try {
    progress(`${app.kind}: listening on ${running.port}, /metrics at ${running.metricsUrl}`);
    const traceId = randomHex(16);
    const res = await fetch(`http://127.0.0.1:${running.port}/orders`, { headers: { traceparent: `00-${traceId}-${randomHex(8)}-01` } });
    const handlerSaw = (await res.json()) as AppRun['handlerSaw'];
    // The duration is recorded when the response ends: give the instrumentation a moment.
    await new Promise((r) => setTimeout(r, 100));
    const openMetrics = await (await fetch(running.metricsUrl, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
    const health = (await (await fetch(`http://127.0.0.1:${running.port}/shutdown`, { method: 'POST' })).json()) as AppRun['health'];
    const exitCode = await Promise.race([running.exited, new Promise<number | null>((_, reject) => setTimeout(() => reject(new Error(`the ${app.kind} app did not exit within 15 s of /shutdown`)), 15_000))]);
    const spans: AppRun['spans'] = [];
    for (const req of await receiver.requests()) {
      if (req.path !== '/v1/traces' || req.body === undefined) continue;
      for (const rs of (req.body.resource_spans ?? []) as { resource?: { attributes?: { key: string; value: { string_value?: string } }[] }; scope_spans?: { spans?: Span[] }[] }[]) {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.string_value;
        for (const ss of rs.scope_spans ?? []) for (const s of ss.spans ?? []) if (s.trace_id === traceId) spans.push({ ...s, service });
      }
    }
    progress(`${app.kind}: done (exit ${exitCode}, ${spans.length} span(s) of the request's trace over OTLP, health ${health.status})`);
    return { traceId, handlerSaw, openMetrics, families: parseOpenMetricsStrict(openMetrics), health, exitCode, stderr: running.stderr(), spans };
  } finally {
    await running.process.stop();
  }
}

function requestDurationExemplars(run: AppRun): { trace_id?: string; span_id?: string }[] {
  const family = run.families.find((f) => f.name === 'http_server_request_duration_seconds');
  expect(family, `http_server_request_duration_seconds in the scrape:\n${run.openMetrics.slice(0, 3000)}`).to.not.equal(undefined);
  return family!.samples.filter((s) => s.exemplar !== null).map((s) => s.exemplar!.labels);
}

describe('consumer: the packed packages in fresh applications outside the monorepo', function () {
  // Bounded: a few minutes per Node version with npm's cache warm (first run downloads).
  this.timeout(300_000);
  let root: string;
  let tarballs: Record<string, string>;
  let receiver: OtlpReceiver;

  before(async function () {
    this.timeout(180_000);
    root = realpathSync(mkdtempSync(join(tmpdir(), 'otelkit-consumer-')));
    expect(relative(REPO, root).startsWith('..'), `${root} must be outside the monorepo ${REPO}`).to.equal(true);
    progress(`Node ${process.version}; apps in ${root}`);
    tarballs = await packAll(join(root, 'tarballs'));
    progress(`packed ${Object.keys(tarballs).join(', ')}`);
    receiver = await startOtlpReceiver();
    progress(`OTLP receiver at ${receiver.url}`);
  });
  after(async () => {
    await receiver?.stop();
    progress('stopped the OTLP receiver');
    if (root !== undefined && process.env.OTELKIT_CONSUMER_KEEP !== '1') rmSync(root, { recursive: true, force: true });
    progress('removed the apps; done');
  });

  it('every tarball holds its dist JS and types, README and LICENSE, and no build info or source maps', async () => {
    for (const [name, file] of Object.entries(tarballs)) {
      const r = await run('tar', ['-tzf', file], root, 30_000);
      const files = r.stdout.split('\n').filter((f) => f !== '');
      expect(files, name).to.include.members(['package/package.json', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/README.md', 'package/LICENSE']);
      expect(files.filter((f) => /tsbuildinfo|\.map$/.test(f)), name).to.deep.equal([]);
      // The runtime entry of the bundled packages (scripts/bundle/bundle.mjs): what the apps below load.
      if (BUNDLED.includes(name)) expect(files, name).to.include('package/dist/bundle/index.js');
    }
  });

  /** Packages whose package.json `exports` point at a bundle (docs/BUNDLING.md). */
  const BUNDLED = ['@otelkit/metrics', '@otelkit/prometheus', '@otelkit/otlp', '@otelkit/telemetry'];

  const plain: AppKind[] = ['esm', 'cjs', 'ts'];
  for (const kind of plain) {
    describe(`${kind} app`, () => {
      let app: App;
      let result: AppRun | undefined;
      let tsc: { status: number | null; stdout: string; stderr: string } | undefined;
      before(async function () {
        this.timeout(300_000);
        app = createApp(kind, root, tarballs);
        const t0 = Date.now();
        const r = await installApp(app);
        if (r.status !== 0) throw new Error(`npm install of the ${kind} app failed (exit ${r.status}):\n${r.stderr}`);
        progress(`${kind}: npm install ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        // tsc emits dist/ even on type errors (no noEmitOnError): the app runs either way and the
        // type errors fail their own test.
        if (kind === 'ts') tsc = await run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app.dir, 120_000);
      });

      it(`has exactly one copy of @opentelemetry/api, the app's own ${APP_DEPENDENCIES['@opentelemetry/api']} (npm ls, and on disk)`, async () => {
        const ls = await npmLsApi(app);
        expect(ls.versions, `npm ls @opentelemetry/api --all:\n${JSON.stringify(ls.tree, null, 1).slice(0, 4000)}`).to.deep.equal([APP_DEPENDENCIES['@opentelemetry/api']]);
        expect(apiCopiesOnDisk(app)).to.deep.equal(['node_modules/@opentelemetry/api']);
      });

      if (kind === 'ts') {
        it('type-checks with tsc (module/moduleResolution nodenext, strict, without skipLibCheck) and builds', () => {
          expect(tsc?.status, `tsc:\n${tsc?.stdout}${tsc?.stderr}`).to.equal(0);
        });
      }

      describe('running', () => {
        before(async function () {
          this.timeout(60_000);
          result = await exercise(app, receiver, {
            OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
            OTEL_EXPORTER_PROMETHEUS_PORT: '0',
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
          });
        });

        it("the request handler sees the request's span through the application's own API", () => {
          expect(result!.handlerSaw.traceId).to.equal(result!.traceId);
          expect(result!.handlerSaw.spanId).to.match(/^[0-9a-f]{16}$/);
        });

        it("the application's own API counter is on /metrics", () => {
          const family = result!.families.find((f) => f.name === 'consumer_orders');
          expect(family, `consumer_orders in the scrape:\n${result!.openMetrics.slice(0, 3000)}`).to.not.equal(undefined);
          expect(family!.samples.find((s) => s.name === 'consumer_orders_total')?.value).to.equal(1);
        });

        it("http.server.request.duration has an exemplar with the request's trace id and server span id", () => {
          const mine = requestDurationExemplars(result!).filter((e) => e.trace_id === result!.traceId);
          expect(mine).to.have.length(1);
          expect(mine[0]!.span_id).to.equal(result!.handlerSaw.spanId);
        });

        it("the request's server span reached the OTLP receiver, with the service name", () => {
          const server = result!.spans.find((s) => s.span_id === result!.handlerSaw.spanId);
          expect(server, JSON.stringify(result!.spans)).to.not.equal(undefined);
          expect(server!.kind).to.equal('SPAN_KIND_SERVER');
          expect(server!.service).to.equal(`consumer-${kind}`);
        });

        it("health() is ok, no coexistence finding, no OTELKIT_COEXISTENCE warning; the app ends by itself after shutdown()", () => {
          expect(result!.health.status, JSON.stringify(result!.health)).to.equal('ok');
          expect(result!.health.coexistence).to.deep.equal([]);
          expect(result!.stderr).to.not.contain('OTELKIT_COEXISTENCE');
          expect(result!.exitCode).to.equal(0);
        });
      });
    });
  }

  describe('app with NodeSDK started first (NodeSDK owns traces, otelkit owns metrics)', () => {
    let app: App;
    let result: AppRun;
    before(async function () {
      this.timeout(300_000);
      app = createApp('nodesdk', root, tarballs);
      const t0 = Date.now();
      const r = await installApp(app);
      if (r.status !== 0) throw new Error(`npm install of the nodesdk app failed (exit ${r.status}):\n${r.stderr}`);
      progress(`nodesdk: npm install ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      result = await exercise(app, receiver, {
        // NodeSDK's configuration, from its environment variables: traces over OTLP, no metrics.
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_NODE_RESOURCE_DETECTORS: 'none',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      });
    });

    it('has exactly one copy of @opentelemetry/api', async () => {
      const ls = await npmLsApi(app);
      expect(ls.versions).to.deep.equal([APP_DEPENDENCIES['@opentelemetry/api']]);
      expect(apiCopiesOnDisk(app)).to.deep.equal(['node_modules/@opentelemetry/api']);
    });

    it('initTelemetry() printed ONE OTELKIT_COEXISTENCE warning on stderr naming the TracerProvider and the fix', () => {
      const warnings = result.stderr.match(/\[OTELKIT_COEXISTENCE\]/g) ?? [];
      expect(warnings, result.stderr).to.have.length(1);
      expect(result.stderr, result.stderr).to.match(/tracer-provider: a TracerProvider \(TracerProvider\) is already registered/);
      expect(result.stderr).to.contain('Fix:');
      process.stderr.write(`  [consumer] the warning the nodesdk app printed:\n${result.stderr.split('\n').filter((l) => /OTELKIT_COEXISTENCE|^\s+- /.test(l)).join('\n')}\n`);
    });

    it('health() is degraded with the findings: the TracerProvider degrades; NodeSDK\'s context manager and propagator do not', () => {
      expect(result.health.status).to.equal('degraded');
      expect(result.health.coexistence.map((f) => [f.kind, f.degrades])).to.deep.equal([
        ['tracer-provider', true],
        ['context-manager', false],
        ['propagator', false],
      ]);
      for (const f of result.health.coexistence) expect(f.fix).to.be.a('string').and.not.equal('');
    });

    it("the application's own API counter is on otelkit's /metrics (otelkit owns the global MeterProvider)", () => {
      const family = result.families.find((f) => f.name === 'consumer_orders');
      expect(family, result.openMetrics.slice(0, 3000)).to.not.equal(undefined);
    });

    it("the request's server span went to NodeSDK's exporter, and the exemplar carries NodeSDK's span id", () => {
      const server = result.spans.find((s) => s.kind === 'SPAN_KIND_SERVER');
      expect(server, `spans of the trace over OTLP: ${JSON.stringify(result.spans)}`).to.not.equal(undefined);
      expect(server!.span_id).to.equal(result.handlerSaw.spanId);
      const mine = requestDurationExemplars(result).filter((e) => e.trace_id === result.traceId);
      expect(mine).to.have.length(1);
      expect(mine[0]!.span_id).to.equal(server!.span_id);
    });
  });
});
