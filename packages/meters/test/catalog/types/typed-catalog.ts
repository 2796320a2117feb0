// Compile-time checks of the catalog types, run by `tsc` in test/catalog/types.test.ts (and by the
// package typecheck). Each `@ts-expect-error` line must NOT compile: if a wrong attribute value or
// a wrong indicator reference ever type-checks, the directive itself becomes the error.
import type { Meter } from '@opentelemetry/api';
import { createCatalogInstruments, createCoordinatorMeters, defineCatalog, type AttributesOf } from '../../../src/index.js';

export const checkout = defineCatalog({
  id: 'checkout',
  title: 'Checkout',
  instruments: {
    orders: {
      name: 'checkout.orders',
      kind: 'counter',
      unit: '{order}',
      description: 'Orders, by outcome and channel.',
      attributes: { outcome: { values: ['ok', 'failed'] }, channel: { values: 'the sales channel' }, region: { values: ['eu', 'us'], optional: true } },
    },
    duration: { name: 'checkout.duration', kind: 'histogram', unit: 's', description: 'Checkout duration.', boundaries: [0.1, 0.5, 1] },
    backlog: { name: 'checkout.backlog', kind: 'observablegauge', unit: '{order}', description: 'Orders waiting.' },
  },
  requests: [
    { id: 'orders', title: 'Orders', total: { instrument: 'orders' }, errors: { instrument: 'orders', match: { outcome: 'failed' } }, latency: { instrument: 'duration' } },
  ],
});

export const wrongMatchValue = defineCatalog({
  id: 'x',
  title: 'X',
  instruments: { c: { name: 'x.c', kind: 'counter', unit: '1', description: 'd', attributes: { outcome: { values: ['ok', 'failed'] } } } },
  // @ts-expect-error `error` is not an allowed value of `outcome`
  requests: [{ id: 'r', title: 'R', total: { instrument: 'c' }, errors: { instrument: 'c', match: { outcome: 'error' } } }],
});

export const wrongInstrumentKey = defineCatalog({
  id: 'y',
  title: 'Y',
  instruments: { c: { name: 'y.c', kind: 'counter', unit: '1', description: 'd' } },
  // @ts-expect-error `nope` is not an instrument of this catalog
  requests: [{ id: 'r', title: 'R', total: { instrument: 'nope' } }],
});

export function record(meter: Meter): void {
  const m = createCatalogInstruments(meter, checkout);
  m.orders.add(1, { outcome: 'ok', channel: 'web' });
  m.orders.add(1, { outcome: 'failed', channel: 'app', region: 'eu' });
  // @ts-expect-error `error` is not one of 'ok' | 'failed'
  m.orders.add(1, { outcome: 'error', channel: 'web' });
  // @ts-expect-error `outcome` is required (not optional in the catalog)
  m.orders.add(1, { channel: 'web' });
  // @ts-expect-error `asia` is not one of 'eu' | 'us'
  m.orders.add(1, { outcome: 'ok', channel: 'web', region: 'asia' });
  m.duration.record(0.2);
  // @ts-expect-error a histogram has no add()
  m.duration.add(1);
  m.backlog.observe((observe) => observe(3));

  const a: AttributesOf<(typeof checkout)['instruments']['orders']> = { outcome: 'ok', channel: 'x' };
  void a;

  // The meter sets' types come from their catalogs too.
  const c = createCoordinatorMeters(meter);
  c.routing.decision('planner');
  // @ts-expect-error `planer` is not a route of the coordinator catalog
  c.routing.decision('planer');
  // @ts-expect-error dispatch routes are planner | hgnn (the fast path runs in place)
  c.dispatch.dispatch('fast', 'ok');
}
