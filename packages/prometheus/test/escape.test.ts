import { expect } from 'chai';
import { attributeNumber, escapeHelp, escapeLabelValue, formatValue, goFloat, openMetricsFloat } from '../src/escape.js';

describe('escape and number formatting', () => {
  it('escapes label values: backslash, double quote, newline', () => {
    expect(escapeLabelValue('plain')).to.equal('plain');
    expect(escapeLabelValue('a\\b"c\nd')).to.equal('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('tab\tand é')).to.equal('tab\tand é');
  });

  it('escapes HELP: quotes only in OpenMetrics, CR never survives', () => {
    expect(escapeHelp('a\\b"c\nd\re', false)).to.equal('a\\\\b"c\\nd e');
    expect(escapeHelp('a\\b"c\nd\re', true)).to.equal('a\\\\b\\"c\\nd e');
  });

  it('formats floats like Go strconv.FormatFloat(f, \'g\', -1, 64)', () => {
    const table: [number, string][] = [
      [0, '0'], [-0, '0'], [1, '1'], [-1, '-1'], [0.1, '0.1'], [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e-7, '1.5e-07'],
      [123456, '123456'], [999999, '999999'], [1e6, '1e+06'], [1234567, '1.234567e+06'], [1e21, '1e+21'], [1.7976931348623157e308, '1.7976931348623157e+308'],
      [5e-324, '5e-324'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [-0.25, '-0.25'],
    ];
    for (const [v, s] of table) expect(goFloat(v), String(v)).to.equal(s);
  });

  it('formats OpenMetrics canonical floats', () => {
    const table: [number, string][] = [[0, '0.0'], [1, '1.0'], [10, '10.0'], [0.25, '0.25'], [1e-5, '1e-05'], [1e6, '1e+06'], [Infinity, '+Inf'], [100000, '100000.0']];
    for (const [v, s] of table) expect(openMetricsFloat(v), String(v)).to.equal(s);
  });

  it('formats sample values', () => {
    expect([1, 0.5, -3, 1e21, NaN, Infinity, -Infinity].map(formatValue)).to.deep.equal(['1', '0.5', '-3', '1e+21', 'NaN', '+Inf', '-Inf']);
  });

  it('formats number attributes positionally like pcommon AsString', () => {
    expect([42, 0.5, 1e-7, -2.5e-8, 1e21, 1.5e22, 123.456].map(attributeNumber)).to.deep.equal([
      '42', '0.5', '0.0000001', '-0.000000025', '1000000000000000000000', '15000000000000000000000', '123.456',
    ]);
  });
});
