import { expect } from 'chai';
import { freePort } from '@otelkit/testkit';
import { GrpcTransport } from '../../src/index.js';
import { startGrpcPeer, type GrpcPeer } from '../grpc-peer.js';

// Bug: after a receiver outage, a grpc-js channel waits out its own reconnect backoff (1 s × 1.6
// per failed connect, up to 120 s) and fails every call meanwhile, so exports kept failing with
// UNAVAILABLE after the receiver was back: 1 to 12 s late after a 30 s outage here (three runs),
// minutes after a long one. The transport now drops a channel that could not connect; the next
// attempt opens a new one and connects at once. (Without the fix this test fails unless the
// backoff happens to run out just as the receiver returns.)
describe('regression: OTLP/gRPC exports resume as soon as the receiver is back (no grpc-js reconnect backoff)', () => {
  let peer: GrpcPeer | undefined;
  after(() => peer?.stop());

  it('after a 30 s outage, the first attempt once the receiver is back succeeds', async function () {
    this.timeout(60_000);
    const port = await freePort();
    const t = new GrpcTransport({ url: `http://127.0.0.1:${port}`, headers: {}, gzip: false, userAgent: 'u' });
    const until = Date.now() + 30_000;
    let failures = 0;
    // An exporter's cadence during an outage: an attempt, a short backoff, again.
    while (Date.now() < until) {
      const r = await t.send(new Uint8Array(0), 1000);
      expect(r).to.include({ kind: 'retryable', status: 14 });
      failures++;
      await new Promise((res) => setTimeout(res, 500));
    }
    peer = await startGrpcPeer(undefined, port);
    const r = await t.send(new Uint8Array(0), 2000);
    t.close();
    expect(failures).to.be.greaterThan(20);
    expect(r.kind, JSON.stringify(r)).to.equal('success');
  });
});
