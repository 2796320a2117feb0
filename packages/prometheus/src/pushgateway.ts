import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync } from 'node:zlib';
import { context, createContextKey, diag } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { MetricStore } from '@otelkit/metrics';
import { groupingPath } from './grouping-key.js';
import { PushError, PushgatewayConfigError } from './pushgateway-errors.js';
import { serializeText } from './text-serializer.js';

/**
 * `suppressTracing()`'s key of @opentelemetry/core: `createContextKey` is `Symbol.for(description)`,
 * so this is the same key without depending on core. A push runs with tracing suppressed, so that
 * an HTTP client instrumentation (otelkit's `httpInstrumentation.client`, instrumentation-http)
 * does not trace otelkit's own pushes — as OTLP exports (otlp/src/http-transport.ts).
 */
const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

const gzip = promisify(gzipCallback);
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const MAX_ERROR_BODY = 1024;
/** The gateway overwrites `job` with the grouping key's: target_info keeps service.* as labels. */
const PUSH_SERIALIZE = { targetInfoIdentity: 'attributes' } as const;

export interface PushgatewayOptions {
  /** Base URL of the gateway, e.g. `http://pushgateway:9091`; user info becomes Basic auth. */
  readonly url: string;
  /** The `job` of the grouping key. */
  readonly job: string;
  /** The rest of the grouping key, e.g. `{ instance: 'worker-3' }`. */
  readonly groupingLabels?: Readonly<Record<string, string>>;
  /** `PUT` (default) replaces the whole group; `POST` replaces only the metrics it sends. */
  readonly method?: 'PUT' | 'POST';
  /** Bound on one push or delete: collection, compression and the HTTP exchange. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Extra request headers (e.g. `authorization` for a gateway behind a proxy); never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Send the body gzip-compressed (`Content-Encoding: gzip`). */
  readonly gzip?: boolean;
  readonly store: MetricStore;
  /** Written as `target_info` in every push. */
  readonly resource?: Resource;
  /** Period of the pushes `start()` schedules, for long jobs. */
  readonly intervalMs?: number;
  /** `stop()` deletes the group from the gateway instead of pushing a last time. */
  readonly deleteOnShutdown?: boolean;
}

/** Counters of a pusher's exchanges with the gateway. */
export interface PushgatewayHealth {
  /** Successful pushes. */
  readonly pushes: number;
  /** Successful deletes. */
  readonly deletes: number;
  /** Failed pushes and deletes (non-2xx, network error, time-out). */
  readonly failures: number;
  /** Failures since the last success (0 while the gateway takes what is sent): what the exporter alert watches. */
  readonly consecutiveFailures: number;
  readonly lastSuccessMs?: number;
  readonly lastError?: string;
  readonly lastErrorMs?: number;
}

/**
 * Pushes a {@link MetricStore} to a Prometheus Pushgateway as text 0.0.4 (no exemplars, no
 * timestamps: the gateway answers 400 to both). Every answer but a 2xx is a failure, a 3xx
 * included — a 301 from the gateway means nothing was stored.
 *
 * @example
 * const pusher = new PushgatewayPusher({ url: 'http://127.0.0.1:9091', job: 'nightly-backup', store: provider.store });
 * await pusher.push();
 */
export class PushgatewayPusher {
  readonly #options: PushgatewayOptions;
  readonly #base: URL;
  /** The base URL for messages: no user info. */
  readonly #shownBase: string;
  readonly #path: string;
  readonly #method: 'PUT' | 'POST';
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  #timer: NodeJS.Timeout | undefined;
  /** The push in flight, so periodic pushes never overlap and `stop()` can wait for it. */
  #inFlight: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #pushes = 0;
  #deletes = 0;
  #failures = 0;
  #consecutiveFailures = 0;
  #lastSuccessMs: number | undefined;
  #lastError: string | undefined;
  #lastErrorMs: number | undefined;
  /** Whether the last exchange failed: warn on the transition only, not on every period. */
  #failing = false;

  constructor(options: PushgatewayOptions) {
    if (options === null || typeof options !== 'object') {
      throw new PushgatewayConfigError('options', 'must be an object, e.g. { url: "http://127.0.0.1:9091", job: "batch", store }');
    }
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new PushgatewayConfigError('url', 'is not a URL; use e.g. "http://127.0.0.1:9091"');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new PushgatewayConfigError('url', `has protocol ${base.protocol}; use http: or https:, e.g. "http://127.0.0.1:9091"`);
    }
    if (base.search !== '' || base.hash !== '') {
      throw new PushgatewayConfigError('url', 'must not carry a query or fragment; use e.g. "http://127.0.0.1:9091"');
    }
    this.#path = groupingPath(options.job, options.groupingLabels);
    const method = options.method ?? 'PUT';
    if (method !== 'PUT' && method !== 'POST') {
      throw new PushgatewayConfigError('method', 'must be "PUT" (replace the group) or "POST" (replace same-named metrics), e.g. "PUT"');
    }
    const timeoutMs = options.timeoutMs ?? 5000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new PushgatewayConfigError('timeoutMs', 'must be a positive number of milliseconds, e.g. 5000');
    if (options.intervalMs !== undefined && (!Number.isFinite(options.intervalMs) || options.intervalMs < 100)) {
      throw new PushgatewayConfigError('intervalMs', 'must be at least 100 ms, e.g. 15000');
    }
    if (options.store === undefined || typeof options.store.observe !== 'function') {
      throw new PushgatewayConfigError('store', 'must be a MetricStore, e.g. provider.store');
    }
    this.#options = options;
    this.#base = base;
    this.#method = method;
    this.#timeoutMs = timeoutMs;
    const shown = new URL(base.href);
    shown.username = '';
    shown.password = '';
    this.#shownBase = shown.href.replace(/\/+$/, '');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
    if (base.username !== '' && headers.authorization === undefined) {
      const user = decodeURIComponent(base.username);
      const pass = decodeURIComponent(base.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    this.#headers = headers;
  }

  /** The URL pushes go to (without credentials). */
  get url(): string {
    return `${this.#shownBase}${this.#path}`;
  }

  /**
   * Collects the store (observable callbacks included) and sends it with the configured method.
   * Resolves on a 2xx; rejects with a {@link PushError} otherwise. Either way the outcome is in
   * {@link health}.
   */
  push(): Promise<void> {
    const run = this.#exchange(this.#method, true);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight = settled;
    void settled.then(() => {
      if (this.#inFlight === settled) this.#inFlight = undefined;
    });
    return run;
  }

  /** Deletes exactly this grouping key from the gateway (the gateway answers 202). */
  delete(): Promise<void> {
    return this.#exchange('DELETE', false);
  }

  /**
   * Pushes every `intervalMs` until {@link stop}. The timer is unref'd: it never keeps the
   * process alive. A push still in flight when the next period comes makes that period skip.
   */
  start(): void {
    const intervalMs = this.#options.intervalMs;
    if (intervalMs === undefined) throw new PushgatewayConfigError('intervalMs', 'is needed by start(); set e.g. { intervalMs: 15000 }');
    if (this.#timer !== undefined || this.#stopping !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#inFlight !== undefined) return;
      this.push().catch(() => undefined);
    }, intervalMs);
    this.#timer.unref();
  }

  /**
   * Stops periodic pushes, waits for a push in flight, then — once, however often it is called —
   * deletes the group (`deleteOnShutdown`) or, when `start()` had been called, pushes a last time.
   * Rejects with the {@link PushError} of that last exchange.
   */
  stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    const wasStarted = this.#timer !== undefined;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopping = (async () => {
      if (this.#inFlight !== undefined) await this.#inFlight;
      if (this.#options.deleteOnShutdown) await this.delete();
      else if (wasStarted) await this.push();
    })();
    return this.#stopping;
  }

  /**
   * The last push (or, with `'DELETE'`, the delete) as a plain request, built synchronously:
   * observable callbacks run without being awaited. For a process that is exiting, where nothing
   * asynchronous runs any more and the request is sent from a child process
   * (see `@otelkit/telemetry`). Credentials from the URL are in `headers`, not in `url`.
   */
  finalRequest(method: 'PUT' | 'POST' | 'DELETE' = this.#method): { url: string; method: 'PUT' | 'POST' | 'DELETE'; headers: Record<string, string>; body: Uint8Array } {
    const headers: Record<string, string> = { ...this.#headers };
    let body: Buffer = Buffer.alloc(0);
    if (method !== 'DELETE') {
      // Text 0.0.4 carries no exemplars: the sampling cycle stays open for the exports that do.
      const { result } = this.#options.store.collectSync((view) => serializeText(view, this.#options.resource, PUSH_SERIALIZE), { exportsExemplars: false });
      body = Buffer.from(result, 'utf8');
      if (this.#options.gzip) {
        body = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
      headers['content-type'] = CONTENT_TYPE;
    }
    return { url: this.#target().href, method, headers, body };
  }

  #target(): URL {
    const target = new URL(this.#base.href);
    target.username = '';
    target.password = '';
    target.pathname = `${target.pathname.replace(/\/+$/, '')}${this.#path}`;
    return target;
  }

  /** Counts and the last error, for `health()` of the service. */
  health(): PushgatewayHealth {
    return {
      pushes: this.#pushes,
      deletes: this.#deletes,
      failures: this.#failures,
      consecutiveFailures: this.#consecutiveFailures,
      ...(this.#lastSuccessMs === undefined ? {} : { lastSuccessMs: this.#lastSuccessMs }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError, lastErrorMs: this.#lastErrorMs }),
    };
  }

  async #exchange(method: 'PUT' | 'POST' | 'DELETE', withBody: boolean): Promise<void> {
    const url = this.url;
    const deadline = Date.now() + this.#timeoutMs;
    try {
      let body: Buffer | undefined;
      const headers: Record<string, string> = { ...this.#headers };
      if (withBody) {
        const { result: text } = await this.#options.store.collect((view) => serializeText(view, this.#options.resource, PUSH_SERIALIZE), {
          timeoutMs: this.#timeoutMs,
          exportsExemplars: false,
        });
        body = Buffer.from(text, 'utf8');
        if (this.#options.gzip) {
          body = await gzip(body);
          headers['content-encoding'] = 'gzip';
        }
        headers['content-type'] = CONTENT_TYPE;
        headers['content-length'] = String(body.length);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new PushError(method, url, undefined, '', new Error(`collection took longer than ${this.#timeoutMs} ms`));
      const { status, text, location } = await this.#send(method, headers, body, remaining);
      if (status < 200 || status > 299) {
        // A 3xx is never followed: the Pushgateway stored nothing (it answers 301 to a `//` path).
        const detail = status >= 300 && status < 400 && location ? `(redirect to ${location} not followed) ${text}` : text;
        throw new PushError(method, url, status, detail.slice(0, MAX_ERROR_BODY));
      }
      if (method === 'DELETE') this.#deletes++;
      else this.#pushes++;
      this.#lastSuccessMs = Date.now();
      this.#consecutiveFailures = 0;
      if (this.#failing) diag.info(`otelkit/prometheus: Pushgateway ${method} ${url} succeeds again`);
      this.#failing = false;
    } catch (e) {
      const error = e instanceof PushError ? e : new PushError(method, url, undefined, '', e);
      this.#failures++;
      this.#consecutiveFailures++;
      this.#lastError = error.message;
      this.#lastErrorMs = Date.now();
      if (!this.#failing) diag.warn(error.message);
      this.#failing = true;
      throw error;
    }
  }

  #send(method: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number): Promise<{ status: number; text: string; location: string | undefined }> {
    const target = this.#target();
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      // No agent: a short-lived job must not keep a pooled socket (or the event loop) alive.
      const req = context.with(context.active().setValue(SUPPRESS_TRACING_KEY, true), () => request(target, { method, headers, agent: false }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (b: Buffer) => {
          if (size < MAX_ERROR_BODY * 4) chunks.push(b);
          size += b.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), location: res.headers.location });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      }));
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(body);
    });
  }
}
