import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConfigError, MeterProvider } from '@otelkit/metrics';
import { freePort } from '@otelkit/testkit';
import { createMetricsHandler, PortInUseError, PrometheusConfigError, startMetricsServer, type MetricsHandler } from '../src/index.js';

function store() {
  const mp = new MeterProvider();
  mp.getMeter('srv').createCounter('served', { description: 'Served' }).add(1);
  return mp.store;
}

describe('startMetricsServer', () => {
  it('port 0 binds a free port and reports it; close() stops listening and can be called twice', async () => {
    const server = await startMetricsServer({ store: store(), host: '127.0.0.1', port: 0 });
    expect(server.port).to.be.greaterThan(0);
    expect(server.url).to.equal(`http://127.0.0.1:${server.port}/metrics`);
    const r = await fetch(server.url);
    expect(r.status).to.equal(200);
    expect(await r.text()).to.include('served_total');
    await server.close();
    await server.close();
    let refused = false;
    await fetch(server.url).catch(() => (refused = true));
    expect(refused).to.equal(true);
  });

  it('defaults to localhost and a custom path', async () => {
    const server = await startMetricsServer({ store: store(), port: 0, path: '/internal/metrics' });
    try {
      expect(server.url).to.equal(`http://localhost:${server.port}/internal/metrics`);
      expect((await fetch(server.url)).status).to.equal(200);
      expect((await fetch(server.url.replace('/internal/metrics', '/metrics'))).status).to.equal(404);
    } finally {
      await server.close();
    }
  });

  it('serves on IPv6 loopback with a bracketed URL', async () => {
    const server = await startMetricsServer({ store: store(), host: '::1', port: 0 });
    try {
      expect(server.url).to.equal(`http://[::1]:${server.port}/metrics`);
      expect((await fetch(server.url)).status).to.equal(200);
    } finally {
      await server.close();
    }
  });

  it('rejects a taken port with PortInUseError naming host:port and the remedy, without crashing the host', async () => {
    const port = await freePort();
    const blocker: NetServer = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => {
      uncaught.push(e);
    };
    process.on('uncaughtException', onUncaught);
    try {
      let err: unknown;
      await startMetricsServer({ store: store(), host: '127.0.0.1', port }).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(PortInUseError);
      const e = err as PortInUseError;
      expect(e.code).to.equal('OTELKIT_PORT_IN_USE');
      expect(e.port).to.equal(port);
      expect(e.host).to.equal('127.0.0.1');
      expect(e.message).to.include(`127.0.0.1:${port}`);
      expect(e.message).to.include('OTEL_EXPORTER_PROMETHEUS_PORT');
      expect(e.message).to.include('prometheus.port');
      expect(e.message).to.include('stop the other process');
      expect((e.cause as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
      await new Promise((r) => setTimeout(r, 50));
      expect(uncaught).to.deep.equal([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('a second metrics server on the same port gets PortInUseError too', async () => {
    const first = await startMetricsServer({ store: store(), host: '127.0.0.1', port: 0 });
    try {
      let err: unknown;
      await startMetricsServer({ store: store(), host: '127.0.0.1', port: first.port }).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(PortInUseError);
      expect((await fetch(first.url)).status).to.equal(200);
    } finally {
      await first.close();
    }
  });

  it('refuses bad host and port values with a typed error naming the field', async () => {
    for (const [opts, field] of [
      [{ port: -1 }, 'port'],
      [{ port: 70000 }, 'port'],
      [{ port: 94.5 }, 'port'],
      [{ port: '9464' }, 'port'],
      [{ host: '' }, 'host'],
      [{ path: 'metrics' }, 'path'],
    ] as const) {
      let err: unknown;
      await startMetricsServer({ store: store(), ...(opts as object) }).catch((e: unknown) => (err = e));
      expect(err, field).to.be.instanceOf(PrometheusConfigError);
      expect((err as PrometheusConfigError).field).to.equal(field);
      expect((err as Error).message).to.match(/e\.g\./);
      // One ConfigError shape across packages: the example is a field of its own too.
      expect(err, field).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).example, field).to.match(/^("|\d)/);
    }
  });

  it('serves a handler built beforehand, as is (one handler and one access guard per endpoint)', async () => {
    const built = createMetricsHandler({ store: store(), path: '/m', auth: { bearerToken: 'tok' } });
    let calls = 0;
    const handler: MetricsHandler = (req, res, next) => {
      calls++;
      built(req, res, next);
    };
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, path: '/m', handler });
    try {
      expect(server.url).to.equal(`http://127.0.0.1:${server.port}/m`);
      expect((await fetch(server.url)).status).to.equal(401);
      const ok = await fetch(server.url, { headers: { authorization: 'Bearer tok' } });
      expect(ok.status).to.equal(200);
      expect(await ok.text()).to.include('served_total');
      expect(calls).to.equal(2);
    } finally {
      await server.close();
    }
  });
});

describe('startMetricsServer and the life of the process', function () {
  this.timeout(30_000);
  /** Runs a child that starts a server (and scrapes it once with keep-alive); resolves its exit code, or 'alive' after `ms`. */
  const run = (keepProcessAlive: boolean, ms: number): Promise<number | null | 'alive'> =>
    new Promise((resolve) => {
      const script = `
        import { MeterProvider } from '@otelkit/metrics';
        import { startMetricsServer } from '@otelkit/prometheus';
        const mp = new MeterProvider();
        mp.getMeter('m').createCounter('c').add(1);
        const s = await startMetricsServer({ store: mp.store, host: '127.0.0.1', port: 0, keepProcessAlive: ${keepProcessAlive} });
        const body = await (await fetch(s.url, { keepalive: true })).text();
        if (!body.includes('c_total')) process.exit(2);
      `;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'ignore' });
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('alive');
      }, ms);
      child.on('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });

  it('does not keep the process alive by default (idle kept-alive connection included); keepProcessAlive: true does', async () => {
    expect(await run(false, 10_000)).to.equal(0);
    expect(await run(true, 2_000)).to.equal('alive');
  });
});
