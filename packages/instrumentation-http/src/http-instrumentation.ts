import {
  context,
  metrics,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  ValueType,
  type Attributes,
  type Histogram,
  type MeterProvider,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { RPCType, suppressTracing, type RPCMetadata } from '@opentelemetry/core';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clientAddress, serverAddress } from './addresses.js';
import { installEmitPatches } from './emit-patches.js';
import { LINKED_ROOT, withServerSpan } from './linked-context.js';
import { callHook, captureHeaders, headerNames, requiredParentStandIn } from './hooks.js';
import { requestTarget } from './request-target.js';
import { kRequestState, type RequestState, type RequestStateOwner, type WithRequestState } from './request-state.js';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  DEFAULT_REDACTED_QUERY_PARAMS,
  DURATION_BUCKETS,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
  normalizeMethod,
} from './semconv.js';
import { VERSION } from './version.js';

/** The instrumentation scope of the spans and the duration histogram. */
export const INSTRUMENTATION_NAME = '@otelkit/instrumentation-http';

const START_CHANNEL = 'http.server.request.start';
const FINISH_CHANNEL = 'http.server.response.finish';

export interface HttpInstrumentationOptions {
  /** Default: the global TracerProvider (`trace.getTracerProvider()`) at `enable()`. */
  tracerProvider?: TracerProvider;
  /** Default: the global MeterProvider at `enable()`. */
  meterProvider?: MeterProvider;
  /** Requests for which this returns true get no span and no metric; their handler runs with tracing suppressed. */
  ignoreIncomingRequest?: (req: IncomingMessage) => boolean;
  /** Query parameters whose values `url.query` replaces by `REDACTED`. Default: instrumentation-http's list (`sig`, `X-Amz-Signature`…). */
  redactedQueryParams?: readonly string[];
  /**
   * Attributes added to the span at its start, over the conventions' (a key they share is
   * replaced), as instrumentation-http's `startIncomingSpanHook`: they are there for the sampler.
   */
  startIncomingSpanHook?: (req: IncomingMessage) => Attributes;
  /** Called once the span has started, in its context (instrumentation-http's `requestHook`). */
  requestHook?: (span: Span, req: IncomingMessage) => void;
  /**
   * Called with the response right after `requestHook`, as instrumentation-http does: at the
   * start of the request, before the handler has answered (listen to the response's events to
   * see its end; `applyCustomAttributesOnSpan` runs once it is complete).
   */
  responseHook?: (span: Span, res: ServerResponse) => void;
  /** Called once the response is complete, before the span ends (not when the request failed): instrumentation-http's `applyCustomAttributesOnSpan`. */
  applyCustomAttributesOnSpan?: (span: Span, req: IncomingMessage, res: ServerResponse) => void;
  /**
   * Headers recorded on the span as `http.request.header.<name>` (at the start) and
   * `http.response.header.<name>` (at the end), string arrays, names lower-cased: the
   * conventions' attributes, instrumentation-http's `headersToSpanAttributes.server`.
   */
  headersToSpanAttributes?: { server?: { requestHeaders?: readonly string[]; responseHeaders?: readonly string[] } };
  /**
   * instrumentation-http's `requireParentforIncomingSpans`: no span of the request's own unless
   * its context has a local parent span — which a request's extracted context never has, so in
   * practice none: without a `traceparent` a non-recording span stands in, with one the remote
   * parent does (hooks get that span). The duration metric is recorded either way.
   */
  requireParentforIncomingSpans?: boolean;
}

interface StartMessage {
  request: IncomingMessage & WithRequestState;
  response: ServerResponse & WithRequestState;
  socket: Socket & { encrypted?: boolean };
}

/**
 * HTTP server instrumentation on `node:diagnostics_channel`: a SERVER span per request with the
 * stable HTTP semantic conventions and the `http.server.request.duration` histogram, attribute
 * for attribute what `@opentelemetry/instrumentation-http` 0.301 emits for a server
 * (test/parity.test.ts runs both on the same requests), without require-in-the-middle.
 *
 * - `http.server.request.start` (published before the 'request' event; Node ≥ 22.15, 24, 26)
 *   extracts the W3C context, starts the span and keeps the request's state on the request;
 * - the handler and the request's and response's listeners run in the span's context
 *   (emit-patches.ts says why and how);
 * - `http.server.response.finish` (or the response's 'close' when the client went away first,
 *   or 'error') ends the span and records the duration, in the span's context so that the
 *   histogram's exemplar points at it.
 *
 * **Deviation** from instrumentation-http: for a method the conventions do not know
 * (`http.request.method` `_OTHER`), the span name is `HTTP` as the conventions ask
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#name), not the raw method.
 */
export class HttpInstrumentation implements RequestStateOwner {
  private readonly options: HttpInstrumentationOptions;
  private readonly redact: readonly string[];
  private readonly requestHeaders: readonly string[] | undefined;
  private readonly responseHeaders: readonly string[] | undefined;
  /** requestHook or responseHook: requests without either pay a single check. */
  private readonly startHooks: boolean;
  private tracer: Tracer | undefined;
  private duration: Histogram | undefined;
  private removePatches: (() => void) | undefined;

  constructor(options: HttpInstrumentationOptions = {}) {
    this.options = options;
    this.redact = options.redactedQueryParams ?? DEFAULT_REDACTED_QUERY_PARAMS;
    this.requestHeaders = headerNames(options.headersToSpanAttributes?.server?.requestHeaders);
    this.responseHeaders = headerNames(options.headersToSpanAttributes?.server?.responseHeaders);
    this.startHooks = options.requestHook !== undefined || options.responseHook !== undefined;
  }

  /** Starts instrumenting every HTTP/HTTPS server of the process (idempotent). */
  enable(): void {
    if (this.tracer !== undefined) return;
    this.tracer = (this.options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME, VERSION);
    this.duration = (this.options.meterProvider ?? metrics.getMeterProvider())
      .getMeter(INSTRUMENTATION_NAME, VERSION)
      .createHistogram(METRIC_HTTP_SERVER_REQUEST_DURATION, {
        description: 'Duration of HTTP server requests.',
        unit: 's',
        valueType: ValueType.DOUBLE,
        advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
      });
    this.removePatches = installEmitPatches();
    subscribe(START_CHANNEL, this.onStart);
    subscribe(FINISH_CHANNEL, this.onFinish);
  }

  /** Stops: requests already started still end their spans. */
  disable(): void {
    if (this.tracer === undefined) return;
    unsubscribe(START_CHANNEL, this.onStart);
    unsubscribe(FINISH_CHANNEL, this.onFinish);
    this.removePatches?.();
    this.removePatches = undefined;
    this.tracer = undefined;
  }

  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  private readonly onStart = (message: unknown): void => {
    const { request: req, response: res, socket } = message as StartMessage;
    const tracer = this.tracer;
    if (tracer === undefined) return;
    const ignore = this.options.ignoreIncomingRequest;
    if (ignore !== undefined && safeIgnore(ignore, req)) {
      const state = ignoredState(this, context.active());
      req[kRequestState] = state;
      res[kRequestState] = state;
      return;
    }
    const scheme = socket?.encrypted === true ? 'https' : 'http';
    const headers = req.headers;
    const rawMethod = req.method;
    const method = normalizeMethod(rawMethod);
    const server = serverAddress(headers, scheme);
    const target = requestTarget(req.url, scheme, headers.host, this.redact);
    const client = clientAddress(headers, req.socket?.remoteAddress);
    const protocolVersion = req.httpVersion;
    // The key order of instrumentation-http's attributes object, so that both export alike.
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_SCHEME]: scheme,
      [ATTR_SERVER_ADDRESS]: server?.host,
      [ATTR_NETWORK_PEER_ADDRESS]: req.socket?.remoteAddress,
      [ATTR_NETWORK_PEER_PORT]: req.socket?.remotePort,
      [ATTR_NETWORK_PROTOCOL_VERSION]: protocolVersion,
      [ATTR_USER_AGENT_ORIGINAL]: headers['user-agent'],
    };
    if (target.path !== undefined) attributes[ATTR_URL_PATH] = target.path;
    if (target.query !== undefined) attributes[ATTR_URL_QUERY] = target.query;
    if (client !== undefined) attributes[ATTR_CLIENT_ADDRESS] = client;
    if (server?.port !== undefined) attributes[ATTR_SERVER_PORT] = Number(server.port);
    if (rawMethod !== method) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = rawMethod;
    const startHook = this.options.startIncomingSpanHook;
    if (startHook !== undefined) {
      const extra = callHook('startIncomingSpanHook', startHook, req);
      if (extra !== null && typeof extra === 'object') Object.assign(attributes, extra);
    }
    if (this.requestHeaders !== undefined) captureHeaders(attributes, 'request', this.requestHeaders, (name) => headers[name]);

    const parent = propagation.extract(LINKED_ROOT, headers);
    const name = method === '_OTHER' ? 'HTTP' : method;
    const span =
      (this.options.requireParentforIncomingSpans === true ? requiredParentStandIn(parent, true) : undefined) ??
      tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    // RPCMetadata: where express/fastify instrumentations write the route (as with instrumentation-http).
    const rpc: RPCMetadata = { type: RPCType.HTTP, span };
    const state: RequestState = {
      ctx: withServerSpan(parent, span, rpc),
      span,
      rpc,
      method: name,
      // The duration's attributes are read from the span's, as instrumentation-http does: a start
      // hook that replaces one of these three replaces it in the metric too.
      httpMethod: startHook !== undefined ? (attributes[ATTR_HTTP_REQUEST_METHOD] as string) : method,
      scheme: startHook !== undefined ? (attributes[ATTR_URL_SCHEME] as string) : scheme,
      protocolVersion: startHook !== undefined ? (attributes[ATTR_NETWORK_PROTOCOL_VERSION] as string | undefined) : protocolVersion,
      startMs: performance.now(),
      ended: false,
      owner: this,
    };
    req[kRequestState] = state;
    res[kRequestState] = state;
    if (this.startHooks) this.startHooksFor(state, span, req, res);
  };

  /** requestHook and responseHook, in the span's context (instrumentation-http's order). */
  private startHooksFor(state: RequestState, span: Span, req: IncomingMessage, res: ServerResponse): void {
    const { requestHook, responseHook } = this.options;
    context.with(state.ctx, () => {
      if (requestHook !== undefined) callHook('requestHook', requestHook, span, req);
      if (responseHook !== undefined) callHook('responseHook', responseHook, span, res);
    });
  }

  private readonly onFinish = (message: unknown): void => {
    const { response } = message as StartMessage;
    const state = response[kRequestState];
    if (state !== undefined && !state.ended) this.finish(state, response);
  };

  /** The response is complete (or closed early): status, route, end, duration. */
  finish(state: RequestState, res: ServerResponse): void {
    if (state.ended) return;
    state.ended = true;
    const span = state.span;
    if (span === undefined) return;
    if (this.responseHeaders !== undefined) {
      const captured: Attributes = {};
      captureHeaders(captured, 'response', this.responseHeaders, (name) => res.getHeader(name));
      span.setAttributes(captured);
    }
    const status = res.statusCode;
    const route = state.rpc?.route;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (route !== undefined) span.setAttribute(ATTR_HTTP_ROUTE, route);
    // https://opentelemetry.io/docs/specs/semconv/http/http-spans/#status: a server span is an error from 500 on.
    if (!(status >= 100 && status < 500)) span.setStatus({ code: SpanStatusCode.ERROR });
    const errorType = status >= 500 && status < 600 ? String(status) : undefined;
    if (errorType !== undefined) span.setAttribute(ATTR_ERROR_TYPE, errorType);
    if (route) span.updateName(`${state.method} ${route}`);
    const custom = this.options.applyCustomAttributesOnSpan;
    if (custom !== undefined) callHook('applyCustomAttributesOnSpan', custom, span, res.req, res);
    span.end();
    const attributes = this.metricAttributes(state);
    if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
    if (status) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
    this.record(state, attributes);
  }

  /** The handler threw or the response emitted 'error': the span records the exception and ends. */
  fail(state: RequestState, error: unknown): void {
    if (state.ended) return;
    state.ended = true;
    const span = state.span;
    if (span === undefined) return;
    const e = error as { name?: unknown; message?: unknown } | undefined;
    const name = typeof e?.name === 'string' ? e.name : undefined;
    if (name !== undefined) span.setAttribute(ATTR_ERROR_TYPE, name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: typeof e?.message === 'string' ? e.message : undefined });
    if (error instanceof Error || typeof error === 'string') span.recordException(error);
    span.end();
    const attributes = this.metricAttributes(state);
    if (name !== undefined) attributes[ATTR_ERROR_TYPE] = name;
    this.record(state, attributes);
  }

  private metricAttributes(state: RequestState): Attributes {
    const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: state.httpMethod, [ATTR_URL_SCHEME]: state.scheme };
    if (state.protocolVersion) attributes[ATTR_NETWORK_PROTOCOL_VERSION] = state.protocolVersion;
    return attributes;
  }

  private record(state: RequestState, attributes: Attributes): void {
    // In the span's context: the exemplar (trace_based filter) carries the request's span. Passed
    // only when it is not the active one already (res.end() in the handler): entering a context
    // costs ~0.5 µs on Node 24+ (bench/tools/context-entry.mjs).
    const ctx = context.active() === state.ctx ? undefined : state.ctx;
    this.duration?.record((performance.now() - state.startMs) / 1000, attributes, ctx);
  }
}

function safeIgnore(ignore: (req: IncomingMessage) => boolean, req: IncomingMessage): boolean {
  try {
    return ignore(req) === true;
  } catch {
    return false;
  }
}

function ignoredState(owner: RequestStateOwner, active: ReturnType<typeof context.active>): RequestState {
  return {
    ctx: suppressTracing(active),
    span: undefined,
    rpc: undefined,
    method: '',
    httpMethod: '',
    scheme: '',
    protocolVersion: undefined,
    startMs: 0,
    ended: true,
    owner,
  };
}
