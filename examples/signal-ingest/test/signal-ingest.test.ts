import { freePort, parseOpenMetricsStrict, promtoolCheckMetrics, startProcess, waitFor, type RunningProcess, sampleValue as valueOf, startScriptArgs } from '@otelkit/testkit';
import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));


function start(env: Record<string, string>): RunningProcess {
  return startProcess(process.execPath, startScriptArgs(root), { cwd: root, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', METRICS_HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}


describe('example: signal-ingest', function () {
  this.timeout(60_000);

  describe('running', () => {
    let proc: RunningProcess;
    let url = '';
    let metricsUrl = '';
    let metricsPort = 0;
    before(async () => {
      // METRICS_PORT=0: the service binds a free port and prints it (a port picked free beforehand
      // can be taken before a child process binds it).
      proc = start({ METRICS_PORT: '0' });
      [url, metricsUrl] = await waitFor(
        'signal-ingest to listen',
        () => {
          if (proc.child.exitCode !== null) throw new Error(`signal-ingest exited with code ${proc.child.exitCode}: ${proc.output()}`);
          const m = /listening on (http:\/\/\S+) .*metrics at (http:\/\/\S+)/.exec(proc.output());
          return m ? [m[1]!, m[2]!] : undefined;
        },
        30_000,
        50,
      );
    });
    after(async () => {
      await proc?.stop();
    });

    const post = async (body: string): Promise<number> => (await fetch(`${url}/signals`, { method: 'POST', body })).status;

    it('counts signals by source and records trust scores; unknown sources are "other", bad signals are refused', async () => {
      metricsPort = Number(new URL(metricsUrl).port);
      expect(metricsPort).to.be.greaterThan(0);
      expect(metricsUrl).to.equal(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(await post(JSON.stringify([{ source: 'rss', trust: 0.95 }, { source: 'rss', trust: 0.85 }, { source: 'rss', trust: 0.05 }]))).to.equal(202);
      expect(await post(JSON.stringify({ source: 'webhook', trust: 0.5 }))).to.equal(202);
      expect(await post(JSON.stringify({ source: 'webhook', trust: 0.55 }))).to.equal(202);
      expect(await post(JSON.stringify({ source: 'myspace', trust: 0.3 }))).to.equal(202);
      expect(await post(JSON.stringify({ source: 'rss', trust: 1.5 }))).to.equal(400);
      expect(await post(JSON.stringify({ source: 'rss', trust: 'high' }))).to.equal(400);
      expect(await post('{not json')).to.equal(400);
      expect(await post(JSON.stringify({ trust: 0.5 }))).to.equal(400);

      const text = await (await fetch(metricsUrl)).text();
      const ingested = (source: string) => valueOf(text, 'pulse_signals_ingested_total', { source });
      expect([ingested('rss'), ingested('webhook'), ingested('reddit'), ingested('other')]).to.deep.equal([3, 2, 0, 1]);
      const bucket = (source: string, le: string) => valueOf(text, 'pulse_signal_trust_score_bucket', { source, le });
      // rss: 0.05 | 0.85 | 0.95 — cumulative per bucket
      expect(['0.1', '0.8', '0.9', '1', '+Inf'].map((le) => bucket('rss', le))).to.deep.equal([1, 1, 2, 3, 3]);
      // webhook: 0.5 sits in le="0.5" (upper-inclusive), 0.55 in le="0.6"
      expect(['0.4', '0.5', '0.6'].map((le) => bucket('webhook', le))).to.deep.equal([0, 1, 2]);
      expect(valueOf(text, 'pulse_signal_trust_score_sum', { source: 'rss' })).to.be.closeTo(1.85, 1e-12);
      expect(valueOf(text, 'pulse_signal_trust_score_count', { source: 'other' })).to.equal(1);
      const rejected = (reason: string) => valueOf(text, 'pulse_signals_rejected_total', { reason });
      expect([rejected('invalid_trust'), rejected('invalid_json'), rejected('invalid_signal')]).to.deep.equal([2, 1, 1]);
      const check = promtoolCheckMetrics(text);
      expect(check.status, check.output).to.equal(0);
      const om = await (await fetch(metricsUrl, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } })).text();
      const trust = parseOpenMetricsStrict(om).find((f) => f.name === 'pulse_signal_trust_score')!;
      expect(trust.type).to.equal('histogram');
    });
  });

  it('METRICS_PORT taken: exits 1 at once with a message naming the variable and the port', async () => {
    const blocker: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
    try {
      const proc = start({ METRICS_PORT: String(port) });
      const code = await new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
      expect(code).to.equal(1);
      expect(proc.output()).to.contain(`METRICS_PORT=${port} is taken`).and.to.contain(`127.0.0.1:${port}`);
      expect(proc.output()).not.to.contain('    at '); // a message, not a stack trace
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('METRICS_PORT that is not a port: exits 1 naming the variable', async () => {
    const proc = start({ METRICS_PORT: 'ninety' });
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
    expect(code).to.equal(1);
    expect(proc.output()).to.contain('METRICS_PORT="ninety" is not a port number');
  });
});
