import { diag, SpanStatusCode, ValueType, type Histogram, type MeterProvider } from '@opentelemetry/api';
import type { ClientRequestState } from './client-request-state.js';
import { ATTR_ERROR_TYPE, DURATION_BUCKETS, METRIC_HTTP_CLIENT_REQUEST_DURATION } from './semconv.js';
import { VERSION } from './version.js';

/** The instrumentation scope of the client spans and of `http.client.request.duration`. */
export const CLIENT_INSTRUMENTATION_NAME = '@otelkit/instrumentation-http';

/** `http.client.request.duration` (s, the conventions' buckets), as instrumentation-http creates it. */
export function createClientDuration(meterProvider: MeterProvider): Histogram {
  return meterProvider.getMeter(CLIENT_INSTRUMENTATION_NAME, VERSION).createHistogram(METRIC_HTTP_CLIENT_REQUEST_DURATION, {
    description: 'Duration of HTTP client requests.',
    unit: 's',
    valueType: ValueType.DOUBLE,
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
  });
}

/** Ends the span (once) and records the duration in the span's context (the exemplar points at it). */
export function endClient(state: ClientRequestState, duration: Histogram | undefined): void {
  if (state.ended) return;
  state.ended = true;
  state.span.end();
  duration?.record((performance.now() - state.startMs) / 1000, state.metric, state.ctx);
}

/**
 * A failed request: `error.type` on the span and the metric, ERROR status with the message, an
 * `exception` event, then end — what instrumentation-http's `setSpanWithError` does.
 */
export function failClient(state: ClientRequestState, errorType: string, error: unknown, duration: Histogram | undefined): void {
  if (state.ended) return;
  const span = state.span;
  const e = error as { message?: unknown } | undefined;
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof e?.message === 'string' ? e.message : undefined });
  if (error instanceof Error || typeof error === 'string') span.recordException(error);
  state.metric[ATTR_ERROR_TYPE] = errorType;
  endClient(state, duration);
}

let warned = false;

/**
 * A channel subscriber must not throw: Node rethrows a subscriber's exception on the next tick,
 * as an uncaught exception of the application. Recording never throws: one diag.warn, dropped.
 */
export function dropped(where: string, error: unknown): void {
  if (warned) return;
  warned = true;
  diag.warn(`@otelkit/instrumentation-http: ${where} failed, the request's span or metric is dropped (warned once): ${String(error)}`);
}
