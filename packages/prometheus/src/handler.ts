import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { diag } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { MetricStore, MetricsView } from '@otelkit/metrics';
import { createAccessGuard, type AccessGuard, type MetricsAuthOptions } from './auth.js';
import { PrometheusConfigError } from './errors.js';
import { acceptsGzip, contentTypeOf, negotiate, type ExpositionFormat } from './negotiate.js';
import { serializeOpenMetricsBuffer } from './openmetrics-serializer.js';
import { serializeTextBuffer } from './text-serializer.js';

const gzip = promisify(gzipCallback);

/** Options of {@link createMetricsHandler}. */
export interface MetricsHandlerOptions {
  /** The store to expose (`meterProvider.store`). */
  readonly store: MetricStore;
  /** Its resource, written as `target_info`. */
  readonly resource?: Resource;
  /** Exact path served; default `/metrics`. */
  readonly path?: string;
  /** Bearer token and/or IP allowlist (see {@link MetricsAuthOptions}). */
  readonly auth?: MetricsAuthOptions;
  /** `otel_scope_name` / `otel_scope_version` labels; default true. */
  readonly scopeLabels?: boolean;
  /** Upper bound for observable callbacks in one collection; default 10 000 ms. */
  readonly collectTimeoutMs?: number;
}

/**
 * A `/metrics` request handler for node:http (`createServer(handler)`), express
 * (`app.use(handler)` — other paths go to `next()`) and fastify
 * (`reply.hijack(); handler(request.raw, reply.raw)`). Never throws into the host server.
 */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

interface Body {
  readonly raw: Buffer;
  gzipped?: Promise<Buffer>;
}

/** One collection: observe once, serialize once per format asked for while it is current. */
interface Collection {
  readonly observed: Promise<void>;
  readonly bodies: Map<ExpositionFormat, Body>;
}

const DEFAULT_PATH = '/metrics';

function validate(options: MetricsHandlerOptions): void {
  if (options === null || typeof options !== 'object' || options.store === undefined || typeof options.store.collect !== 'function') {
    throw new PrometheusConfigError('store', 'must be a MetricStore, e.g. { store: meterProvider.store }');
  }
  const path = options.path ?? DEFAULT_PATH;
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new PrometheusConfigError('path', `must be an absolute path without query or spaces, e.g. "/metrics" (got ${JSON.stringify(path)})`);
  }
  const t = options.collectTimeoutMs;
  if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t > 0)) {
    throw new PrometheusConfigError('collectTimeoutMs', `must be a positive number of milliseconds, e.g. 5000 (got ${String(t)})`);
  }
}

/** The request's path without the query string; express' `originalUrl` survives `app.use('/x', …)` mounting. */
function requestPath(req: IncomingMessage): string {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body: string | Buffer | undefined): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * Creates the `/metrics` handler.
 * - Exact path match (`/metrics/`, `//metrics`, `/metrics/x` are 404; the query string is ignored).
 * - GET and HEAD only (405 with `Allow`).
 * - Format from `Accept` (text 0.0.4 or OpenMetrics 1.0), gzip when `Accept-Encoding` allows it,
 *   `Vary: Accept, Accept-Encoding`.
 * - Concurrent scrapes share one collection: callbacks run once, each format is serialized once.
 * - A failed collection answers 500, never a 200 with an error comment.
 *
 * @example
 * const handler = createMetricsHandler({ store: provider.store, resource });
 * http.createServer(handler).listen(9464);
 */
export function createMetricsHandler(options: MetricsHandlerOptions): MetricsHandler {
  validate(options);
  const { store, resource } = options;
  const path = options.path ?? DEFAULT_PATH;
  const timeoutMs = options.collectTimeoutMs ?? 10_000;
  const serializeOptions = { scopeLabels: options.scopeLabels !== false };
  const guard: AccessGuard | undefined = options.auth === undefined ? undefined : createAccessGuard(options.auth);
  let current: Collection | undefined;

  const serialize = (view: MetricsView, format: ExpositionFormat): Buffer =>
    format === 'openmetrics' ? serializeOpenMetricsBuffer(view, resource, serializeOptions) : serializeTextBuffer(view, resource, serializeOptions);

  const startCollection = (format: ExpositionFormat): Collection => {
    const bodies = new Map<ExpositionFormat, Body>();
    const observed = (async () => {
      if (resource?.asyncAttributesPending === true) await resource.waitForAsyncAttributes?.();
      // One collection: callbacks, the format asked for first, then the exemplar cycle ends.
      await store.collect((view) => bodies.set(format, { raw: serialize(view, format) }), { timeoutMs });
    })();
    const c: Collection = { observed, bodies };
    // The collection stays current until its observation round settles plus the microtasks that
    // serialize for the requests that joined it; a request arriving later starts a new round.
    observed.then(
      () => setImmediate(() => current === c && (current = undefined)),
      () => current === c && (current = undefined),
    );
    return c;
  };

  const body = async (format: ExpositionFormat, wantGzip: boolean): Promise<Buffer> => {
    const c = current ?? (current = startCollection(format));
    await c.observed;
    let b = c.bodies.get(format);
    if (b === undefined) {
      // Another format of the same collection: read as the collection left the store.
      b = { raw: store.read((view) => serialize(view, format)) };
      c.bodies.set(format, b);
    }
    if (!wantGzip) return b.raw;
    b.gzipped ??= gzip(b.raw);
    return b.gzipped;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (guard !== undefined) {
      const decision = guard(req);
      if (!decision.allowed) {
        send(res, decision.status, { ...decision.headers, 'Content-Length': Buffer.byteLength(decision.body) }, req.method === 'HEAD' ? undefined : decision.body);
        return;
      }
    }
    // After the guard: a client that may not read /metrics learns nothing, not even the methods it takes.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }, 'method not allowed\n');
      return;
    }
    const format = negotiate(req.headers.accept);
    const wantGzip = acceptsGzip(req.headers['accept-encoding']);
    let payload: Buffer;
    try {
      payload = await body(format, wantGzip);
    } catch (e) {
      diag.error(`otelkit/prometheus: metrics collection failed: ${e instanceof Error ? e.message : String(e)}`);
      send(res, 500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, req.method === 'HEAD' ? undefined : 'metrics collection failed\n');
      return;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': contentTypeOf(format),
      'Content-Length': payload.length,
      Vary: 'Accept, Accept-Encoding',
      'Cache-Control': 'no-store',
    };
    if (wantGzip) headers['Content-Encoding'] = 'gzip';
    send(res, 200, headers, req.method === 'HEAD' ? undefined : payload);
  };

  return (req, res, next) => {
    try {
      if (requestPath(req) !== path) {
        if (next !== undefined) next();
        else send(res, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'not found\n');
        return;
      }
      handle(req, res).catch((e: unknown) => {
        diag.error(`otelkit/prometheus: /metrics handler failed: ${e instanceof Error ? e.message : String(e)}`);
        try {
          send(res, 500, { 'Content-Type': 'text/plain; charset=utf-8' }, 'internal error\n');
        } catch {
          res.destroy();
        }
      });
    } catch (e) {
      diag.error(`otelkit/prometheus: /metrics handler failed: ${e instanceof Error ? e.message : String(e)}`);
      try {
        send(res, 500, { 'Content-Type': 'text/plain; charset=utf-8' }, 'internal error\n');
      } catch {
        res.destroy();
      }
    }
  };
}
