import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HostMetricsInstrumentation } from '@opentelemetry/instrumentation-host-metrics';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@otelkit/metrics';
import { createMetricsEndpoint } from './metrics-endpoint.js';
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

/** Starts the API with its token-protected `/metrics` on one node:http server. */
export async function startSecuredApi(options: SecuredApiOptions): Promise<SecuredApi> {
  const resource = resourceFromAttributes({ 'service.name': 'sigil-api', 'service.version': '0.1.0' });
  const provider = new MeterProvider({ resource });
  // Throws at start (before listening) when the token variable is unset or empty.
  const metrics = createMetricsEndpoint(provider.store, resource, { bearerTokenEnv: options.metricsTokenEnv ?? 'METRICS_TOKEN' });
  const api = createSigilApi(provider.getMeter('sigil-api', '0.1.0'));

  // Default process metrics from the maintained OpenTelemetry instrumentations.
  const runtime = new RuntimeNodeInstrumentation({ monitoringPrecision: 10 });
  runtime.setMeterProvider(provider);
  runtime.enable();
  const host = new HostMetricsInstrumentation({ metricGroups: ['process.cpu', 'process.memory'] });
  host.setMeterProvider(provider);
  host.enable();

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') metrics(req, res);
    else api(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: async () => {
      runtime.disable();
      host.disable();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
