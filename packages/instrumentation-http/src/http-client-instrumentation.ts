import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type MeterProvider,
  type Span,
  type TextMapSetter,
  type TracerProvider,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { errorMonitor } from 'node:events';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { dropped, endClient, failClient } from './client-duration.js';
import { kClientState, type ClientRequestState, type WithClientState } from './client-request-state.js';
import { callHook, captureHeaders, headerNames, requiredParentStandIn } from './hooks.js';
import { withSpan } from './linked-context.js';
import { requestTarget } from './request-target.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_USER_AGENT_ORIGINAL,
  normalizeMethod,
} from './semconv.js';
import { ChannelClientInstrumentation } from './client-instrumentation-base.js';

// Published by ClientRequest's constructor (headers not flushed yet: they can still be set), on
// an 'error' of the request, and after the 'response' event (Node 22.15+, 24, 26: checked).
const CREATED_CHANNEL = 'http.client.request.created';
const ERROR_CHANNEL = 'http.client.request.error';
const FINISH_CHANNEL = 'http.client.response.finish';

/** What `ignoreOutgoingRequest` sees of an outgoing request (node:http or fetch). */
export interface OutgoingRequestInfo {
  /** The method as sent (upper case). */
  readonly method: string;
  /** `url.full`: the target with sensitive query values redacted. */
  readonly url: string;
}

export interface ClientInstrumentationOptions {
  /** Default: the global TracerProvider at `enable()`. */
  tracerProvider?: TracerProvider;
  /** Default: the global MeterProvider at `enable()`. */
  meterProvider?: MeterProvider;
  /** Requests for which this returns true get no span, no metric and no propagation headers. */
  ignoreOutgoingRequest?: (request: OutgoingRequestInfo) => boolean;
  /** Query parameters whose values `url.full` replaces by `REDACTED`. Default: instrumentation-http's list. */
  redactedQueryParams?: readonly string[];
  /**
   * No span unless the context where the request is made has a parent span (health checks and
   * pollers outside any request stay untraced); the duration metric is still recorded. Without a
   * valid parent a non-recording span stands in (no `traceparent` is sent). With a remote parent
   * only (a context extracted from headers): node:http requests send that parent's context and
   * get no span of their own (instrumentation-http's `requireParentforOutgoingSpans`); fetch
   * requests get a child span (instrumentation-undici's `requireParentforSpans`).
   */
  requireParentforOutgoingSpans?: boolean;
}

/**
 * What `startOutgoingSpanHook` gets: the options of `http.request()` as instrumentation-http hands
 * them to it, rebuilt from the request — the channel shows the `ClientRequest`, not the caller's
 * options. **Deviation**: always every field below (the caller may have given `host` without
 * `hostname`, or no `method` or `port`); `headers` as the request holds them when created
 * (names lower-cased, `host` included); other fields of the caller's options are not there.
 */
export interface OutgoingRequestOptions {
  /** `http:` or `https:`. */
  readonly protocol: string;
  readonly hostname: string;
  /** The host as in `server.address` (what the request connects to). */
  readonly host: string;
  readonly port: number;
  /** The method as sent (upper case). */
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  readonly headers: Readonly<OutgoingHttpHeaders>;
}

/** node:http client options: instrumentation-http's client hooks and header capture, under its names. */
export interface HttpClientInstrumentationOptions extends ClientInstrumentationOptions {
  /**
   * Attributes added to the span at its start, over the conventions' (a key they share is
   * replaced, in the duration metric too), as instrumentation-http's `startOutgoingSpanHook`:
   * they are there for the sampler. Gets {@link OutgoingRequestOptions}.
   */
  startOutgoingSpanHook?: (options: OutgoingRequestOptions) => Attributes;
  /** Called once the span has started, in its context, with the request (headers not sent yet). */
  requestHook?: (span: Span, request: ClientRequest) => void;
  /** Called when the response arrives (its headers, before its body). */
  responseHook?: (span: Span, response: IncomingMessage) => void;
  /** Called once the response body has ended, before the span ends (not when the request failed). */
  applyCustomAttributesOnSpan?: (span: Span, request: ClientRequest, response: IncomingMessage) => void;
  /**
   * Headers recorded on the span when the response arrives: `http.request.header.<name>` (as
   * sent) and `http.response.header.<name>`, string arrays, names lower-cased
   * (instrumentation-http's `headersToSpanAttributes.client`).
   */
  headersToSpanAttributes?: { client?: { requestHeaders?: readonly string[]; responseHeaders?: readonly string[] } };
}

type Request = ClientRequest & WithClientState;
type Response = IncomingMessage & WithClientState;

/** `propagation.inject` into the request's headers: not flushed at `created` on any supported line. */
const headerSetter: TextMapSetter<ClientRequest> = {
  set(carrier, key, value) {
    carrier.setHeader(key, value);
  },
};

/**
 * HTTP client instrumentation of `node:http` / `node:https` on `node:diagnostics_channel`: a
 * CLIENT span per outgoing request, child of the context active where the request is created,
 * its W3C context injected into the request's headers, and `http.client.request.duration` —
 * attribute for attribute what `@opentelemetry/instrumentation-http` 0.301 emits for a client
 * (test/client-parity.test.ts runs both on the same requests).
 *
 * - `http.client.request.created`: start the span, inject `traceparent`, keep the state on the request;
 * - `http.client.response.finish` (after the `'response'` event): status code and peer; the span
 *   ends with the response body (`'end'`), or on the response's error (a reset mid-body);
 * - `http.client.request.error` (refused, reset, aborted before a response): `error.type` is the
 *   error's name, as instrumentation-http.
 *
 * **Deviations** from instrumentation-http: a method the conventions do not know names the span
 * `HTTP` (semconv) rather than the raw method; `server.port` comes from the `Host` header Node
 * writes (the options are not visible on the channel), the protocol's default port without one;
 * an IPv6 `url.full` host is bracketed; a request created with tracing suppressed (otelkit's own
 * exports) gets no span and no metric (instrumentation-http records its duration).
 */
export class HttpClientInstrumentation extends ChannelClientInstrumentation {
  private readonly hooks: HttpClientInstrumentationOptions;
  private readonly requestHeaders: readonly string[] | undefined;
  private readonly responseHeaders: readonly string[] | undefined;

  constructor(options: HttpClientInstrumentationOptions = {}) {
    super(options);
    this.hooks = options;
    this.requestHeaders = headerNames(options.headersToSpanAttributes?.client?.requestHeaders);
    this.responseHeaders = headerNames(options.headersToSpanAttributes?.client?.responseHeaders);
  }

  protected channels(): readonly (readonly [string, (message: unknown) => void])[] {
    return [
      [CREATED_CHANNEL, this.onCreated],
      [ERROR_CHANNEL, this.onError],
      [FINISH_CHANNEL, this.onFinish],
    ];
  }

  private readonly onCreated = (message: unknown): void => {
    const tracer = this.tracer;
    if (tracer === undefined) return;
    try {
      const req = (message as { request: Request }).request;
      const parent = context.active();
      if (isTracingSuppressed(parent)) return;
      const rawMethod = req.method;
      const method = normalizeMethod(rawMethod);
      const https = req.protocol === 'https:';
      const host = req.host;
      const port = hostHeaderPort(req.getHeader('host')) ?? defaultPort(req, https);
      const url = fullUrl(req.protocol, host, port, req.path, this.redact);
      const ignore = this.options.ignoreOutgoingRequest;
      if (ignore !== undefined && safeIgnore(ignore, { method: rawMethod, url })) return;
      // The key order of instrumentation-http's attributes object, so that both export alike.
      const attributes: Attributes = {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_SERVER_ADDRESS]: host,
        [ATTR_SERVER_PORT]: port,
        [ATTR_URL_FULL]: url,
      };
      const ua = req.getHeader('user-agent');
      if (ua !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = typeof ua === 'number' ? String(ua) : ua;
      if (rawMethod !== method) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = rawMethod;
      const startHook = this.hooks.startOutgoingSpanHook;
      if (startHook !== undefined) {
        const options: OutgoingRequestOptions = { protocol: req.protocol, hostname: host, host, port, method: rawMethod, path: req.path, headers: req.getHeaders() };
        const extra = callHook('startOutgoingSpanHook', startHook, options);
        if (extra !== null && typeof extra === 'object') Object.assign(attributes, extra);
      }
      const span =
        (this.options.requireParentforOutgoingSpans === true ? requiredParentStandIn(parent, true) : undefined) ??
        tracer.startSpan(method === '_OTHER' ? 'HTTP' : method, { kind: SpanKind.CLIENT, attributes }, parent);
      const ctx = withSpan(parent, span);
      propagation.inject(ctx, req, headerSetter);
      const state: ClientRequestState = {
        ctx,
        span,
        // Read from the span's attributes, as instrumentation-http does: a start hook that replaces
        // one of these replaces it in the metric too.
        metric:
          startHook === undefined
            ? { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_SERVER_ADDRESS]: host, [ATTR_SERVER_PORT]: port }
            : { [ATTR_HTTP_REQUEST_METHOD]: attributes[ATTR_HTTP_REQUEST_METHOD], [ATTR_SERVER_ADDRESS]: attributes[ATTR_SERVER_ADDRESS], [ATTR_SERVER_PORT]: attributes[ATTR_SERVER_PORT] },
        startMs: performance.now(),
        ended: false,
      };
      req[kClientState] = state;
      const requestHook = this.hooks.requestHook;
      if (requestHook !== undefined) context.with(ctx, () => callHook('requestHook', requestHook, span, req));
    } catch (error) {
      dropped('http.client.request.created', error);
    }
  };

  private readonly onError = (message: unknown): void => {
    try {
      const { request, error } = message as { request: Request; error: unknown };
      const state = request[kClientState];
      if (state === undefined || state.ended) return;
      failClient(state, errorName(error), error, this.duration);
    } catch (error) {
      dropped('http.client.request.error', error);
    }
  };

  private readonly onFinish = (message: unknown): void => {
    try {
      const { request, response } = message as { request: Request; response: Response };
      const state = request[kClientState];
      if (state === undefined || state.ended) return;
      const status = response.statusCode;
      const span = state.span;
      const metric = state.metric;
      if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      const socket = response.socket;
      if (socket) {
        span.setAttribute(ATTR_NETWORK_PEER_ADDRESS, socket.remoteAddress!);
        span.setAttribute(ATTR_NETWORK_PEER_PORT, socket.remotePort!);
        span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, response.httpVersion);
        if (response.httpVersion) metric[ATTR_NETWORK_PROTOCOL_VERSION] = response.httpVersion;
      }
      if (status) {
        metric[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
        // https://opentelemetry.io/docs/specs/semconv/http/http-spans/#status: a client span is an error from 400 on.
        if (status >= 400 && status < 600) metric[ATTR_ERROR_TYPE] = String(status);
      }
      const responseHook = this.hooks.responseHook;
      if (responseHook !== undefined) callHook('responseHook', responseHook, span, response);
      if (this.requestHeaders !== undefined || this.responseHeaders !== undefined) this.captureHeaders(span, request, response);
      response[kClientState] = state;
      // The span covers the response body, as instrumentation-http's: shared listeners, no closure per request.
      response.on('end', onResponseEnd);
      response.on(errorMonitor, onResponseError);
      (response as Response & { [kOwner]?: HttpClientInstrumentation })[kOwner] = this;
    } catch (error) {
      dropped('http.client.response.finish', error);
    }
  };

  /** Header capture when the response arrives, as instrumentation-http: the request's, then the response's. */
  private captureHeaders(span: Span, request: ClientRequest, response: IncomingMessage): void {
    const captured: Attributes = {};
    if (this.requestHeaders !== undefined) captureHeaders(captured, 'request', this.requestHeaders, (name) => request.getHeader(name));
    if (this.responseHeaders !== undefined) captureHeaders(captured, 'response', this.responseHeaders, (name) => response.headers[name]);
    span.setAttributes(captured);
  }

  /** @internal the response body ended (or was cut short: `aborted` without `complete`). */
  responseEnded(res: Response): void {
    const state = res[kClientState];
    if (state === undefined || state.ended) return;
    const span = state.span;
    const status = res.statusCode;
    if (res.aborted && !res.complete) {
      span.setStatus({ code: SpanStatusCode.ERROR });
    } else {
      if (!(status !== undefined && status >= 100 && status < 400)) span.setStatus({ code: SpanStatusCode.ERROR });
      if (status !== undefined && status >= 400 && status < 600) span.setAttribute(ATTR_ERROR_TYPE, String(status));
    }
    const custom = this.hooks.applyCustomAttributesOnSpan;
    if (custom !== undefined) callHook('applyCustomAttributesOnSpan', custom, span, (res as IncomingMessage & { req: ClientRequest }).req, res);
    endClient(state, this.duration);
  }

  /** @internal the response emitted 'error' (a reset in the middle of the body). */
  responseFailed(res: Response, error: unknown): void {
    const state = res[kClientState];
    if (state === undefined || state.ended) return;
    failClient(state, errorName(error), error, this.duration);
  }
}

const kOwner: unique symbol = Symbol('otelkit.instrumentation-http.client-owner');

function onResponseEnd(this: Response & { [kOwner]?: HttpClientInstrumentation }): void {
  try {
    this[kOwner]?.responseEnded(this);
  } catch (error) {
    dropped("the response's 'end'", error);
  }
}

function onResponseError(this: Response & { [kOwner]?: HttpClientInstrumentation }, error: unknown): void {
  try {
    this[kOwner]?.responseFailed(this, error);
  } catch (e) {
    dropped("the response's 'error'", e);
  }
}

/** `error.type` of a failed node:http request: the error's name, as instrumentation-http. */
function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' ? name : 'Error';
}

/** The port in a `Host` header (`h:p`, `[v6]:p`); undefined without one. */
export function hostHeaderPort(host: unknown): number | undefined {
  if (typeof host !== 'string') return undefined;
  const colon = host.lastIndexOf(':');
  if (colon < 0 || colon < host.lastIndexOf(']')) return undefined;
  const port = Number(host.slice(colon + 1));
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

function defaultPort(req: ClientRequest, https: boolean): number {
  const p = (req as ClientRequest & { agent?: { defaultPort?: unknown } }).agent?.defaultPort;
  return typeof p === 'number' ? p : https ? 443 : 80;
}

/**
 * `url.full` as instrumentation-http builds it: `{protocol}//{host}[:{port} unless 80 or 443]{path}`,
 * and when the path has a query, `new URL()`'s pathname and the `URLSearchParams` re-serialized
 * query with sensitive values redacted.
 */
function fullUrl(protocol: string, host: string, port: number, path: string, redact: readonly string[]): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const authority = port === 80 || port === 443 ? h : `${h}:${port}`;
  let target = path || '/';
  if (target.includes('?')) {
    const t = requestTarget(target, 'http', 'localhost', redact);
    if (t.path !== undefined) target = `${t.path}?${t.query ?? ''}`;
  }
  return `${protocol}//${authority}${target}`;
}

function safeIgnore(ignore: (request: OutgoingRequestInfo) => boolean, info: OutgoingRequestInfo): boolean {
  try {
    return ignore(info) === true;
  } catch {
    return false;
  }
}
