import { expect } from 'chai';
import type { Attributes } from '@opentelemetry/api';
import { MeterProvider } from '@otelkit/metrics';
import { anyValueLabel } from '../src/any-value-label.js';
import { FORMATS, samples, scrape, withDiag } from './exposition-support.js';

const A = (a: Record<string, unknown>): Attributes => a as Attributes;

// https://opentelemetry.io/docs/specs/otel/common/#anyvalue-representation-for-non-otlp-protocols
describe('AnyValue as a Prometheus label value (common spec: representation for non-OTLP protocols)', () => {
  const table: [what: string, value: unknown, expected: string][] = [
    ['string as-is, not JSON-quoted', 'hello world', 'hello world'],
    ['empty string', '', ''],
    ['boolean', true, 'true'],
    ['integer', -123, '-123'],
    ['float', 3.14159, '3.14159'],
    ['NaN bare', NaN, 'NaN'],
    ['Infinity bare', Infinity, 'Infinity'],
    ['-Infinity bare', -Infinity, '-Infinity'],
    ['byte array Base64, not quoted (spec example)', new TextEncoder().encode('hello world'), 'aGVsbG8gd29ybGQ='],
    ['empty value → empty string', null, ''],
    ['empty array', [], '[]'],
    ['spec array example', [1, -Infinity, 'a', true, { nested: new TextEncoder().encode('hello world') }], '[1,"-Infinity","a",true,{"nested":"aGVsbG8gd29ybGQ="}]'],
    ['empty map', {}, '{}'],
    ['spec map example', { a: -Infinity, b: 2, c: [3, null] }, '{"a":"-Infinity","b":2,"c":[3,null]}'],
    ['map members in sorted key order', { z: 1, a: { y: 2, b: 3 } }, '{"a":{"b":3,"y":2},"z":1}'],
    ['NaN / Infinity in arrays as JSON strings', [NaN, Infinity], '["NaN","Infinity"]'],
    ['strings in arrays JSON-escaped', ['a"b', 'c\\d', 'e\nf'], '["a\\"b","c\\\\d","e\\nf"]'],
    ['undefined in an array → null; in a map → left out', [undefined, { k: undefined, j: null }], '[null,{"j":null}]'],
  ];
  for (const [what, value, expected] of table) {
    it(`${what}: ${expected === '' ? '(empty)' : expected}`, () => {
      expect(anyValueLabel(value)).to.equal(expected);
    });
  }

  for (const format of FORMATS) {
    it(`${format}: maps, byte arrays, nested/mixed arrays are labels; equal content is one sample; a cyclic value is dropped with one warning; valid for ${format === 'text' ? 'promtool' : 'the strict OpenMetrics parser'}`, async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      const m = mp.getMeter('t');
      const c = m.createCounter('requests');
      const h = m.createHistogram('latency', { unit: 's', advice: { explicitBucketBoundaries: [1] } });
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      const { result: out, warnings } = await withDiag(async () => {
        c.add(1, A({ route: '/a', ctx: { user: 'u"1', tags: ['x', 2, null] } }));
        c.add(2, A({ ctx: { tags: ['x', 2, null], user: 'u"1' }, route: '/a' }));
        c.add(4, A({ route: '/b', body: new Uint8Array([0, 255, 10]) }));
        c.add(8, A({ route: '/b', body: Buffer.from([0, 255, 10]) }));
        c.add(16, A({ route: '/c', deep: [[[{ k: 'line\nbreak' }]]] }));
        for (let i = 0; i < 10; i++) c.add(32, A({ route: '/d', bad: cyclic }));
        let deep: unknown = 'leaf';
        for (let i = 0; i < 40; i++) deep = { d: deep };
        c.add(64, A({ route: '/d', bad: deep }));
        h.record(0.5, A({ le: { not: 'a bound' }, ctx: { user: 'u' } }));
        return scrape(format, mp.store);
      });
      const s = samples(out).filter((x) => x.name === 'requests_total');
      expect(s.map((x) => [x.labels, x.value])).to.deep.equal([
        [{ ctx: '{"tags":["x",2,null],"user":"u\\"1"}', otel_scope_name: 't', route: '/a' }, '3'],
        [{ body: 'AP8K', otel_scope_name: 't', route: '/b' }, '12'],
        [{ deep: '[[[{"k":"line\\nbreak"}]]]', otel_scope_name: 't', route: '/c' }, '16'],
        [{ otel_scope_name: 't', route: '/d' }, '384'],
      ]);
      const bucket = samples(out).find((x) => x.name === 'latency_seconds_bucket');
      expect(bucket?.labels).to.include({ ctx: '{"user":"u"}', exported_le: '{"not":"a bound"}' });
      // One warning for the instrument (it names the first bad value's reason), none per call.
      expect(warnings.filter((w) => w.includes('dropped attribute'))).to.have.length(1);
      expect(warnings.filter((w) => w.includes('dropped attribute'))[0]).to.include('(cyclic)');
    });
  }

  for (const format of FORMATS) {
    it(`${format}: the empty value (null) is a series of its own but prints like the set without it: the later series is not exposed, never a duplicate sample`, async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      const c = mp.getMeter('t').createCounter('jobs');
      const { result: out } = await withDiag(async () => {
        c.add(1, A({ q: 'a', owner: null }));
        c.add(2, A({ q: 'a' }));
        return scrape(format, mp.store);
      });
      expect(samples(out).filter((x) => x.name === 'jobs_total').map((x) => [x.labels, x.value])).to.deep.equal([[{ otel_scope_name: 't', q: 'a' }, '1']]);
    });
  }
});
