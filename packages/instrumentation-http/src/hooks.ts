import { diag, INVALID_SPAN_CONTEXT, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/*
 * What the server and client instrumentations share for instrumentation-http's hooks, header
 * capture and "require a parent" options.
 */

/**
 * The span that stands in for a request's own when a parent is required
 * (`requireParentforIncomingSpans` / `requireParentforOutgoingSpans`), or undefined to start one —
 * instrumentation-http's `_startHttpSpan` rule:
 * - no valid span in `parent`: a non-recording span with invalid ids (nothing is propagated; the
 *   duration metric is still recorded);
 * - a remote one (extracted from the request's headers, or `trace.setSpanContext`) and
 *   `remoteStandsIn`: that span — no span of the request's own, and its context is what a client
 *   propagates (instrumentation-http); instrumentation-undici's `requireParentforSpans` starts a
 *   child of a remote parent instead (`remoteStandsIn` false).
 */
export function requiredParentStandIn(parent: Context, remoteStandsIn: boolean): Span | undefined {
  const current = trace.getSpan(parent);
  if (current === undefined || !trace.isSpanContextValid(current.spanContext())) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  if (remoteStandsIn && current.spanContext().isRemote === true) return current;
  return undefined;
}

/** Lower-cased header names, or undefined for none (requests then pay one check). */
export function headerNames(names: readonly string[] | undefined): readonly string[] | undefined {
  if (names === undefined || names.length === 0) return undefined;
  return [...new Set(names.map((n) => String(n).toLowerCase()))];
}

/** `http.{request|response}.header.<name>` as string arrays, as instrumentation-http's headerCapture writes them. */
export function captureHeaders(
  into: Attributes,
  type: 'request' | 'response',
  names: readonly string[],
  get: (name: string) => string | number | readonly string[] | undefined,
): void {
  for (const name of names) {
    const value = get(name);
    if (value === undefined) continue;
    into[`http.${type}.header.${name}`] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [value as never];
  }
}

const hookWarned = new Set<string>();

/**
 * An application hook, called so that its exception never reaches Node's HTTP machinery (a
 * channel subscriber's exception becomes an uncaught exception): the span goes on without what
 * the hook would have done, and one diag.warn per hook says so.
 */
export function callHook<A extends unknown[], R>(name: string, hook: (...args: A) => R, ...args: A): R | undefined {
  try {
    return hook(...args);
  } catch (e) {
    if (!hookWarned.has(name)) {
      hookWarned.add(name);
      diag.warn(`@otelkit/instrumentation-http: ${name} threw, the span goes on without it (warned once per hook): ${String(e)}`);
    }
    return undefined;
  }
}
