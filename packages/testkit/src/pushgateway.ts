import { onFreePort, requirePeer, startProcess, waitFor, probeReady, type RunningProcess } from './peers.js';

export interface PushgatewayServer {
  /** `http://127.0.0.1:<port>` — no trailing slash. */
  readonly url: string;
  /** `127.0.0.1:<port>`, for a Prometheus scrape target. */
  readonly target: string;
  readonly process: RunningProcess;
  /** The gateway's own exposition (`GET /metrics`, text 0.0.4): every pushed group plus its own metrics. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the real Pushgateway (Debian `prometheus-pushgateway`) on a free loopback port, in
 * memory only (`--persistence.file=` empty), and waits until `/-/ready` answers 200; a port taken
 * before the gateway binds it is replaced by a new one ({@link onFreePort}). `choosePort` is for
 * tests of that retry.
 */
export async function startPushgateway(options: { choosePort?: () => Promise<number> } = {}): Promise<PushgatewayServer> {
  return onFreePort(startPushgatewayOn, options.choosePort);
}

async function startPushgatewayOn(port: number): Promise<PushgatewayServer> {
  const bin = requirePeer('prometheus-pushgateway');
  const proc = startProcess(bin, [
    `--web.listen-address=127.0.0.1:${port}`,
    '--persistence.file=',
    '--log.level=warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('Pushgateway to be ready', async () => {
    if (proc.child.exitCode !== null) throw new Error(`prometheus-pushgateway exited with code ${proc.child.exitCode}`);
    return (await probeReady(`${url}/-/ready`)).ok;
  }, 30_000, 100).catch(async (e: Error) => {
    await proc.stop();
    throw new Error(`${e.message}\n${proc.output()}`);
  });
  return {
    url,
    target: `127.0.0.1:${port}`,
    process: proc,
    metrics: async () => {
      const res = await fetch(`${url}/metrics`);
      if (!res.ok) throw new Error(`Pushgateway GET /metrics answered ${res.status}`);
      return res.text();
    },
    stop: () => proc.stop(),
  };
}
