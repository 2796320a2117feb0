import { expect } from 'chai';
import { context, diag, DiagLogLevel, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { HttpClientInstrumentation, UndiciInstrumentation } from '../src/index.js';
import { kClientState } from '../src/client-request-state.js';
import { clientSpans, durationPoints, installGlobals, makeSide, startPeer, type Peer } from './client-harness.js';

/** The client instrumentations never break the caller, honour suppression and ignore, and keep nothing alive. */

function httpGet(url: string, headers?: Record<string, string>): Promise<{ status: number; req: object }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, req }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('client instrumentation: robustness', function () {
  this.timeout(30_000);
  let restore: () => void;
  let peer: Peer;
  before(async () => {
    restore = installGlobals();
    peer = await startPeer();
  });
  after(async () => {
    await peer?.close();
    restore?.();
  });

  it('a tracer that throws: requests and fetch() still work, no uncaught exception, one diag.warn', async () => {
    const broken: TracerProvider = {
      getTracer: () => ({ startSpan: () => { throw new Error('tracer broken'); } }) as unknown as Tracer,
    };
    const side = makeSide();
    const warnings: string[] = [];
    diag.setLogger({ warn: (m: string) => warnings.push(m), error: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const a = new HttpClientInstrumentation({ tracerProvider: broken, meterProvider: side.meters });
    const b = new UndiciInstrumentation({ tracerProvider: broken, meterProvider: side.meters });
    a.enable();
    b.enable();
    try {
      expect((await httpGet(`http://127.0.0.1:${peer.port}/x`)).status).to.equal(200);
      expect((await fetch(`http://127.0.0.1:${peer.port}/y`)).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 50));
      expect(uncaught).to.deep.equal([]);
      expect(warnings.filter((w) => w.includes('@otelkit/instrumentation-http'))).to.have.length(1);
    } finally {
      a.disable();
      b.disable();
      process.off('uncaughtException', onUncaught);
      diag.disable();
    }
  });

  it('tracing suppressed (an exporter\'s own request): no span, no metric, no traceparent', async () => {
    const side = makeSide();
    const a = new HttpClientInstrumentation({ tracerProvider: side.tracing, meterProvider: side.meters });
    const b = new UndiciInstrumentation({ tracerProvider: side.tracing, meterProvider: side.meters });
    a.enable();
    b.enable();
    try {
      await context.with(suppressTracing(context.active()), async () => {
        await httpGet(`http://127.0.0.1:${peer.port}/quiet`);
        expect(peer.lastTraceparent).to.equal(undefined);
        await (await fetch(`http://127.0.0.1:${peer.port}/quiet`)).arrayBuffer();
        expect(peer.lastTraceparent).to.equal(undefined);
      });
      await new Promise((r) => setTimeout(r, 30));
      expect(side.exporter.getFinishedSpans()).to.have.length(0);
      expect(await durationPoints(side)).to.deep.equal([]);
      // And the control: the same requests traced.
      await httpGet(`http://127.0.0.1:${peer.port}/loud`);
      expect(peer.lastTraceparent).to.match(/^00-/);
      expect(await clientSpans(side)).to.have.length(1);
    } finally {
      a.disable();
      b.disable();
    }
  });

  it('ignoreOutgoingRequest sees method and url.full; ignored requests get nothing; a throwing one ignores nothing', async () => {
    const side = makeSide();
    const seen: unknown[] = [];
    const ignore = (r: { method: string; url: string }) => {
      seen.push(r);
      if (r.url.includes('/boom')) throw new Error('bad hook');
      return r.url.endsWith('/health');
    };
    const a = new HttpClientInstrumentation({ tracerProvider: side.tracing, meterProvider: side.meters, ignoreOutgoingRequest: ignore });
    const b = new UndiciInstrumentation({ tracerProvider: side.tracing, meterProvider: side.meters, ignoreOutgoingRequest: ignore });
    a.enable();
    b.enable();
    try {
      await httpGet(`http://127.0.0.1:${peer.port}/health`);
      expect(peer.lastTraceparent).to.equal(undefined);
      await (await fetch(`http://127.0.0.1:${peer.port}/health`)).arrayBuffer();
      expect(peer.lastTraceparent).to.equal(undefined);
      await (await fetch(`http://127.0.0.1:${peer.port}/boom`)).arrayBuffer();
      expect(peer.lastTraceparent).to.match(/^00-/);
      expect(seen).to.deep.equal([
        { method: 'GET', url: `http://127.0.0.1:${peer.port}/health` },
        { method: 'GET', url: `http://127.0.0.1:${peer.port}/health` },
        { method: 'GET', url: `http://127.0.0.1:${peer.port}/boom` },
      ]);
      expect((await clientSpans(side)).map((s) => s.attributes['url.full'])).to.deep.equal([`http://127.0.0.1:${peer.port}/boom`]);
    } finally {
      a.disable();
      b.disable();
    }
  });

  it('keeps per-request state on the request object only, and nothing after disable()', async () => {
    const side = makeSide();
    const a = new HttpClientInstrumentation({ tracerProvider: side.tracing, meterProvider: side.meters });
    a.enable();
    const { req } = await httpGet(`http://127.0.0.1:${peer.port}/state`);
    expect((req as Record<symbol, { ended: boolean }>)[kClientState]?.ended).to.equal(true);
    // The instrumentation holds no collection that could grow with requests.
    const fields = Object.values(a as unknown as Record<string, unknown>);
    expect(fields.some((v) => v instanceof Map || v instanceof Set || v instanceof WeakMap)).to.equal(false);
    a.disable();
    const after = await httpGet(`http://127.0.0.1:${peer.port}/state`);
    expect((after.req as Record<symbol, unknown>)[kClientState]).to.equal(undefined);
    expect(trace.getSpan(context.active())).to.equal(undefined);
  });

  it('does not keep the process alive: a script that enables both and makes requests exits by itself', async () => {
    const script = fileURLToPath(new URL('./fixtures/client-exits.ts', import.meta.url));
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, out).to.equal(0);
    expect(out).to.include('spans 2');
    expect(Date.now() - started).to.be.lessThan(15_000);
  });
});
