import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '../../src/index.js';

/*
 * Regression (found measuring issue 14's exemplar path): an exemplar kept the span context of its
 * measurement as it came, and ids cut from a larger string — otelkit's FastIdGenerator slices
 * them from a 4 KiB hex pool — are views into it for V8: every kept exemplar pinned a whole pool.
 * A reservoir slot is replaced rarely, so a service with many histogram series kept many pools
 * alive. The reservoir now keeps ids that own their characters (span-ids.ts, detachedSpanContext).
 *
 * Here: 200 series each keep the exemplar of a span whose ids are slices of its own 256 KiB
 * string (50 MiB in all); once those strings are unreachable, a full GC must give them back.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const POOL_CHARS = 256 * 1024;
const SERIES = 200;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('regression: exemplars pinned the string their span ids were cut from', () => {
  before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  after(() => context.disable());

  it('200 kept exemplars whose ids were slices of 256 KiB strings retain far less than those strings', () => {
    const provider = new MeterProvider();
    const h = provider.getMeter('t').createHistogram('pinned', { advice: { explicitBucketBoundaries: [1] } });
    const before = heapAfterGc();
    (function recordInSlicedSpans() {
      for (let i = 0; i < SERIES; i++) {
        // A fresh pool per span, as the id generator's pool is refilled: hex characters, then ids cut from it.
        const pool = (i.toString(16).padStart(8, '0') + 'abcdef0123456789').repeat(POOL_CHARS / 24);
        const sc = { traceId: pool.slice(8, 40), spanId: pool.slice(40, 56), traceFlags: TraceFlags.SAMPLED };
        context.with(trace.setSpan(context.active(), trace.wrapSpanContext(sc)), () => h.record(0.5, { series: String(i) }));
      }
    })();
    const retained = heapAfterGc() - before;
    // Pinned: ≥ 200 × 256 KiB = 50 MiB. Detached: the series, cells and 200 small id copies (< 5 MiB).
    expect(retained, `${(retained / 1048576).toFixed(1)} MiB retained`).to.be.lessThan(5 * 1024 * 1024);
    // The exemplars are still there, with the ids they were given.
    let exemplars = 0;
    provider.store.collectSync((view) => {
      for (const s of view.instruments) for (const c of s.cells as { exemplars?: { contexts: ({ traceId: string } | undefined)[] } }[]) {
        const sc = c.exemplars?.contexts[0];
        if (sc !== undefined) {
          expect(sc.traceId).to.match(/^[0-9a-f]{32}$/);
          exemplars++;
        }
      }
    });
    expect(exemplars).to.equal(SERIES);
  });
});
