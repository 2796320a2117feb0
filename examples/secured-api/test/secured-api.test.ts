import { promtoolCheckMetrics, startProcess, startPrometheus, waitFor, type RunningProcess, sampleValue as valueOf, startScriptArgs } from '@otelkit/testkit';
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'sigil-test-4f1c9a7e2b';


function start(env: Record<string, string>): RunningProcess {
  const { METRICS_TOKEN: _drop, ...base } = process.env;
  return startProcess(process.execPath, startScriptArgs(root), { cwd: root, env: { ...base, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}


describe('example: secured-api', function () {
  this.timeout(60_000);

  it('refuses to start without METRICS_TOKEN, naming the variable', async () => {
    const proc = start({});
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
    expect(code).to.equal(1);
    expect(proc.output()).to.contain('METRICS_TOKEN').and.to.contain('unset or empty');
  });

  describe('running', () => {
    let proc: RunningProcess;
    let url = '';
    before(async () => {
      proc = start({ METRICS_TOKEN: TOKEN });
      url = await waitFor('the API to listen', () => {
        if (proc.child.exitCode !== null) throw new Error(`secured-api exited with code ${proc.child.exitCode}: ${proc.output()}`);
        return /listening on (http:\/\/\S+)/.exec(proc.output())?.[1];
      }, 30_000, 50);
    });
    after(async () => {
      await proc?.stop();
    });

    const post = async (path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const scrape = (headers: Record<string, string> = {}, path = '/metrics', method = 'GET'): Promise<Response> => fetch(`${url}${path}`, { method, headers });

    it('serves the API and counts every operation and outcome', async () => {
      const key = await post('/v1/keys', {});
      expect(key.status).to.equal(200);
      const keyId = key.json.keyId as string;
      const signatures: string[] = [];
      for (const payload of ['a', 'b', 'c']) {
        const r = await post('/v1/sign', { keyId, payload });
        expect(r.status).to.equal(200);
        signatures.push(r.json.signature as string);
      }
      expect((await post('/v1/verify', { keyId, payload: 'a', signature: signatures[0] })).json.valid).to.equal(true);
      expect((await post('/v1/verify', { keyId, payload: 'a', signature: signatures[1] })).json.valid).to.equal(false);
      expect((await post('/v1/sign', { keyId: 'nope', payload: 'x' })).status).to.equal(404);
      expect((await fetch(`${url}/v1/unknown`)).status).to.equal(404);

      const res = await scrape({ authorization: `Bearer ${TOKEN}` });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      const requests = (operation: string, outcome: string): number | undefined => valueOf(text, 'sigil_requests_total', { operation, outcome });
      expect(requests('create_key', 'ok')).to.equal(1);
      expect(requests('sign', 'ok')).to.equal(3);
      expect(requests('sign', 'client_error')).to.equal(1);
      expect(requests('verify', 'ok')).to.equal(2);
      expect(requests('other', 'client_error')).to.equal(1);
      expect(requests('sign', 'server_error')).to.equal(0);
      expect(valueOf(text, 'sigil_request_duration_seconds_count', { operation: 'sign' })).to.equal(4);
      expect(valueOf(text, 'sigil_request_duration_seconds_bucket', { operation: 'sign', le: '+Inf' })).to.equal(4);
      expect(valueOf(text, 'sigil_request_duration_seconds_sum', { operation: 'sign' })).to.be.greaterThan(0).and.lessThan(5);
      expect(valueOf(text, 'target_info', { job: 'sigil-api' })).to.equal(1);
      expect(promtoolCheckMetrics(text)).to.deep.equal({ status: 0, output: '' });
    });

    it('exposes default process metrics', async () => {
      // The event loop delay gauges have a value once the runtime instrumentation sampled the loop:
      // on a loaded machine the first scrape can come before that.
      const text = await waitFor('runtime metrics with values', async () => {
        const t = await (await scrape({ authorization: `Bearer ${TOKEN}` })).text();
        return valueOf(t, 'nodejs_eventloop_delay_p99_seconds') !== undefined ? t : undefined;
      }, 15_000);
      expect(valueOf(text, 'process_cpu_time_seconds_total', { cpu_mode: 'user' })).to.be.greaterThan(0);
      expect(valueOf(text, 'process_memory_usage')).to.be.greaterThan(10 * 1024 * 1024);
      expect(valueOf(text, 'v8js_memory_heap_used_bytes', { v8js_heap_space_name: 'old_space' })).to.be.greaterThan(0);
      expect(valueOf(text, 'nodejs_eventloop_delay_p99_seconds')).to.be.a('number');
    });

    it('answers 401 with WWW-Authenticate without the token or with a wrong one', async () => {
      const none = await scrape();
      expect(none.status).to.equal(401);
      expect(none.headers.get('www-authenticate')).to.equal('Bearer realm="metrics"');
      expect(await none.text()).not.to.contain('sigil_');
      const wrong = await scrape({ authorization: 'Bearer not-the-token' });
      expect(wrong.status).to.equal(401);
      expect(wrong.headers.get('www-authenticate')).to.contain('error="invalid_token"');
      expect((await scrape({ authorization: `Bearer ${TOKEN.toUpperCase()}` })).status).to.equal(401);
      expect((await scrape({ authorization: TOKEN })).status).to.equal(401);
    });

    it('leaks nothing through path tricks or other methods', async () => {
      for (const path of ['/metrics/', '//metrics', '/Metrics', '/metrics/../metrics/']) {
        const r = await scrape({}, path);
        expect(r.status, path).to.be.oneOf([401, 404]);
        expect(await r.text(), path).not.to.contain('sigil_requests_total');
      }
      expect((await scrape({}, '/metrics?x')).status).to.equal(401);
      expect((await scrape({ authorization: `Bearer ${TOKEN}` }, '/metrics?x')).status).to.equal(200);
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        // The library handler answers 405 before checking credentials: no data either way.
        const anonymous = await scrape({}, '/metrics', method);
        expect(anonymous.status, method).to.be.oneOf([401, 405]);
        expect(await anonymous.text(), method).not.to.contain('sigil_');
        const authed = await scrape({ authorization: `Bearer ${TOKEN}` }, '/metrics', method);
        expect(authed.status, method).to.equal(405);
        expect(authed.headers.get('allow')).to.equal('GET, HEAD');
      }
      const head = await scrape({ authorization: `Bearer ${TOKEN}` }, '/metrics', 'HEAD');
      expect(head.status).to.equal(200);
    });

    it('is scraped by a real Prometheus that sends the token', async () => {
      const target = url.replace('http://', '');
      const prom = await startPrometheus({ targets: [target], extraJobYaml: `    authorization:\n      credentials: ${TOKEN}` });
      try {
        await prom.waitForTargetsUp();
        const r = await waitFor('sign requests in Prometheus', async () => {
          const v = await prom.query('sigil_requests_total{operation="sign",outcome="ok"}');
          return v.length > 0 ? v : undefined;
        }, 30_000);
        expect(r[0]!.value[1]).to.equal('3');
      } finally {
        await prom.stop();
      }
    });

    it('never prints the token', () => {
      expect(proc.output()).not.to.contain(TOKEN);
    });

    it('stops cleanly on SIGTERM', async () => {
      const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
      proc.child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    });
  });
});
