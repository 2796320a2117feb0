import { expect } from 'chai';
import { createServer, request, type Server } from 'node:http';
import { MeterProvider } from '@otelkit/metrics';
import { createMetricsHandler } from '../../src/index.js';

/**
 * Regression: the handler answered 405 (with `Allow`) before running the access guard, so a
 * client outside the allowlist or without the token learned that /metrics exists and which
 * methods it takes. The guard now decides first.
 */
describe('regression: the access guard runs before the method check', () => {
  let server: Server;
  let port: number;
  before(async () => {
    const handler = createMetricsHandler({ store: new MeterProvider().store, auth: { bearerToken: 's3cret-token-value' } });
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise((r) => server.close(r)));

  const call = (method: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; allow: string | undefined }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/metrics', method, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow as string | undefined }));
      });
      req.on('error', reject);
      req.end();
    });

  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
    it(`${method} without the token: 401, no Allow header`, async () => {
      const r = await call(method);
      expect(r.status).to.equal(401);
      expect(r.allow).to.equal(undefined);
    });
  }

  it('with the token, a wrong method is a 405 with Allow', async () => {
    const r = await call('POST', { authorization: 'Bearer s3cret-token-value' });
    expect(r.status).to.equal(405);
    expect(r.allow).to.equal('GET, HEAD');
  });
});
