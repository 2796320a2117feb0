import { DiagLogLevel, diag, type DiagLogger } from '@opentelemetry/api';
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsAuthConfigError, createAccessGuard, type AccessGuard, type MetricsAuthOptions } from '../src/auth.js';
import { rawRequest, type RawResponse } from './support/raw-http.js';

const TOKEN = 'tok3n-9f8e7d6c5b4a_Z~+/=';

/** A real node:http server whose every request goes through the guard; 200 "ok" when allowed. */
async function guardedServer(guard: AccessGuard, host: string): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    const d = guard(req);
    if (!d.allowed) {
      res.writeHead(d.status, d.headers).end(d.body);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

const close = (s: Server): Promise<void> => new Promise((resolve) => s.close(() => resolve()));

function configError(options: MetricsAuthOptions): MetricsAuthConfigError {
  try {
    createAccessGuard(options);
  } catch (e) {
    expect(e).to.be.instanceOf(MetricsAuthConfigError);
    return e as MetricsAuthConfigError;
  }
  throw new Error(`expected a MetricsAuthConfigError for ${JSON.stringify(Object.keys(options))}`);
}

describe('auth', () => {
  describe('configuration', () => {
    it('refuses an empty token, naming the field and an example', () => {
      const e = configError({ bearerToken: '' });
      expect(e.field).to.equal('bearerToken');
      expect(e.message).to.match(/auth\.bearerToken is empty.*openssl rand -hex 32/);
    });

    it('refuses an unset or empty token variable, naming the variable', () => {
      delete process.env.OTELKIT_TEST_UNSET_TOKEN;
      const e = configError({ bearerTokenEnv: 'OTELKIT_TEST_UNSET_TOKEN' });
      expect(e.field).to.equal('bearerTokenEnv');
      expect(e.message).to.contain('OTELKIT_TEST_UNSET_TOKEN').and.to.contain('unset or empty');
      process.env.OTELKIT_TEST_EMPTY_TOKEN = '';
      expect(configError({ bearerTokenEnv: 'OTELKIT_TEST_EMPTY_TOKEN' }).field).to.equal('bearerTokenEnv');
      delete process.env.OTELKIT_TEST_EMPTY_TOKEN;
      expect(configError({ bearerTokenEnv: 'not a name' }).message).to.contain('"METRICS_TOKEN"');
    });

    it('reads the token from the environment once, at creation', async () => {
      process.env.OTELKIT_TEST_TOKEN = TOKEN;
      const guard = createAccessGuard({ bearerTokenEnv: 'OTELKIT_TEST_TOKEN' });
      process.env.OTELKIT_TEST_TOKEN = 'changed-later';
      const { port, server } = await guardedServer(guard, '127.0.0.1');
      try {
        expect((await rawRequest(port, `GET /metrics HTTP/1.1\nHost: x\nAuthorization: Bearer ${TOKEN}`)).status).to.equal(200);
        expect((await rawRequest(port, 'GET /metrics HTTP/1.1\nHost: x\nAuthorization: Bearer changed-later')).status).to.equal(401);
      } finally {
        delete process.env.OTELKIT_TEST_TOKEN;
        await close(server);
      }
    });

    it('refuses a token with a trailing newline or space without quoting it', () => {
      process.env.OTELKIT_TEST_TOKEN = `${TOKEN}\n`;
      const fromEnv = configError({ bearerTokenEnv: 'OTELKIT_TEST_TOKEN' });
      delete process.env.OTELKIT_TEST_TOKEN;
      const inline = configError({ bearerToken: `${TOKEN} ` });
      for (const e of [fromEnv, inline]) {
        expect(e.message).to.contain('trailing newline or space');
        expect(e.message).not.to.contain(TOKEN);
        expect(String(e.stack)).not.to.contain(TOKEN);
      }
    });

    it('refuses both a token and a token variable', () => {
      expect(configError({ bearerToken: TOKEN, bearerTokenEnv: 'X' }).message).to.contain('both set');
    });

    it('refuses malformed CIDR ranges, naming the entry and a correct example', () => {
      for (const [allow, field] of [[['10.0.0.0/8', '10.0.0.0/33'], 'allow[1]'], [['10.1.2.3/8'], 'allow[0]'], [['300.1.1.1'], 'allow[0]'], [['fe80::1%eth0'], 'allow[0]'], [[''], 'allow[0]'], [[42], 'allow[0]']] as const) {
        const e = configError({ allow: allow as unknown as string[] });
        expect(e.field).to.equal(field);
        expect(e.message).to.contain('e.g. "10.0.0.0/8"');
      }
      expect(configError({ allow: ['::1'], trustedProxies: ['10.0.0.0/99'] }).field).to.equal('trustedProxies[0]');
    });

    it('refuses an empty allowlist, proxies without an allowlist, and options that enforce nothing', () => {
      expect(configError({ allow: [] }).message).to.contain('no client could ever read /metrics');
      expect(configError({ bearerToken: TOKEN, trustedProxies: ['127.0.0.1'] }).field).to.equal('trustedProxies');
      expect(configError({}).message).to.contain('enforce nothing');
      expect(configError({ bearerToken: TOKEN, realm: 'a"b' }).field).to.equal('realm');
    });

    it('never puts the token in any configuration error', () => {
      const errors = [
        configError({ bearerToken: TOKEN, bearerTokenEnv: 'X' }),
        configError({ bearerToken: TOKEN, allow: ['nope'] }),
        configError({ bearerToken: TOKEN, trustedProxies: ['127.0.0.1'] }),
        configError({ bearerToken: TOKEN, realm: '"' }),
        configError({ bearerToken: `${TOKEN}\r\n` }),
      ];
      for (const e of errors) {
        expect(e.message).not.to.contain(TOKEN);
        expect(String(e.stack)).not.to.contain(TOKEN);
        expect(JSON.stringify(e)).not.to.contain(TOKEN);
      }
    });
  });

  describe('bearer token (real HTTP, raw requests)', () => {
    let port = 0;
    let server: Server;
    before(async () => ({ port, server } = await guardedServer(createAccessGuard({ bearerToken: TOKEN }), '127.0.0.1')));
    after(() => close(server));

    const get = (headers: string, path = '/metrics'): Promise<RawResponse> => rawRequest(port, `GET ${path} HTTP/1.1\nHost: 127.0.0.1${headers ? `\n${headers}` : ''}`);

    it('answers 200 with the right token', async () => {
      const r = await get(`Authorization: Bearer ${TOKEN}`);
      expect(r.status).to.equal(200);
      expect(r.body).to.equal('ok\n');
    });

    it('answers 401 with WWW-Authenticate and no error code when no credentials are sent', async () => {
      const r = await get('');
      expect(r.status).to.equal(401);
      expect(r.headers['www-authenticate']).to.equal('Bearer realm="metrics"');
      expect(r.body).to.equal('Unauthorized\n');
    });

    it('answers 401 with error="invalid_token" for a wrong token', async () => {
      const r = await get('Authorization: Bearer wrong-token');
      expect(r.status).to.equal(401);
      expect(r.headers['www-authenticate']).to.equal('Bearer realm="metrics", error="invalid_token"');
    });

    it('takes the scheme in any case (RFC 7235 §2.1) but the token only in its own case', async () => {
      for (const scheme of ['bearer', 'BEARER', 'BeArEr']) expect((await get(`Authorization: ${scheme} ${TOKEN}`)).status, scheme).to.equal(200);
      expect((await get(`Authorization: Bearer ${TOKEN.toUpperCase()}`)).status).to.equal(401);
      expect((await get(`Authorization: Bearer ${TOKEN.toLowerCase()}`)).status).to.equal(401);
    });

    it('refuses extra spaces, tabs and extra parts inside the credentials', async () => {
      for (const h of [`Bearer  ${TOKEN}`, `Bearer\t${TOKEN}`, `Bearer ${TOKEN} extra`, `Bearer ${TOKEN},`, `Bearer wrong, Bearer ${TOKEN}`, `Bearer ${TOKEN}, Bearer wrong`, `Bearer ${TOKEN.slice(0, 5)} ${TOKEN.slice(5)}`]) {
        expect((await get(`Authorization: ${h}`)).status, JSON.stringify(h)).to.equal(401);
      }
    });

    it('ignores whitespace around the field value, which HTTP strips before the application (RFC 7230 §3.2.4)', async () => {
      expect((await get(`Authorization:    Bearer ${TOKEN}   `)).status).to.equal(200);
    });

    it('refuses a token without its scheme, under another scheme, or in another header', async () => {
      for (const h of [`Authorization: ${TOKEN}`, `Authorization: Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`, `Authorization: Token ${TOKEN}`, `Authorization: Bearer:${TOKEN}`, `Proxy-Authorization: Bearer ${TOKEN}`, `X-Authorization: Bearer ${TOKEN}`, `Cookie: token=${TOKEN}`]) {
        const r = await get(h);
        expect(r.status, h).to.equal(401);
      }
      const noScheme = await get(`Authorization: ${TOKEN}`);
      expect(noScheme.headers['www-authenticate']).to.equal('Bearer realm="metrics"');
    });

    it('refuses empty tokens', async () => {
      for (const h of ['Authorization:', 'Authorization: Bearer', 'Authorization: Bearer ', 'Authorization: Bearer =', 'Authorization: Bearer ""']) {
        expect((await get(h)).status, h).to.equal(401);
      }
    });

    it('refuses prefixes, extensions and long tokens; an oversized header never reaches the guard', async () => {
      for (const t of [TOKEN.slice(0, -1), `${TOKEN}a`, `${TOKEN}${TOKEN}`, 'a'.repeat(8 * 1024), `${TOKEN}${'='.repeat(4000)}`]) {
        expect((await get(`Authorization: Bearer ${t}`)).status, `${t.length} chars`).to.equal(401);
      }
      // Node's 16 KiB header limit stops the request before any handler runs: Node 20 answers 431,
      // Node 24 may reset the connection before the client reads that answer. Either way, no 200/401.
      const oversized = await get(`Authorization: Bearer ${'a'.repeat(64 * 1024)}`).then(
        (r) => String(r.status),
        (e: NodeJS.ErrnoException) => e.code ?? String(e),
      );
      expect(['431', 'ECONNRESET', 'EPIPE']).to.include(oversized);
    });

    it('refuses a token in the query string (RFC 6750 §2.3 is not supported: URLs end up in logs)', async () => {
      expect((await get('', `/metrics?access_token=${encodeURIComponent(TOKEN)}`)).status).to.equal(401);
    });

    it('refuses repeated Authorization headers whichever comes first', async () => {
      expect((await get(`Authorization: Bearer ${TOKEN}\nAuthorization: Bearer wrong`)).status).to.equal(401);
      expect((await get(`Authorization: Bearer wrong\nAuthorization: Bearer ${TOKEN}`)).status).to.equal(401);
      expect((await get(`Authorization: Bearer ${TOKEN}\nauthorization: Bearer ${TOKEN}`)).status).to.equal(401);
    });

    it('guards every path and method the server routes to it', async () => {
      for (const path of ['/metrics/', '/metrics?x', '//metrics', '/METRICS', '/%6detrics', '/./metrics', '/x/../metrics', '*']) {
        expect((await get('', path)).status, path).to.equal(401);
      }
      for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
        expect((await rawRequest(port, `${method} /metrics HTTP/1.1\nHost: x\nContent-Length: 0`)).status, method).to.equal(401);
      }
    });
  });

  describe('IP allowlist (real sockets on a dual-stack listener)', () => {
    const servers: Server[] = [];
    after(async () => {
      for (const s of servers) await close(s);
    });
    async function serve(options: MetricsAuthOptions): Promise<number> {
      const { port, server } = await guardedServer(createAccessGuard(options), '::');
      servers.push(server);
      return port;
    }
    const from = (port: number, localAddress: string, headers = ''): Promise<RawResponse> =>
      rawRequest(port, `GET /metrics HTTP/1.1\nHost: x${headers ? `\n${headers}` : ''}`, { host: localAddress.includes(':') ? '::1' : '127.0.0.1', localAddress });

    it('matches an IPv4 peer, reported as ::ffff:a.b.c.d, against IPv4 ranges', async () => {
      const port = await serve({ allow: ['127.0.0.2'] });
      expect((await from(port, '127.0.0.2')).status).to.equal(200);
      const outside = await from(port, '127.0.0.1');
      expect(outside.status).to.equal(403);
      expect(outside.body).to.equal('Forbidden\n');
    });

    it('matches IPv6 peers against IPv6 ranges and keeps the families apart', async () => {
      const port = await serve({ allow: ['::1'] });
      expect((await from(port, '::1')).status).to.equal(200);
      expect((await from(port, '127.0.0.1')).status).to.equal(403);
      const v4Only = await serve({ allow: ['127.0.0.0/8'] });
      expect((await from(v4Only, '::1')).status).to.equal(403);
      expect((await from(v4Only, '127.0.0.1')).status).to.equal(200);
      const mapped = await serve({ allow: ['::ffff:127.0.0.0/104'] });
      expect((await from(mapped, '127.0.0.9')).status).to.equal(200);
    });

    it('decides 403 before 401: outside the allowlist nothing about the token is revealed', async () => {
      const port = await serve({ allow: ['127.0.0.2'], bearerToken: TOKEN });
      for (const h of ['', 'Authorization: Bearer wrong', `Authorization: Bearer ${TOKEN}`]) {
        const r = await from(port, '127.0.0.1', h);
        expect(r.status, h).to.equal(403);
        expect(r.headers).not.to.have.property('www-authenticate');
      }
      expect((await from(port, '127.0.0.2')).status).to.equal(401);
      expect((await from(port, '127.0.0.2', `Authorization: Bearer ${TOKEN}`)).status).to.equal(200);
    });

    it('ignores spoofed X-Forwarded-For, X-Real-IP and Forwarded without trusted proxies', async () => {
      const port = await serve({ allow: ['10.0.0.0/8'] });
      for (const h of ['X-Forwarded-For: 10.1.2.3', 'X-Real-IP: 10.1.2.3', 'Forwarded: for=10.1.2.3', 'X-Forwarded-For: 10.1.2.3\nX-Forwarded-For: 10.1.2.4', 'X-Client-IP: 10.1.2.3']) {
        expect((await from(port, '127.0.0.1', h)).status, h).to.equal(403);
      }
    });

    it('reads X-Forwarded-For right to left from a trusted proxy, skipping trusted hops', async () => {
      const port = await serve({ allow: ['10.0.0.0/8', '2001:db8::/32'], trustedProxies: ['127.0.0.1', '172.16.0.0/12'] });
      const cases: [string, number][] = [
        ['X-Forwarded-For: 10.1.2.3', 200],
        // The client wrote the left entry; the proxy appended the real peer.
        ['X-Forwarded-For: 10.1.2.3, 192.0.2.1', 403],
        ['X-Forwarded-For: 192.0.2.1, 10.1.2.3', 200],
        ['X-Forwarded-For: 10.1.2.3, 172.16.0.5', 200],
        ['X-Forwarded-For: 192.0.2.1, 172.16.0.5', 403],
        ['X-Forwarded-For: 10.1.2.3\nX-Forwarded-For: 192.0.2.1', 403],
        ['X-Forwarded-For: 10.1.2.3:5555', 200],
        ['X-Forwarded-For: [::ffff:10.1.2.3]:80', 200],
        ['X-Forwarded-For: 2001:db8::7', 200],
        ['X-Forwarded-For: 2001:db9::7', 403],
        ['X-Forwarded-For: unknown', 403],
        ['X-Forwarded-For: 10.1.2.3, garbage', 403],
        ['X-Forwarded-For: 012.1.2.3', 403],
        ['X-Forwarded-For: ', 403],
        // No header: the trusted proxy itself is the client, and it is not allowed.
        ['', 403],
      ];
      for (const [h, status] of cases) expect((await from(port, '127.0.0.1', h)).status, h).to.equal(status);
    });

    it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      const port = await serve({ allow: ['10.0.0.0/8'], trustedProxies: ['127.0.0.1'] });
      expect((await from(port, '127.0.0.2', 'X-Forwarded-For: 10.1.2.3')).status).to.equal(403);
      expect((await from(port, '127.0.0.1', 'X-Forwarded-For: 10.1.2.3')).status).to.equal(200);
    });
  });

  describe('secrecy', () => {
    it('keeps the token and presented credentials out of diagnostics, decisions and errors', async () => {
      const lines: string[] = [];
      const capture = (...args: unknown[]): void => void lines.push(args.map(String).join(' '));
      const logger: DiagLogger = { error: capture, warn: capture, info: capture, debug: capture, verbose: capture };
      diag.setLogger(logger, DiagLogLevel.ALL);
      const nearMiss = `${TOKEN.slice(0, -2)}xx`;
      const decisions: unknown[] = [];
      try {
        const guard = createAccessGuard({ bearerToken: TOKEN, allow: ['127.0.0.1', '::1'] });
        const server = createServer((req, res) => {
          const d = guard(req);
          decisions.push(d);
          if (!d.allowed) res.writeHead(d.status, d.headers).end(d.body);
          else res.end('ok\n');
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const { port } = server.address() as AddressInfo;
        const responses: RawResponse[] = [];
        for (const h of [`Bearer ${TOKEN}`, `Bearer ${nearMiss}`, nearMiss, `Bearer  ${nearMiss}`, `Basic ${nearMiss}`]) {
          responses.push(await rawRequest(port, `GET /metrics HTTP/1.1\nHost: x\nAuthorization: ${h}`));
        }
        await close(server);
        expect(responses.map((r) => r.status)).to.deep.equal([200, 401, 401, 401, 401]);
        for (const r of responses) expect(JSON.stringify(r)).not.to.contain(nearMiss).and.not.to.contain(TOKEN);
      } finally {
        diag.disable();
      }
      expect(lines.filter((l) => l.includes('denied (401)'))).to.have.length(4);
      for (const text of [...lines, JSON.stringify(decisions)]) {
        expect(text).not.to.contain(TOKEN);
        expect(text).not.to.contain(nearMiss);
      }
    });
  });
});
