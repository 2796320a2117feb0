import { expect } from 'chai';
import { MeterProvider, type AnyCell } from '@otelkit/metrics';
import { attributeLabels, attributePairs, joinPairs } from '../src/labels.js';

describe('labels', () => {
  it('the fast path of attributeLabels gives what the general path gives', () => {
    const keys = ['a', 'b', 'route', 'http.method', 'http_method', 'le', '9x', 'Z', '_p', 'otel_scope_name', 'é', 'k__k', '123'];
    const values: unknown[] = ['v', 'q"uo\\te', 'nl\n', 7, 0.25, true, ['x', 'y'], '東京'];
    const mp = new MeterProvider({ cardinalityLimit: 100_000 });
    const counter = mp.getMeter('l').createCounter('c');
    const histogram = mp.getMeter('l').createHistogram('h');
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const attrs: Record<string, unknown> = {};
      const n = rnd(5);
      for (let j = 0; j < n; j++) attrs[keys[rnd(keys.length)]!] = values[rnd(values.length)];
      attrs.id = String(i);
      for (const [inst, histo] of [[counter, false], [histogram, true]] as const) {
        const cell = inst.bind(attrs as never) as unknown as AnyCell;
        const got = attributeLabels(cell.attributes, histo, 'x');
        const pairs = attributePairs(cell.attributes, histo);
        const expected = pairs.some((p) => p.name.startsWith('otel_scope_')) ? { kind: 'scope-colliding', attributeLabels: joinPairs(pairs) } : joinPairs(pairs);
        expect(got, JSON.stringify(attrs)).to.deep.equal(expected);
      }
    }
  });
});
