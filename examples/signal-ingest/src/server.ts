import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTelemetry, type Telemetry } from '@otelkit/telemetry';
import { createIngestMeters, type RejectReason } from './ingest-meters.js';

export interface IngestOptions {
  readonly host: string;
  /** Ingest API port; 0 picks one. */
  readonly port: number;
  readonly metricsHost: string;
  /** The standalone /metrics server's port (Pulse's METRICS_PORT). */
  readonly metricsPort: number;
}

export interface IngestService {
  readonly url: string;
  readonly metricsUrl: string;
  close(): Promise<void>;
}

class Rejected extends Error {
  constructor(readonly reason: RejectReason, message: string) {
    super(message);
  }
}

function parseSignals(text: string): { source: string; trust: number }[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Rejected('invalid_json', 'body must be JSON');
  }
  const list = Array.isArray(body) ? body : [body];
  return list.map((s: unknown) => {
    const sig = s as { source?: unknown; trust?: unknown } | null;
    if (sig === null || typeof sig !== 'object' || typeof sig.source !== 'string' || sig.source.length === 0) {
      throw new Rejected('invalid_signal', 'a signal is {"source": string, "trust": number}');
    }
    if (typeof sig.trust !== 'number' || !(sig.trust >= 0 && sig.trust <= 1)) throw new Rejected('invalid_trust', 'trust must be a number from 0 to 1');
    return { source: sig.source, trust: sig.trust };
  });
}

/**
 * Starts the ingest API and the metrics server. Rejects with the telemetry's PortInUseError (which
 * names the port) when METRICS_PORT is taken; nothing is left listening then.
 */
export async function startIngest(o: IngestOptions): Promise<IngestService> {
  const tel: Telemetry = initTelemetry({
    serviceName: 'pulse-signal-ingest',
    serviceVersion: '0.1.0',
    prometheus: { host: o.metricsHost, port: o.metricsPort },
    runtimeMetrics: false,
    shutdownHooks: false,
  });
  try {
    await tel.ready;
  } catch (e) {
    await tel.shutdown().catch(() => undefined);
    throw e;
  }
  const meters = createIngestMeters(tel.meter('pulse.core', '0.1.0'));

  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/signals') {
      res.writeHead(404).end();
      return;
    }
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      try {
        const signals = parseSignals(text);
        for (const s of signals) meters.ingested(s.source, s.trust);
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: signals.length }));
      } catch (e) {
        const r = e instanceof Rejected ? e : new Rejected('invalid_signal', String(e));
        meters.rejected(r.reason);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: r.message, reason: r.reason }));
      }
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await tel.shutdown().catch(() => undefined);
    throw e;
  }
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    metricsUrl: tel.metricsUrl ?? '',
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tel.shutdown();
    },
  };
}
