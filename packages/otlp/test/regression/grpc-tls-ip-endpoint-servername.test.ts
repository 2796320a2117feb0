import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { tempDir } from '@otelkit/testkit';
import { encodeMetricsProtobuf, GrpcTransport } from '../../src/index.js';
import { everyKind } from '../fixtures.js';
import { startGrpcPeer, type GrpcPeer } from '../grpc-peer.js';

// Bug: on Node 26 every OTLP/gRPC export to an `https://<IP address>:4317` endpoint failed with
// UNAVAILABLE ("Setting the TLS ServerName to an IP address is not permitted"): grpc-js 1.14.7
// passes the IP as the TLS servername, which Node 26 rejects (Node 22/24 only warned, DEP0123).
// The fix sends a reserved SNI name and still checks the certificate against the IP address.
describe('regression: OTLP/gRPC over TLS to an IP-address endpoint (Node 26 servername)', function () {
  this.timeout(30_000);
  let dir: { path: string; remove: () => Promise<void> };
  const peers: GrpcPeer[] = [];

  /** A self-signed certificate with these subjectAltNames, served by a grpc-js peer. */
  const peerWith = async (san: string): Promise<{ url: string; ca: Buffer; peer: GrpcPeer }> => {
    const key = join(dir.path, `${peers.length}-key.pem`);
    const cert = join(dir.path, `${peers.length}-cert.pem`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=otelkit-test', '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
    const ca = readFileSync(cert);
    const peer = await startGrpcPeer(grpc.ServerCredentials.createSsl(null, [{ private_key: readFileSync(key), cert_chain: ca }]));
    peers.push(peer);
    return { url: peer.url.replace('http://', 'https://'), ca, peer };
  };

  before(async () => {
    dir = await tempDir('grpc-tls-ip');
  });
  after(async () => {
    for (const p of peers) await p.stop();
    await dir?.remove();
  });

  it(`delivers to https://127.0.0.1:<port> when the certificate names that IP (Node ${process.versions.node})`, async () => {
    const { url, ca, peer } = await peerWith('IP:127.0.0.1');
    const t = new GrpcTransport({ url, headers: {}, gzip: false, userAgent: 'u', rootCertificates: ca });
    const r = await t.send(encodeMetricsProtobuf(everyKind()), 5000);
    t.close();
    expect(r.kind, JSON.stringify(r)).to.equal('success');
    expect(peer.calls()).to.have.length(1);
  });

  it('still refuses a trusted certificate that does not name the IP address (identity is checked against the IP)', async () => {
    const { url, ca, peer } = await peerWith('DNS:collector.example');
    const t = new GrpcTransport({ url, headers: {}, gzip: false, userAgent: 'u', rootCertificates: ca });
    const r = await t.send(encodeMetricsProtobuf(everyKind()), 3000);
    t.close();
    expect(r.kind).to.equal('retryable');
    expect(JSON.stringify(r)).to.match(/IP: 127\.0\.0\.1 is not in the cert's list|ERR_TLS_CERT_ALTNAME_INVALID|altnames/i);
    expect(peer.calls()).to.have.length(0);
  });
});
