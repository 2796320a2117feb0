import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTelemetry } from '@otelkit/telemetry';
import { createSigilApi } from './sigil.js';

export interface SecuredApiOptions {
  /** Default 127.0.0.1: nothing listens beyond this machine unless asked. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Environment variable holding the /metrics bearer token. Default METRICS_TOKEN. */
  readonly metricsTokenEnv?: string;
}

export interface SecuredApi {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the API with its token-protected `/metrics` mounted on the same node:http server. */
export async function startSecuredApi(options: SecuredApiOptions): Promise<SecuredApi> {
  // Throws before anything listens when the token variable is unset or empty.
  const telemetry = initTelemetry({
    serviceName: 'sigil-api',
    serviceVersion: '0.1.0',
    prometheus: { server: false, auth: { bearerTokenEnv: options.metricsTokenEnv ?? 'METRICS_TOKEN' } },
    runtimeMetrics: true,
    // SIGTERM is handled by main.ts: close the server first, then flush telemetry.
    shutdownHooks: false,
  });
  const api = createSigilApi(telemetry.meter('sigil-api', '0.1.0'));

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') telemetry.metricsHandler(req, res);
    else api(req, res);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await telemetry.shutdown().catch(() => undefined);
    throw e;
  }
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await telemetry.shutdown();
    },
  };
}
