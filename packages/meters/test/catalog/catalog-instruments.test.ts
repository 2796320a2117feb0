import { expect } from 'chai';
import { MeterProvider } from '@otelkit/metrics';
import { createCatalogInstruments, defineCatalog, MetersConfigError, observeExporterHealth, OTELKIT_SELF_CATALOG } from '../../src/index.js';
import { captureDiag, histogram, storage, value, values } from '../helpers.js';

const shop = defineCatalog({
  id: 'shop',
  title: 'Shop',
  instruments: {
    orders: {
      name: 'shop.orders',
      kind: 'counter',
      unit: '{order}',
      description: 'Orders, by outcome.',
      attributes: { outcome: { values: ['ok', 'failed'], overflow: 'other' }, channel: { values: 'the sales channel' } },
    },
    strict: { name: 'shop.strict', kind: 'counter', unit: '{x}', description: 'No overflow value.', attributes: { kind: { values: ['a', 'b'] } } },
    duration: { name: 'shop.duration', kind: 'histogram', unit: 's', description: 'Checkout duration.', boundaries: [0.1, 1, 10] },
    stock: { name: 'shop.stock', kind: 'observablegauge', unit: '{item}', description: 'Items in stock.', attributes: { sku: { values: 'the SKU' } } },
  },
});

describe('createCatalogInstruments (a user catalog → typed instruments)', () => {
  it('creates every instrument with the declared name, kind, unit, description and buckets', () => {
    const provider = new MeterProvider();
    createCatalogInstruments(provider.getMeter('shop'), shop);
    expect(provider.store.instruments.map((s) => [s.descriptor.name, s.descriptor.kind, s.descriptor.unit, s.descriptor.description])).to.deep.equal([
      ['shop.orders', 'counter', '{order}', 'Orders, by outcome.'],
      ['shop.strict', 'counter', '{x}', 'No overflow value.'],
      ['shop.duration', 'histogram', 's', 'Checkout duration.'],
      ['shop.stock', 'observablegauge', '{item}', 'Items in stock.'],
    ]);
    expect(storage(provider.store, 'shop.duration').descriptor.boundaries).to.deep.equal([0.1, 1, 10]);
  });

  it('records with the allowed values; an unknown value goes to the overflow value, or is dropped without one — one warning each, never a throw', async () => {
    const provider = new MeterProvider();
    const m = createCatalogInstruments(provider.getMeter('shop'), shop);
    const d = captureDiag();
    try {
      m.orders.add(2, { outcome: 'ok', channel: 'web' });
      const untyped = m.orders as unknown as { add(v: number, a: unknown): void };
      untyped.add(1, { outcome: 'oops', channel: 'web' });
      untyped.add(1, { outcome: 'again', channel: 'web' });
      (m.strict as unknown as { add(v: number, a: unknown): void }).add(5, { kind: 'zzz' });
      m.strict.add(1, { kind: 'a' });
      untyped.add(Number.NaN, { outcome: 'ok', channel: 'web' });
      m.duration.record(0.5);
      m.stock.observe((observe) => {
        observe(7, { sku: 'A-1' });
      });
      m.stock.observe(() => {
        throw new Error('stock service down');
      });
      await provider.store.observe();
    } finally {
      d.restore();
    }
    expect(value(provider.store, 'shop.orders', { outcome: 'ok', channel: 'web' })).to.equal(2);
    expect(value(provider.store, 'shop.orders', { outcome: 'other', channel: 'web' })).to.equal(2);
    expect(values(provider.store, 'shop.strict')).to.deep.equal([[{ kind: 'a' }, 1]]);
    expect(histogram(provider.store, 'shop.duration', {})!.count).to.equal(1);
    expect(value(provider.store, 'shop.stock', { sku: 'A-1' })).to.equal(7);
    expect(d.messages.filter((x) => x.includes('shop.orders: attribute "outcome"'))).to.have.length(1);
    expect(d.messages.filter((x) => x.includes('shop.strict') && x.includes('dropped'))).to.have.length(1);
    expect(d.messages.filter((x) => x.includes('not a finite number'))).to.have.length(1);
    expect(d.messages.filter((x) => x.includes('stock service down'))).to.have.length(1);
  });

  it('throws a MetersConfigError naming the field for a bad catalog or meter', () => {
    const provider = new MeterProvider();
    const bad = { ...shop, instruments: { ...shop.instruments, orders: { ...shop.instruments.orders, unit: 7 } } };
    expect(() => createCatalogInstruments(provider.getMeter('x'), bad as never)).to.throw(MetersConfigError, /instruments\.orders\.unit must be a UCUM unit string/);
    expect(() => createCatalogInstruments(null as never, shop)).to.throw(MetersConfigError, /meter must be a Meter/);
  });
});

describe('observeExporterHealth (the otelkit catalog)', () => {
  it('observes each exporter once per collection: exports by outcome, retries, dropped points, consecutive failures; the Pushgateway by pushes', async () => {
    const provider = new MeterProvider();
    let health: Record<string, object> = { 'otlp-metrics': { exports: 5, failures: 2, retries: 3, droppedDataPoints: 40, consecutiveFailures: 2 } };
    let reads = 0;
    const stop = observeExporterHealth(provider.getMeter('otelkit'), () => {
      reads++;
      return health;
    });
    await provider.store.observe();
    expect(reads).to.equal(1);
    const I = OTELKIT_SELF_CATALOG.instruments;
    expect(value(provider.store, I.exporterExports.name, { exporter: 'otlp-metrics', outcome: 'success' })).to.equal(3);
    expect(value(provider.store, I.exporterExports.name, { exporter: 'otlp-metrics', outcome: 'failure' })).to.equal(2);
    expect(value(provider.store, I.exporterRetries.name, { exporter: 'otlp-metrics' })).to.equal(3);
    expect(value(provider.store, I.exporterDroppedDataPoints.name, { exporter: 'otlp-metrics' })).to.equal(40);
    expect(value(provider.store, I.exporterConsecutiveFailures.name, { exporter: 'otlp-metrics' })).to.equal(2);
    health = { 'otlp-metrics': { exports: 6, failures: 2, retries: 3, droppedDataPoints: 40, consecutiveFailures: 0 }, pushgateway: { pushes: 4, deletes: 1, failures: 1 } };
    await provider.store.observe();
    expect(value(provider.store, I.exporterConsecutiveFailures.name, { exporter: 'otlp-metrics' })).to.equal(0);
    expect(value(provider.store, I.exporterExports.name, { exporter: 'pushgateway', outcome: 'success' })).to.equal(5);
    expect(value(provider.store, I.exporterExports.name, { exporter: 'pushgateway', outcome: 'failure' })).to.equal(1);
    stop();
    await provider.store.observe();
    expect(reads).to.equal(2);
  });
});
