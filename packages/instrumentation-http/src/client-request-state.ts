import type { Attributes, Context, Span } from '@opentelemetry/api';

/**
 * Where an outgoing request's state lives: one symbol property on the request object
 * (node:http's ClientRequest and its IncomingMessage response, or undici's Request), so it goes
 * away with the request — no map to clean up, nothing kept per request after it.
 */
export const kClientState: unique symbol = Symbol('otelkit.instrumentation-http.client');

/** One outgoing request, from its creation to the span's end. */
export interface ClientRequestState {
  /** The caller's context with the CLIENT span: what was injected, and the exemplar's context. */
  readonly ctx: Context;
  readonly span: Span;
  /** `http.client.request.duration`'s attributes, completed as the response arrives. */
  readonly metric: Attributes;
  /** performance.now() at creation. */
  readonly startMs: number;
  ended: boolean;
}

export interface WithClientState {
  [kClientState]?: ClientRequestState;
}
