import { createContextKey, type Context, type Span } from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';

/**
 * The keys `trace.setSpan` and core's `setRPCMetadata` write: `createContextKey()` is
 * `Symbol.for(description)`, the API's cross-copy contract, so these are the same symbols
 * (test/linked-context.test.ts reads them back with `trace.getSpan` and `getRPCMetadata`).
 */
const SPAN_KEY = createContextKey('OpenTelemetry Context Key SPAN');
const RPC_METADATA_KEY = createContextKey('OpenTelemetry SDK Context Key RPC_METADATA');

/**
 * An immutable context that adds one value to a parent context: the API's `Context` interface,
 * implemented as a link instead of the API's `BaseContext`, whose every `setValue` copies a `Map`
 * (two per server request — the span and the RPC metadata — ~200 ns against ~11 ns for two links,
 * bench/NOTES.md). `getValue` walks the links to the first context that is not one and asks it;
 * `setValue` / `deleteValue` add a link (a deleted key reads `undefined`, as in `BaseContext`).
 * Contexts are short chains (a request's, plus what the application adds), so a read stays a few
 * compares.
 */
export class LinkedContext implements Context {
  private readonly parent: Context;
  private readonly key: symbol;
  private readonly value: unknown;

  constructor(parent: Context, key: symbol, value: unknown) {
    this.parent = parent;
    this.key = key;
    this.value = value;
  }

  getValue(key: symbol): unknown {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let c: Context = this;
    while (c instanceof LinkedContext) {
      if (c.key === key) return c.value;
      c = c.parent;
    }
    return c.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new LinkedContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new LinkedContext(this, key, undefined);
  }
}

/**
 * An empty context whose `setValue` makes links: what a propagator's `extract` is given, so that
 * the remote parent it finds (`trace.setSpanContext`) and the baggage are links too. It answers
 * every key like `ROOT_CONTEXT` (undefined); `deleteValue` returns it unchanged.
 */
class LinkedRoot implements Context {
  getValue(_key: symbol): unknown {
    return undefined;
  }

  setValue(key: symbol, value: unknown): Context {
    return new LinkedContext(this, key, value);
  }

  deleteValue(_key: symbol): Context {
    return this;
  }
}

export const LINKED_ROOT: Context = new LinkedRoot();

/** `trace.setSpan(parent, span)`, as a link. */
export function withSpan(parent: Context, span: Span): Context {
  return new LinkedContext(parent, SPAN_KEY, span);
}

/** `setRPCMetadata(trace.setSpan(parent, span), rpc)`, as two links. */
export function withServerSpan(parent: Context, span: Span, rpc: RPCMetadata): Context {
  return new LinkedContext(new LinkedContext(parent, SPAN_KEY, span), RPC_METADATA_KEY, rpc);
}
