import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diag } from '@opentelemetry/api';
import { PortInUseError, PrometheusConfigError } from './errors.js';
import { createMetricsHandler, type MetricsHandler, type MetricsHandlerOptions } from './handler.js';

/** Where {@link startMetricsServer} listens. */
export interface ListenOptions {
  /** Default `localhost`. */
  readonly host?: string;
  /** Default 9464 (the OpenTelemetry Prometheus exporter port); 0 picks a free port. */
  readonly port?: number;
  /**
   * Whether the server alone keeps the process running. Default false: a job ends when its work
   * ends (the server and its idle connections are unref'd; a scrape being answered still holds
   * the process until its response is written). A service's own server, timers or sockets keep
   * it running as before.
   */
  readonly keepProcessAlive?: boolean;
}

/** A handler built beforehand (e.g. `initTelemetry()`'s `metricsHandler`) and the path it serves. */
export interface ServeHandlerOptions {
  readonly handler: MetricsHandler;
  /** The path the handler serves, for {@link MetricsServer.url}. Default `/metrics`. */
  readonly path?: string;
}

/**
 * Options of {@link startMetricsServer}: where to listen, plus either everything the handler
 * takes (a handler is built) or a `handler` already built — then the server serves that one,
 * so an endpoint has one handler and one access guard however it is reached.
 */
export type MetricsServerOptions = ListenOptions & (MetricsHandlerOptions | ServeHandlerOptions);

/** A running metrics server. */
export interface MetricsServer {
  /** `http://host:port/path`. */
  readonly url: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const DEFAULT_PORT = 9464;

/**
 * Serves the `/metrics` handler on its own HTTP server. A taken port rejects with
 * {@link PortInUseError}; later server errors are logged through `diag`, never thrown at the host.
 *
 * @example
 * const server = await startMetricsServer({ store: provider.store, resource, port: 9464 });
 * console.log(`metrics at ${server.url}`);
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? 'localhost';
  const port = options.port ?? DEFAULT_PORT;
  if (typeof host !== 'string' || host === '') throw new PrometheusConfigError('host', `must be a host name or address, e.g. "0.0.0.0" or "localhost" (got ${JSON.stringify(host)})`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PrometheusConfigError('port', `must be an integer from 0 to 65535, e.g. 9464 (got ${JSON.stringify(port)})`);
  }
  const handler = 'handler' in options ? options.handler : createMetricsHandler(options);
  const server: Server = createServer(handler);
  // Slow clients must not hold a scrape connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(host, port, { cause: err }) : err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  server.on('error', (err) => diag.error(`otelkit/prometheus: metrics server error: ${err.message}`));
  server.on('clientError', (_err, socket) => socket.destroy());
  if (options.keepProcessAlive !== true) {
    // A metrics endpoint is a passenger: it must not be why a short-lived job never ends (issue 15).
    // The listening handle and idle keep-alive connections are unref'd; a connection is ref'd
    // only while a request on it is being answered.
    server.unref();
    server.on('connection', (socket) => socket.unref());
    server.on('request', (req, res) => {
      req.socket.ref();
      res.once('close', () => req.socket.unref());
    });
  }

  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const path = options.path ?? '/metrics';
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${bound}${path}`,
    port: bound,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
