import { expect } from 'chai';
import { createContextKey, propagation, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { CompositePropagator, getRPCMetadata, isTracingSuppressed, RPCType, suppressTracing, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { LINKED_ROOT, LinkedContext, withServerSpan, withSpan } from '../src/linked-context.js';

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

  it('LINKED_ROOT: the W3C propagators extract the same remote parent and baggage from it as from ROOT_CONTEXT', () => {
    const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
    const carriers = [
      {},
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'rojo=00f067aa0ba902b7' },
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00', baggage: 'user=alice,tier=gold' },
      { traceparent: 'garbage', baggage: 'k=v' },
    ];
    for (const carrier of carriers) {
      const fromRoot = propagator.extract(ROOT_CONTEXT, carrier, { get: (c, k) => (c as Record<string, string>)[k], keys: (c) => Object.keys(c as object) });
      const fromLinked = propagator.extract(LINKED_ROOT, carrier, { get: (c, k) => (c as Record<string, string>)[k], keys: (c) => Object.keys(c as object) });
      expect(trace.getSpanContext(fromLinked), JSON.stringify(carrier)).to.deep.equal(trace.getSpanContext(fromRoot));
      expect(propagation.getBaggage(fromLinked)?.getAllEntries(), JSON.stringify(carrier)).to.deep.equal(propagation.getBaggage(fromRoot)?.getAllEntries());
    }
    expect(trace.getSpan(LINKED_ROOT)).to.equal(undefined);
    expect(LINKED_ROOT.deleteValue(createContextKey('x'))).to.equal(LINKED_ROOT);
  });

  it('answers like BaseContext for 2,000 random sequences of setValue / deleteValue over a few keys', () => {
    const keys = [createContextKey('k1'), createContextKey('k2'), createContextKey('k3'), createContextKey('k4')];
    let seed = 11;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0), seed % n);
    for (let run = 0; run < 2000; run++) {
      // Both start with a value in them: BaseContext from ROOT_CONTEXT, links from a BaseContext parent or from LINKED_ROOT.
      const start = ROOT_CONTEXT.setValue(keys[0]!, 'parent');
      let base: Context = start;
      let linked: Context = run % 2 === 0 ? new LinkedContext(start, keys[1]!, 'first') : LINKED_ROOT.setValue(keys[0]!, 'parent').setValue(keys[1]!, 'first');
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
