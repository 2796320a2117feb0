import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { freePort, otlpToFileCollectorConfig, startCollector, type RunningCollector } from '@otelkit/testkit';

/*
 * Regression (CI rehearsal, Node 24 pass): a Collector test failed in its "before all" hook with
 * "listen tcp 127.0.0.1:41951: bind: address already in use" — startCollector() checked its ports
 * free, and another test process of the run (turbo runs workspaces in parallel) bound one before
 * the Collector did. The first start now retries on new ports. Here the first port handed out is
 * one this test holds: the Collector must come up on the next ones.
 */
describe('regression: a port taken between the free-port check and the Collector bind', function () {
  this.timeout(120_000);
  let holder: Server;
  let collector: RunningCollector | undefined;
  after(async () => {
    await collector?.stop();
    await new Promise((r) => holder?.close(r));
  });

  it('startCollector() retries on new ports and reports the ones it bound', async () => {
    holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const taken = (holder.address() as { port: number }).port;
    let handedOut = 0;
    collector = await startCollector({
      configYaml: otlpToFileCollectorConfig(['grpc']),
      // The gRPC receiver's port comes first: on the first attempt it is the taken one.
      choosePort: async () => (handedOut++ === 0 ? taken : freePort()),
    });
    expect(handedOut, 'ports were chosen again after the failed bind').to.equal(10);
    expect(collector.otlpGrpcEndpoint).to.not.equal(`127.0.0.1:${taken}`);
    expect((await fetch(collector.healthUrl)).status).to.equal(200);
  });
});
