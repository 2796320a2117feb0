import { context, propagation, SpanKind, SpanStatusCode, type Attributes, type Span, type TextMapSetter } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { dropped, endClient, failClient } from './client-duration.js';
import { callHook, headerNames, requiredParentStandIn } from './hooks.js';
import { withSpan } from './linked-context.js';
import { kClientState, type ClientRequestState, type WithClientState } from './client-request-state.js';
import type { ClientInstrumentationOptions, OutgoingRequestInfo } from './http-client-instrumentation.js';
import { redactQuery, requestTarget } from './request-target.js';
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
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  normalizeMethod,
} from './semconv.js';
import { ChannelClientInstrumentation } from './client-instrumentation-base.js';

// undici's channels (https://undici.nodejs.org/#/docs/api/DiagnosticsChannel), published by the
// undici bundled in Node for the global fetch() (22.15+, 24, 26: checked) and by the undici package.
const CREATE_CHANNEL = 'undici:request:create';
const SEND_HEADERS_CHANNEL = 'undici:client:sendHeaders';
const HEADERS_CHANNEL = 'undici:request:headers';
const TRAILERS_CHANNEL = 'undici:request:trailers';
const ERROR_CHANNEL = 'undici:request:error';

/**
 * fetch() / undici client options: instrumentation-undici's hooks and header capture, under its
 * names (a different set from instrumentation-http's: the request is undici's, not a ClientRequest).
 */
export interface UndiciInstrumentationOptions extends ClientInstrumentationOptions {
  /**
   * Attributes added to the span at its start, over the conventions' (a key they share is
   * replaced, in the duration metric too), as instrumentation-undici's `startSpanHook`.
   */
  startSpanHook?: (request: UndiciRequest) => Attributes;
  /** Called once the span has started (in the caller's context, as instrumentation-undici), before the propagation headers are added. */
  requestHook?: (span: Span, request: UndiciRequest) => void;
  /** Called when the response headers arrive, before they are captured and the status is set. */
  responseHook?: (span: Span, info: { request: UndiciRequest; response: UndiciResponse }) => void;
  /**
   * Headers recorded on the span as `http.request.header.<name>` (when the request's headers go
   * out) and `http.response.header.<name>` (when the response's arrive), string arrays, names
   * lower-cased: instrumentation-undici's `headersToSpanAttributes`.
   */
  headersToSpanAttributes?: { requestHeaders?: readonly string[]; responseHeaders?: readonly string[] };
}

/** What undici's channels publish of a response (`undici:request:headers`): raw header pairs. */
export interface UndiciResponse {
  readonly statusCode: number;
  readonly headers: readonly (Buffer | string)[];
  readonly statusText?: string;
}

/** What the channels publish of undici's Request (the fields read here). */
export interface UndiciRequest extends WithClientState {
  origin: string | URL;
  path: string;
  method: string;
  headers: string | (string | string[])[];
  addHeader?(name: string, value: string): unknown;
}

/** Adds the propagation headers before undici writes them (`request.addHeader`, as instrumentation-undici). */
const headerSetter: TextMapSetter<UndiciRequest> = {
  set(carrier, key, value) {
    if (typeof carrier.addHeader === 'function') carrier.addHeader(key, value);
    else if (typeof carrier.headers === 'string') carrier.headers += `${key}: ${value}\r\n`;
    else if (Array.isArray(carrier.headers)) carrier.headers.push(key, value);
  },
};

interface Origin {
  readonly scheme: string;
  readonly hostname: string;
  readonly port: number | undefined;
  /** `scheme://host[:port]` as `URL.toString()` writes it. */
  readonly prefix: string;
}

/** Parsed origins: a service talks to few; bounded so that a crawler cannot grow it without end. */
const origins = new Map<string, Origin | null>();
const MAX_ORIGINS = 256;

function parseOrigin(origin: string | URL): Origin | undefined {
  const key = typeof origin === 'string' ? origin : origin.href;
  let o = origins.get(key);
  if (o === undefined) {
    try {
      const u = new URL(key);
      const scheme = u.protocol.slice(0, -1);
      const port = u.port !== '' ? Number(u.port) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : undefined;
      o = { scheme, hostname: u.hostname, port, prefix: `${u.protocol}//${u.host}` };
    } catch {
      o = null;
    }
    if (origins.size >= MAX_ORIGINS) origins.clear();
    origins.set(key, o);
  }
  return o ?? undefined;
}

/** The last `user-agent` of undici's headers (array of name/value pairs, or a raw header block). */
function userAgent(headers: UndiciRequest['headers']): string | undefined {
  let found: string | undefined;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      const k = headers[i];
      if (typeof k === 'string' && k.length === 10 && k.toLowerCase() === 'user-agent') {
        const v = headers[i + 1];
        found = Array.isArray(v) ? v[v.length - 1] : v;
      }
    }
  } else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon === 10 && line.slice(0, 10).toLowerCase() === 'user-agent') found = line.slice(11).trim();
    }
  }
  return found;
}

/**
 * Client instrumentation of undici and the global `fetch()` on undici's diagnostics channels: a
 * CLIENT span per request, child of the context active where the request is made, `traceparent`
 * added with `request.addHeader`, and `http.client.request.duration` — attribute for attribute what
 * `@opentelemetry/instrumentation-undici` 0.34 emits (test/undici-parity.test.ts), with the
 * deviations below.
 *
 * - `undici:request:create`: span, propagation headers, state on the request;
 * - `undici:client:sendHeaders`: the peer and protocol version of the socket it went out on;
 * - `undici:request:headers`: the status (a client span is an error from 400 on);
 * - `undici:request:trailers` (body complete) ends it; `undici:request:error` ends it with the
 *   error's `code` (or name) as `error.type` — an abort ends it without an error, as upstream.
 *
 * **Deviations** from instrumentation-undici, toward the semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-client-span):
 * `http.request.method_original` only when it differs from `http.request.method`; `url.query`
 * without its leading `?` and absent when empty; sensitive query values (`sig`, `X-Amz-Signature`…)
 * `REDACTED` in `url.full` and `url.query` as instrumentation-http does; a request made with
 * tracing suppressed gets no span and no metric.
 */
export class UndiciInstrumentation extends ChannelClientInstrumentation {
  private readonly hooks: UndiciInstrumentationOptions;
  private readonly requestHeaders: ReadonlySet<string> | undefined;
  private readonly responseHeaders: ReadonlySet<string> | undefined;

  constructor(options: UndiciInstrumentationOptions = {}) {
    super(options);
    this.hooks = options;
    const req = headerNames(options.headersToSpanAttributes?.requestHeaders);
    const res = headerNames(options.headersToSpanAttributes?.responseHeaders);
    this.requestHeaders = req === undefined ? undefined : new Set(req);
    this.responseHeaders = res === undefined ? undefined : new Set(res);
  }

  protected channels(): readonly (readonly [string, (message: unknown) => void])[] {
    return [
      [CREATE_CHANNEL, this.onCreate],
      [SEND_HEADERS_CHANNEL, this.onSendHeaders],
      [HEADERS_CHANNEL, this.onHeaders],
      [TRAILERS_CHANNEL, this.onTrailers],
      [ERROR_CHANNEL, this.onError],
    ];
  }

  private readonly onCreate = (message: unknown): void => {
    const tracer = this.tracer;
    if (tracer === undefined) return;
    try {
      const request = (message as { request: UndiciRequest }).request;
      const rawMethod = request.method;
      // A CONNECT is a proxy tunnel, not a request (instrumentation-undici skips it too).
      if (rawMethod === 'CONNECT') return;
      const parent = context.active();
      if (isTracingSuppressed(parent)) return;
      const origin = parseOrigin(request.origin);
      if (origin === undefined) return;
      const target = splitTarget(request.path, origin.scheme, this.redact);
      if (target === undefined) return;
      // '' for a bare '?': kept in url.full (as URL.toString()), no url.query.
      const url = `${origin.prefix}${target.path}${target.query !== undefined ? `?${target.query}` : ''}`;
      const ignore = this.options.ignoreOutgoingRequest;
      if (ignore !== undefined && safeIgnore(ignore, { method: rawMethod, url })) return;
      const method = normalizeMethod(rawMethod);
      // The key order of instrumentation-undici's attributes object.
      const attributes: Attributes = {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_FULL]: url,
        [ATTR_URL_PATH]: target.path,
      };
      if (rawMethod !== method) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = rawMethod;
      if (target.query) attributes[ATTR_URL_QUERY] = target.query;
      attributes[ATTR_URL_SCHEME] = origin.scheme;
      attributes[ATTR_SERVER_ADDRESS] = origin.hostname;
      if (origin.port !== undefined) attributes[ATTR_SERVER_PORT] = origin.port;
      const ua = userAgent(request.headers);
      if (ua !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = ua;
      const startHook = this.hooks.startSpanHook;
      if (startHook !== undefined) {
        const extra = callHook('startSpanHook', startHook, request);
        if (extra !== null && typeof extra === 'object') Object.assign(attributes, extra);
      }
      const span =
        (this.options.requireParentforOutgoingSpans === true ? requiredParentStandIn(parent, false) : undefined) ??
        tracer.startSpan(method === '_OTHER' ? 'HTTP' : method, { kind: SpanKind.CLIENT, attributes }, parent);
      const requestHook = this.hooks.requestHook;
      if (requestHook !== undefined) callHook('requestHook', requestHook, span, request);
      const ctx = withSpan(parent, span);
      propagation.inject(ctx, request, headerSetter);
      let metric: Attributes;
      if (startHook === undefined) {
        metric = { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_SERVER_ADDRESS]: origin.hostname, [ATTR_URL_SCHEME]: origin.scheme };
        if (origin.port !== undefined) metric[ATTR_SERVER_PORT] = origin.port;
      } else {
        // Read from the span's attributes, as instrumentation-undici does: a start hook's replacement counts.
        metric = metricFrom(attributes);
      }
      const state: ClientRequestState = { ctx, span, metric, startMs: performance.now(), ended: false };
      request[kClientState] = state;
    } catch (error) {
      dropped('undici:request:create', error);
    }
  };

  private readonly onSendHeaders = (message: unknown): void => {
    try {
      const { request, socket } = message as { request: UndiciRequest; socket: { remoteAddress?: string; remotePort?: number; alpnProtocol?: string | false } };
      const state = request[kClientState];
      if (state === undefined || state.ended) return;
      const version = socket.alpnProtocol === 'h2' ? '2' : '1.1';
      state.span.setAttribute(ATTR_NETWORK_PEER_ADDRESS, socket.remoteAddress!);
      state.span.setAttribute(ATTR_NETWORK_PEER_PORT, socket.remotePort!);
      state.span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, version);
      state.metric[ATTR_NETWORK_PROTOCOL_VERSION] = version;
      if (this.requestHeaders !== undefined) state.span.setAttributes(capturedRequestHeaders(request.headers, this.requestHeaders));
    } catch (error) {
      dropped('undici:client:sendHeaders', error);
    }
  };

  private readonly onHeaders = (message: unknown): void => {
    try {
      const { request, response } = message as { request: UndiciRequest; response: UndiciResponse };
      const state = request[kClientState];
      if (state === undefined || state.ended) return;
      const status = response.statusCode;
      const isError = status >= 400;
      const responseHook = this.hooks.responseHook;
      if (responseHook !== undefined) callHook('responseHook', responseHook, state.span, { request, response });
      if (this.responseHeaders !== undefined) state.span.setAttributes(capturedResponseHeaders(response.headers, this.responseHeaders));
      state.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      state.metric[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
      if (isError) {
        state.span.setAttribute(ATTR_ERROR_TYPE, String(status));
        state.metric[ATTR_ERROR_TYPE] = String(status);
        state.span.setStatus({ code: SpanStatusCode.ERROR });
      }
    } catch (error) {
      dropped('undici:request:headers', error);
    }
  };

  private readonly onTrailers = (message: unknown): void => {
    try {
      const state = (message as { request: UndiciRequest }).request[kClientState];
      if (state !== undefined) endClient(state, this.duration);
    } catch (error) {
      dropped('undici:request:trailers', error);
    }
  };

  private readonly onError = (message: unknown): void => {
    try {
      const { request, error } = message as { request: UndiciRequest; error: { name?: unknown; code?: unknown } | undefined };
      const state = request[kClientState];
      if (state === undefined || state.ended) return;
      // An abort is the caller's decision, not a failure of the request (instrumentation-undici).
      if (error?.name === 'AbortError' || (error instanceof DOMException && error.code === DOMException.ABORT_ERR)) {
        endClient(state, this.duration);
        return;
      }
      const type = typeof error?.code === 'string' && error.code !== '' ? error.code : typeof error?.name === 'string' && error.name !== '' ? error.name : 'Error';
      failClient(state, type, error, this.duration);
    } catch (e) {
      dropped('undici:request:error', e);
    }
  };
}

/**
 * `url.path` (what `new URL(path, origin).pathname` gives) and `url.query` as sent: fetch() hands
 * undici an already serialized target, so the query keeps its encoding (instrumentation-undici's
 * `url.full` is `URL.toString()`); it is re-serialized only when a sensitive value is redacted.
 */
function splitTarget(path: string, scheme: string, redact: readonly string[]): { path: string; query: string | undefined } | undefined {
  const q = path.indexOf('?');
  const p = requestTarget(q < 0 ? path : path.slice(0, q), scheme, undefined, redact).path;
  if (p === undefined) return undefined;
  if (q < 0) return { path: p, query: undefined };
  const hash = path.indexOf('#', q);
  const raw = path.slice(q + 1, hash < 0 ? undefined : hash);
  if (raw.length === 0) return { path: p, query: '' };
  return { path: p, query: redact.some((name) => raw.includes(name)) ? redactQuery(raw, redact) : raw };
}

/** The duration's attributes from the span's (instrumentation-undici's `recordRequestDuration` keys present at the start). */
function metricFrom(attributes: Attributes): Attributes {
  const metric: Attributes = {};
  for (const key of [ATTR_HTTP_REQUEST_METHOD, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_SCHEME]) if (key in attributes) metric[key] = attributes[key];
  return metric;
}

/** `http.request.header.<name>` of the captured names, from undici's headers (pairs, or a raw block), as instrumentation-undici. */
function capturedRequestHeaders(headers: UndiciRequest['headers'], names: ReadonlySet<string>): Attributes {
  const out: Attributes = {};
  if (Array.isArray(headers)) {
    // Pairs: the last value of a name wins (instrumentation-undici keeps a Map).
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const k = headers[i];
      if (typeof k !== 'string') continue;
      const name = k.toLowerCase();
      if (!names.has(name)) continue;
      const v = headers[i + 1]!;
      out[`http.request.header.${name}`] = Array.isArray(v) ? v : [v];
    }
  } else if (typeof headers === 'string') {
    const seen = new Map<string, string[]>();
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).toLowerCase();
      if (!names.has(name)) continue;
      const values = seen.get(name) ?? [];
      values.push(line.slice(colon + 1).trim());
      seen.set(name, values);
    }
    for (const [name, values] of seen) out[`http.request.header.${name}`] = values;
  }
  return out;
}

/** `http.response.header.<name>` of the captured names, every value in order, from undici's raw pairs. */
function capturedResponseHeaders(headers: readonly (Buffer | string)[], names: ReadonlySet<string>): Attributes {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!.toString().toLowerCase();
    if (!names.has(name)) continue;
    (out[`http.response.header.${name}`] ??= []).push(headers[i + 1]!.toString());
  }
  return out;
}

function safeIgnore(ignore: (request: OutgoingRequestInfo) => boolean, info: OutgoingRequestInfo): boolean {
  try {
    return ignore(info) === true;
  } catch {
    return false;
  }
}
