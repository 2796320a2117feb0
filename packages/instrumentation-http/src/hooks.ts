import { diag, type Attributes } from '@opentelemetry/api';

/*
 * What the server and node:http client instrumentations share for instrumentation-http's hooks
 * and header capture.
 */

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
