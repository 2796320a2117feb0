import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Resource } from '@opentelemetry/resources';
import type { MetricStore } from '@otelkit/metrics';
import { createAccessGuard, serializeText, TEXT_CONTENT_TYPE, type MetricsAuthOptions } from '@otelkit/prometheus';

/**
 * `GET|HEAD /metrics` behind the access guard. The guard runs before anything else, so a client
 * without the token learns nothing — not even which methods the endpoint takes.
 */
export function createMetricsEndpoint(store: MetricStore, resource: Resource, auth: MetricsAuthOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const guard = createAccessGuard(auth);
  return (req, res) => {
    const decision = guard(req);
    if (!decision.allowed) {
      res.writeHead(decision.status, decision.headers).end(decision.body);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return;
    }
    store
      .observe(5000)
      .then(() => {
        const body = serializeText(store, resource);
        store.endCycle();
        res.writeHead(200, { 'content-type': TEXT_CONTENT_TYPE, 'cache-control': 'no-store' }).end(body);
      })
      .catch(() => {
        // A failed collection is a 5xx, never a 200 with partial data.
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('collection failed\n');
      });
  };
}
