import { expect } from 'chai';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort, startPostgres, startPrometheus, startPushgateway } from '@otelkit/testkit';

/*
 * Regression (CI rehearsals): a peer checked free by freePort() can be bound by another test
 * process of the run (turbo runs workspaces in parallel) before the peer binds it — the Collector
 * failed so with "bind: address already in use" and got a retry; Prometheus, the Pushgateway and
 * PostgreSQL had the same gap. Each now starts again on a new port. Here the first port handed
 * out is one this test holds — accepting connections and never answering, the worst neighbour
 * (the readiness probes hung on it until they got a bound) — and every peer must come up on the
 * next one, and answer there.
 */
describe('regression: a port taken between the free-port check and the peer’s bind', function () {
  this.timeout(120_000);
  let holder: Server;
  let taken: number;
  const held = new Set<Socket>();
  const stops: (() => Promise<void>)[] = [];
  before(async () => {
    holder = createServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    taken = (holder.address() as { port: number }).port;
  });
  after(async () => {
    for (const stop of stops) await stop();
    for (const socket of held) socket.destroy();
    await new Promise((r) => holder.close(r));
  });

  /** Hands out the held port first, then free ones; counts the picks. */
  const chooser = () => {
    const picks = { count: 0 };
    const choosePort = async () => (picks.count++ === 0 ? taken : freePort());
    return { picks, choosePort };
  };

  it('startPrometheus() starts again on a new port', async () => {
    const { picks, choosePort } = chooser();
    const prom = await startPrometheus({ targets: [], choosePort });
    stops.push(() => prom.stop());
    expect(picks.count, 'a second port was chosen after the failed bind').to.equal(2);
    expect(prom.url).to.not.contain(`:${taken}`);
    expect((await fetch(`${prom.url}/-/ready`)).ok).to.equal(true);
  });

  it('startPushgateway() starts again on a new port', async () => {
    const { picks, choosePort } = chooser();
    const gateway = await startPushgateway({ choosePort });
    stops.push(() => gateway.stop());
    expect(picks.count).to.equal(2);
    expect(gateway.target).to.not.equal(`127.0.0.1:${taken}`);
    expect(await gateway.metrics()).to.match(/^# HELP /m);
  });

  it('startPostgres() starts again on a new port', async () => {
    const { picks, choosePort } = chooser();
    const pg = await startPostgres({ choosePort });
    stops.push(() => pg.stop());
    expect(picks.count).to.equal(2);
    expect(pg.port).to.not.equal(taken);
    // PostgreSQL answers an SSLRequest with one byte ('N': no TLS configured) on its own port.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(pg.port, '127.0.0.1', () => socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])));
      socket.once('data', (b) => {
        socket.destroy();
        resolve(b.toString('latin1', 0, 1));
      });
      socket.once('error', reject);
    });
    expect(answer).to.equal('N');
  });
});
