import { MeterProvider } from '@otelkit/metrics';
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetricsHandler } from '../src/handler.js';
import { rawRequest, type RawResponse } from './support/raw-http.js';

const TOKEN = 'h4ndler-token_0123456789';

/** The bypass attempts of the issue, through the real `/metrics` handler with `auth` set. */
describe('auth through createMetricsHandler', () => {
  let server: Server;
  let port = 0;
  before(async () => {
    const provider = new MeterProvider();
    provider.getMeter('secured').createCounter('secret.orders').add(42, { region: 'eu' });
    server = createServer(createMetricsHandler({ store: provider.store, auth: { bearerToken: TOKEN, allow: ['127.0.0.1', '::1'] } }));
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const request = (method: string, target: string, headers = '', localAddress?: string): Promise<RawResponse> =>
    rawRequest(port, `${method} ${target} HTTP/1.1\nHost: 127.0.0.1${headers ? `\n${headers}` : ''}${method === 'GET' || method === 'HEAD' ? '' : '\nContent-Length: 0'}`, { localAddress });
  const auth = `Authorization: Bearer ${TOKEN}`;
  /** No metric data in a response: neither a sample nor a TYPE line. */
  const leaks = (r: RawResponse): boolean => r.body.includes('secret_orders') || r.body.includes('# TYPE');

  it('serves the exposition with the token, from an allowed address', async () => {
    const r = await request('GET', '/metrics', auth);
    expect(r.status).to.equal(200);
    expect(r.body).to.match(/^secret_orders_total\{.*region="eu"\} 42$/m);
  });

  it('answers 401 for the bypass attempts on the Authorization header', async () => {
    for (const h of ['', 'Authorization: ', `Authorization: ${TOKEN}`, `Authorization: Bearer  ${TOKEN}`, `Authorization: Bearer ${TOKEN} x`, `Authorization: Bearer ${TOKEN.toUpperCase()}`, `Authorization: Bearer ${TOKEN}${'x'.repeat(8000)}`, 'Authorization: Bearer', `Authorization: Basic ${Buffer.from(`:${TOKEN}`).toString('base64')}`, `Authorization: Bearer wrong\n${auth}`]) {
      const r = await request('GET', '/metrics', h);
      expect(r.status, JSON.stringify(h.slice(0, 60))).to.equal(401);
      expect(r.headers['www-authenticate'], h.slice(0, 60)).to.match(/^Bearer realm="metrics"/);
      expect(leaks(r)).to.equal(false);
    }
    expect((await request('GET', '/metrics', `authorization: bearer ${TOKEN}`)).status).to.equal(200);
  });

  it('ignores a spoofed X-Forwarded-For from a peer outside the allowlist (403 even with the token)', async () => {
    const r = await request('GET', '/metrics', `${auth}\nX-Forwarded-For: 127.0.0.1`, '127.0.0.2');
    expect(r.status).to.equal(403);
    expect(r.headers).not.to.have.property('www-authenticate');
    expect(leaks(r)).to.equal(false);
  });

  it('serves nothing on path tricks, with or without the token', async () => {
    for (const target of ['/metrics/', '//metrics', '/metrics/x', '/METRICS', '/%6detrics', '/metrics%2F', '/metrics;x', '/./metrics', '/x/../metrics', 'http://127.0.0.1/metrics', '*']) {
      for (const h of ['', auth]) {
        const r = await request('GET', target, h);
        expect(r.status, `${target} ${h ? 'with' : 'without'} token`).not.to.equal(200);
        expect(leaks(r), target).to.equal(false);
      }
    }
    // The query string is not part of the path: /metrics?x is /metrics, guarded like it.
    expect((await request('GET', '/metrics?x', '')).status).to.equal(401);
    expect((await request('GET', '/metrics?x', auth)).status).to.equal(200);
  });

  it('serves nothing to other methods, with or without the token; HEAD is guarded like GET', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND']) {
      for (const h of ['', auth]) {
        const r = await request(method, '/metrics', h);
        expect(r.status, `${method} ${h ? 'with' : 'without'} token`).to.be.oneOf([401, 405]);
        expect(leaks(r), method).to.equal(false);
      }
      const authed = await request(method, '/metrics', auth);
      expect(authed.status, method).to.equal(405);
      expect(authed.headers.allow).to.equal('GET, HEAD');
    }
    const head = await request('HEAD', '/metrics', '');
    expect(head.status).to.equal(401);
    expect(head.body).to.equal('');
    expect((await request('HEAD', '/metrics', auth)).status).to.equal(200);
  });
});
