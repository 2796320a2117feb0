import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { tempDir, waitFor } from '@otelkit/testkit';
import { GrpcTransport, grpcTransport, OTLPMetricExporter, encodeMetricsProtobuf } from '../src/index.js';
import { everyKind } from './fixtures.js';
import { startGrpcPeer, type GrpcPeer } from './grpc-peer.js';

const here = dirname(fileURLToPath(import.meta.url));
const SRC_INDEX = join(here, '..', 'src', 'index.ts');

/**
 * Runs an ES module under tsx in a fresh process (asynchronously: the peers it talks to live in
 * this process); returns its stdout lines.
 */
function runModule(code: string, env: Record<string, string> = {}): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`child failed: ${err.message}\n${stderr}`));
      else resolve(stdout.trim().split('\n'));
    });
  });
}

describe('OTLP/gRPC transport lifecycle', () => {
  it('@grpc/grpc-js is loaded on the first send, not when the package is imported or the transport built', async function () {
    this.timeout(30_000);
    const peerCode = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('@grpc/grpc-js'));
      const otlp = await import(${JSON.stringify(SRC_INDEX)});
      const t = new otlp.GrpcTransport({ url: 'http://127.0.0.1:9', headers: {}, gzip: false, userAgent: 'u' });
      console.log(loaded());
      const r = await t.send(new Uint8Array(0), 300);
      console.log(loaded(), r.kind);
      t.close();
    `;
    expect(await runModule(peerCode)).to.deep.equal(['false', 'true retryable']);
  });

  describe('shutdown() closes the channel', () => {
    let server: Http2Server;
    let url: string;
    const sessions: ServerHttp2Session[] = [];
    before(async () => {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/grpc' });
          res.write(Buffer.from([0, 0, 0, 0, 0]));
          res.addTrailers({ 'grpc-status': '0' });
          res.end();
        });
      });
      server.on('session', (s) => sessions.push(s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('the HTTP/2 connection is reused across exports and closed by shutdown()', async () => {
      const e = new OTLPMetricExporter({ url }, { transport: grpcTransport() });
      for (let i = 0; i < 3; i++) expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
      expect(sessions).to.have.length(1);
      expect(sessions[0]!.closed || sessions[0]!.destroyed).to.equal(false);
      await e.shutdown();
      await waitFor('the client to close its connection', () => sessions[0]!.closed || sessions[0]!.destroyed, 3000, 20);
    });
  });

  describe('TLS (https:// endpoint), certificate made by the test', () => {
    let dir: { path: string; remove: () => Promise<void> };
    let peer: GrpcPeer;
    let ca: Buffer;
    before(async function () {
      this.timeout(30_000);
      dir = await tempDir('grpc-tls');
      const key = join(dir.path, 'key.pem');
      const cert = join(dir.path, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
        '-subj', '/CN=otelkit-test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
      ca = readFileSync(cert);
      peer = await startGrpcPeer(grpc.ServerCredentials.createSsl(null, [{ private_key: readFileSync(key), cert_chain: ca }]));
    });
    after(async () => {
      await peer?.stop();
      await dir?.remove();
    });
    const tlsUrl = (): string => peer.url.replace('http://', 'https://');

    it('with the server certificate as root: delivered over TLS', async () => {
      const t = new GrpcTransport({ url: tlsUrl(), headers: {}, gzip: false, userAgent: 'u', rootCertificates: ca });
      expect((await t.send(encodeMetricsProtobuf(everyKind()), 5000)).kind).to.equal('success');
      t.close();
      expect(peer.calls()).to.have.length(1);
    });

    it('with the system roots, an untrusted certificate fails (UNAVAILABLE, retryable) and nothing is delivered', async () => {
      peer.reset();
      const t = new GrpcTransport({ url: tlsUrl(), headers: {}, gzip: false, userAgent: 'u' });
      const r = await t.send(encodeMetricsProtobuf(everyKind()), 3000);
      t.close();
      expect(r).to.deep.include({ kind: 'retryable', status: 14 });
      expect(peer.calls()).to.have.length(0);
    });

    it('the system roots are Node\'s: NODE_EXTRA_CA_CERTS makes the certificate trusted', async function () {
      this.timeout(30_000);
      peer.reset();
      const code = `
        const otlp = await import(${JSON.stringify(SRC_INDEX)});
        const t = new otlp.GrpcTransport({ url: ${JSON.stringify(tlsUrl())}, headers: {}, gzip: false, userAgent: 'u' });
        console.log((await t.send(new Uint8Array(0), 5000)).kind);
        t.close();
      `;
      expect(await runModule(code, { NODE_EXTRA_CA_CERTS: join(dir.path, 'cert.pem') })).to.deep.equal(['success']);
      expect(peer.calls()).to.have.length(1);
    });

    it('a bare host:port is TLS unless insecure', async () => {
      peer.reset();
      const hostPort = peer.url.replace('http://', '');
      const tls = new GrpcTransport({ url: hostPort, headers: {}, gzip: false, userAgent: 'u', rootCertificates: ca });
      expect(tls.endpoint.secure).to.equal(true);
      expect((await tls.send(encodeMetricsProtobuf(everyKind()), 5000)).kind).to.equal('success');
      tls.close();
      const plain = new GrpcTransport({ url: hostPort, insecure: true, headers: {}, gzip: false, userAgent: 'u' });
      expect((await plain.send(encodeMetricsProtobuf(everyKind()), 2000)).kind).to.not.equal('success');
      plain.close();
      expect(peer.calls()).to.have.length(1);
    });
  });
});
