import { expect } from 'chai';
import { createContextKey, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { getRPCMetadata, isTracingSuppressed, RPCType, suppressTracing } from '@opentelemetry/core';
import { LinkedContext, withServerSpan, withSpan } from '../src/linked-context.js';

/**
 * LinkedContext stands in for the API's BaseContext on the request path: the same answers for any
 * sequence of setValue / deleteValue / getValue, and the keys the API and core read.
 */
describe('LinkedContext', () => {
  const span = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED });

  it('trace.getSpan and core getRPCMetadata read what withServerSpan / withSpan wrote', () => {
    const rpc = { type: RPCType.HTTP, span } as const;
    const ctx = withServerSpan(ROOT_CONTEXT, span, rpc);
    expect(trace.getSpan(ctx)).to.equal(span);
    expect(getRPCMetadata(ctx)).to.equal(rpc);
    expect(trace.getSpan(withSpan(ROOT_CONTEXT, span))).to.equal(span);
    // A route set by a framework on the metadata object is what the instrumentation reads.
    getRPCMetadata(ctx)!.route = '/users/:id';
    expect(rpc).to.have.property('route', '/users/:id');
  });

  it('reads through to the parent (a suppressed-tracing parent stays suppressed), and is immutable', () => {
    const parent = suppressTracing(ROOT_CONTEXT);
    const ctx = withSpan(parent, span);
    expect(isTracingSuppressed(ctx)).to.equal(true);
    const other = trace.wrapSpanContext({ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: TraceFlags.NONE });
    const child = trace.setSpan(ctx, other);
    expect(trace.getSpan(child)).to.equal(other);
    expect(trace.getSpan(ctx)).to.equal(span);
    expect(trace.getSpan(trace.deleteSpan(ctx))).to.equal(undefined);
    expect(trace.getSpan(ctx)).to.equal(span);
  });

  it('answers like BaseContext for 2,000 random sequences of setValue / deleteValue over a few keys', () => {
    const keys = [createContextKey('k1'), createContextKey('k2'), createContextKey('k3'), createContextKey('k4')];
    let seed = 11;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0), seed % n);
    for (let run = 0; run < 2000; run++) {
      // Both start from the same BaseContext parent with a value in it.
      const start = ROOT_CONTEXT.setValue(keys[0]!, 'parent');
      let base: Context = start;
      let linked: Context = new LinkedContext(start, keys[1]!, 'first');
      base = base.setValue(keys[1]!, 'first');
      for (let step = rand(8); step >= 0; step--) {
        const key = keys[rand(keys.length)]!;
        if (rand(3) === 0) {
          base = base.deleteValue(key);
          linked = linked.deleteValue(key);
        } else {
          const value = rand(2) === 0 ? step : undefined;
          base = base.setValue(key, value);
          linked = linked.setValue(key, value);
        }
        for (const k of keys) expect(linked.getValue(k), `run ${run}, step ${step}`).to.equal(base.getValue(k));
      }
    }
  });
});
