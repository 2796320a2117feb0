import { context, trace, TraceFlags, type Span, type SpanStatus, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { expect } from 'chai';
import { MeterProvider } from '@otelkit/metrics';
import { createServiceHealthMeters, MetersConfigError } from '../../src/index.js';
import { captureDiag, histogram, value } from '../helpers.js';

describe('instrumentLoop', () => {
  it('runs cycles with a pause between them, records each, keeps going after errors, stops cleanly', async () => {
    const provider = new MeterProvider();
    const h = createServiceHealthMeters(provider.getMeter('w'), { service: 'evaluator' });
    let n = 0;
    const errors: unknown[] = [];
    const loop = h.instrumentLoop(
      'evaluate',
      async () => {
        n++;
        if (n % 3 === 0) throw new RangeError(`cycle ${n}`);
      },
      { intervalMs: 5, onError: (e) => errors.push(e) },
    );
    while (n < 9) await new Promise((r) => setTimeout(r, 5));
    await loop.stop();
    const ran = n;
    await new Promise((r) => setTimeout(r, 30));
    expect(n, 'no cycle after stop').to.equal(ran);
    const cell = histogram(provider.store, 'processing.duration', { service: 'evaluator', operation: 'evaluate' })!;
    expect(cell.count).to.equal(ran);
    const failures = Math.floor(ran / 3);
    expect(errors).to.have.length(failures);
    expect(value(provider.store, 'processing.cycles', { service: 'evaluator', operation: 'evaluate', outcome: 'failure' })).to.equal(failures);
    expect(value(provider.store, 'processing.cycles', { service: 'evaluator', operation: 'evaluate', outcome: 'success' })).to.equal(ran - failures);
    expect(value(provider.store, 'processing.errors', { service: 'evaluator', operation: 'evaluate', 'error.type': 'RangeError' })).to.equal(failures);
  });

  it('stops on an abort signal, even in the middle of a long pause; the cycle gets the signal', async () => {
    const provider = new MeterProvider();
    const h = createServiceHealthMeters(provider.getMeter('w'), { service: 's' });
    const ac = new AbortController();
    let seen: AbortSignal | undefined;
    const loop = h.instrumentLoop('poll', (signal) => {
      seen = signal;
    }, { intervalMs: 60_000, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    ac.abort();
    await loop.done;
    expect(Date.now() - t0).to.be.below(1000);
    expect(seen!.aborted).to.equal(true);
    expect(histogram(provider.store, 'processing.duration', { service: 's', operation: 'poll' })!.count).to.equal(1);
  });

  it('an onError that throws is swallowed with one warning; the loop goes on', async () => {
    const d = captureDiag();
    try {
      const provider = new MeterProvider();
      const h = createServiceHealthMeters(provider.getMeter('w'), { service: 's' });
      let n = 0;
      const loop = h.instrumentLoop('x', () => {
        n++;
        throw new Error('always');
      }, {
        intervalMs: 1,
        onError: () => {
          throw new Error('logger broke');
        },
      });
      while (n < 5) await new Promise((r) => setTimeout(r, 2));
      await loop.stop();
      expect(d.messages.filter((m) => m.includes('logger broke'))).to.have.length(1);
      expect(value(provider.store, 'processing.cycles', { service: 's', operation: 'x', outcome: 'failure' })).to.equal(n);
    } finally {
      d.restore();
    }
  });

  it('rejects a bad interval or callback at start', () => {
    const h = createServiceHealthMeters(new MeterProvider().getMeter('w'), { service: 's' });
    expect(() => h.instrumentLoop('x', () => {}, { intervalMs: -1 })).to.throw(MetersConfigError, /options\.intervalMs/);
    expect(() => h.instrumentLoop('x', () => {}, { intervalMs: NaN })).to.throw(MetersConfigError, /options\.intervalMs/);
    expect(() => h.instrumentLoop('x', 'nope' as never)).to.throw(MetersConfigError, /fn must be a function/);
  });

  describe('with a tracer', () => {
    before(() => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    });
    after(() => {
      context.disable();
    });

    /** A tracer whose spans are sampled and remember how they ended. */
    function recordingTracer(): { tracer: Tracer; spans: { name: string; traceId: string; status?: SpanStatus; ended: boolean }[] } {
      const spans: { name: string; traceId: string; status?: SpanStatus; ended: boolean }[] = [];
      const tracer = {
        startSpan: () => {
          throw new Error('not used');
        },
        startActiveSpan: (name: string, ...args: unknown[]) => {
          const fn = args[args.length - 1] as (span: Span) => unknown;
          const traceId = (spans.length + 1).toString(16).padStart(32, '0');
          const record: { name: string; traceId: string; status?: SpanStatus; ended: boolean } = { name, traceId, ended: false };
          spans.push(record);
          const inner = trace.wrapSpanContext({ traceId, spanId: '00000000000000aa', traceFlags: TraceFlags.SAMPLED });
          const span = Object.assign(Object.create(inner) as Span, {
            setStatus: (st: SpanStatus) => ((record.status = st), span),
            recordException: () => undefined,
            end: () => void (record.ended = true),
          });
          return context.with(trace.setSpan(context.active(), span), () => fn(span));
        },
      } as unknown as Tracer;
      return { tracer, spans };
    }

    it('runs each cycle in its own span and records its duration inside it: the histogram gets exemplars', async () => {
      const provider = new MeterProvider();
      const h = createServiceHealthMeters(provider.getMeter('w'), { service: 'evaluator' });
      const { tracer, spans } = recordingTracer();
      let n = 0;
      const loop = h.instrumentLoop(
        'evaluate',
        async () => {
          n++;
          await new Promise((r) => setTimeout(r, 1));
          if (n === 2) throw new RangeError('cycle 2');
        },
        { intervalMs: 1, tracer, onError: () => undefined },
      );
      while (n < 4) await new Promise((r) => setTimeout(r, 2));
      await loop.stop();
      expect(spans.length).to.equal(n);
      expect(spans.every((s) => s.name === 'evaluate' && s.ended)).to.equal(true);
      expect(spans[1]!.status).to.deep.include({ code: 2, message: 'cycle 2' });
      expect(spans[0]!.status).to.equal(undefined);
      const cell = histogram(provider.store, 'processing.duration', { service: 'evaluator', operation: 'evaluate' })!;
      expect(cell.count).to.equal(n);
      const ids = (cell.exemplars?.contexts ?? []).filter((c) => c !== undefined).map((c) => c!.traceId);
      expect(ids.length, 'exemplars kept').to.be.greaterThan(0);
      for (const id of ids) expect(spans.map((s) => s.traceId)).to.include(id);
    });

    it('without a tracer a span started inside the cycle has ended before the duration is recorded: no exemplar', async () => {
      const provider = new MeterProvider();
      const h = createServiceHealthMeters(provider.getMeter('w'), { service: 'evaluator' });
      const { tracer } = recordingTracer();
      let n = 0;
      const loop = h.instrumentLoop('evaluate', () => tracer.startActiveSpan('inner', async (span: Span) => {
        n++;
        await new Promise((r) => setTimeout(r, 1));
        span.end();
      }), { intervalMs: 1 });
      while (n < 3) await new Promise((r) => setTimeout(r, 2));
      await loop.stop();
      expect(histogram(provider.store, 'processing.duration', { service: 'evaluator', operation: 'evaluate' })!.exemplars).to.equal(undefined);
    });

    it('a tracer that is not a Tracer is a MetersConfigError naming options.tracer', () => {
      const h = createServiceHealthMeters(new MeterProvider().getMeter('w'), { service: 's' });
      expect(() => h.instrumentLoop('x', () => undefined, { tracer: {} as Tracer })).to.throw(MetersConfigError, /options\.tracer/);
    });
  });
});
