import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startOtlpReceiver, startPushgateway, type OtlpReceiver, type PushgatewayServer } from '@otelkit/testkit';
import { otlpValues, runApp } from '../helpers/run-app.js';

/*
 * Regression (issue 15, item 2): an application that called process.exit() while otelkit's
 * asynchronous final export was still waiting on a slow Pushgateway (600 ms) sent everything
 * twice — two OTLP exports, two pushes — because the 'exit' hook started the synchronous export
 * of every component again. Now the exit path sends only the final requests of components whose
 * asynchronous final export has not started: a push on the wire is not repeated.
 */

/** A slow gateway: forwards each request to the real Pushgateway at once, answers 600 ms later. */
async function slowProxy(target: string): Promise<{ url: string; pushes: () => number; lastPushAt: () => number; close: () => Promise<void> }> {
  let pushes = 0;
  let lastPushAt = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PUT' || req.method === 'POST') {
        pushes++;
        lastPushAt = Date.now();
      }
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'content-encoding']) if (req.headers[h]) headers[h] = String(req.headers[h]);
      void fetch(`${target}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }).then(
        async (r) => {
          const body = Buffer.from(await r.arrayBuffer());
          setTimeout(() => res.writeHead(r.status).end(body), 600);
        },
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pushes: () => pushes,
    lastPushAt: () => lastPushAt,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function pushedItems(gw: PushgatewayServer): Promise<number | undefined> {
  const m = /^app_items_total\{[^}]*job="shutdown-app"[^}]*\} (\S+)$/m.exec(await gw.metrics());
  return m ? Number(m[1]) : undefined;
}

describe('regression: process.exit() during the asynchronous final export exported twice', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let gw: PushgatewayServer;
  let proxy: Awaited<ReturnType<typeof slowProxy>>;
  before(async () => {
    receiver = await startOtlpReceiver();
    gw = await startPushgateway();
  });
  after(async () => {
    await receiver?.stop();
    await gw?.stop();
  });
  beforeEach(async () => {
    await receiver.reset();
    await fetch(`${gw.url}/metrics/job/shutdown-app`, { method: 'DELETE' });
    proxy = await slowProxy(gw.url);
  });
  afterEach(async () => proxy?.close());

  const cases = [
    { what: "the app's SIGTERM handler starts tel.shutdown() and exits 150 ms later", mode: 'shutdown-then-exit', signal: 'SIGTERM' as const, code: 0 },
    { what: "the app's beforeExit listener exits 150 ms into otelkit's final export", mode: 'beforeexit-exit', signal: undefined, code: 0 },
  ];
  for (const c of cases) {
    it(`${c.what}: one push and one OTLP export, with the last value`, async () => {
      const ended = await runApp({
        env: { MODE: c.mode, EXIT_AFTER_MS: '150', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, PUSHGATEWAY_URL: proxy.url },
        signal: c.signal,
      });
      expect(ended.code, ended.output).to.equal(c.code);
      // The process exited before the gateway answered: the push was on the wire, not repeated.
      expect(ended.endedAt - proxy.lastPushAt(), 'exit before the slow answer (600 ms)').to.be.below(600);
      await new Promise((r) => setTimeout(r, 800));
      expect(proxy.pushes(), ended.output).to.equal(1);
      expect(await pushedItems(gw)).to.equal(43);
      expect(otlpValues(await receiver.requests(), 'app.items')).to.deep.equal([43]);
    });
  }

  it('process.exit() before any final export started: the synchronous path still sends both, once', async () => {
    const ended = await runApp({ env: { MODE: 'exit-in-handler', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, PUSHGATEWAY_URL: proxy.url }, signal: 'SIGTERM' });
    expect(ended.code, ended.output).to.equal(5);
    expect(proxy.pushes()).to.equal(1);
    expect(await pushedItems(gw)).to.equal(43);
    expect(otlpValues(await receiver.requests(), 'app.items')).to.deep.equal([43]);
  });
});
