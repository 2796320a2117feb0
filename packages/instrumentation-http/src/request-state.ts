import type { Context, Span } from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';
import type { ServerResponse } from 'node:http';

/** Where a request's state lives: one symbol property on its IncomingMessage and ServerResponse. */
export const kRequestState: unique symbol = Symbol('otelkit.instrumentation-http.request');

/** One server request, from the `http.server.request.start` message to the span's end. */
export interface RequestState {
  /** The context the handler and the request's and response's listeners run in. */
  readonly ctx: Context;
  /** undefined for an ignored request (its context only suppresses tracing). */
  readonly span: Span | undefined;
  /** Where a framework instrumentation (express, fastify…) writes `route`, as with instrumentation-http. */
  readonly rpc: RPCMetadata | undefined;
  /** The span name before a route is known: the method (`HTTP` for `_OTHER`). */
  readonly method: string;
  /** `http.request.method`, `url.scheme`, `network.protocol.version`: the metric's request-side attributes. */
  readonly httpMethod: string;
  readonly scheme: string;
  readonly protocolVersion: string | undefined;
  /** performance.now() at the start message. */
  readonly startMs: number;
  ended: boolean;
  /** The instrumentation that started it: ends it. */
  readonly owner: RequestStateOwner;
}

/** Ends a request's span and records its duration (the instrumentation). */
export interface RequestStateOwner {
  /** The response finished, or closed before finishing (the client went away): the status code as it is. */
  finish(state: RequestState, res: ServerResponse): void;
  /** The handler threw or the response emitted 'error'. */
  fail(state: RequestState, error: unknown): void;
}

export interface WithRequestState {
  [kRequestState]?: RequestState;
}
