import { expect } from 'chai';
import { acceptsGzip, contentTypeOf, negotiate } from '../src/index.js';

describe('negotiate', () => {
  const table: [accept: string | undefined, expected: 'text' | 'openmetrics', why: string][] = [
    [undefined, 'text', 'no header'],
    ['', 'text', 'empty header'],
    ['*/*', 'text', 'anything'],
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'openmetrics',
      'Prometheus 2.42 scrape',
    ],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics', 'OpenMetrics 1.0.0 by name'],
    ['application/openmetrics-text;version=0.0.1', 'openmetrics', 'OpenMetrics 0.0.1 is served as 1.0.0'],
    ['application/openmetrics-text', 'openmetrics', 'no version'],
    ['application/openmetrics-text;version=2.0.0', 'text', 'an unknown OpenMetrics version'],
    ['text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5', 'text', 'q weights decide'],
    ['application/openmetrics-text;q=0.3,text/plain;q=0.7', 'text', 'q weights decide (reversed order)'],
    ['text/plain;q=0.3,application/openmetrics-text;q=0.7', 'openmetrics', 'higher q for OpenMetrics'],
    ['application/openmetrics-text;q=0', 'text', 'q=0 refuses'],
    ['application/openmetrics-text, text/plain', 'openmetrics', 'equal q: first listed'],
    ['text/plain, application/openmetrics-text', 'text', 'equal q: first listed'],
    ['application/*', 'openmetrics', 'application/* covers OpenMetrics'],
    ['text/*;q=0.2, application/*;q=0.1', 'text', 'wildcard subtypes with q'],
    ['application/json', 'text', 'nothing acceptable falls back to text'],
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3', 'text', 'protobuf is not offered'],
    ['APPLICATION/OpenMetrics-Text; VERSION="1.0.0"', 'openmetrics', 'case-insensitive, quoted parameter'],
    ['garbage;;;==,,', 'text', 'unparseable'],
  ];
  for (const [accept, expected, why] of table) {
    it(`${JSON.stringify(accept)} → ${expected} (${why})`, () => expect(negotiate(accept)).to.equal(expected));
  }

  it('gives the content types with version and charset', () => {
    expect(contentTypeOf('text')).to.equal('text/plain; version=0.0.4; charset=utf-8');
    expect(contentTypeOf('openmetrics')).to.equal('application/openmetrics-text; version=1.0.0; charset=utf-8');
  });

  it('accepts gzip when Accept-Encoding allows it', () => {
    const table: [string | undefined, boolean][] = [
      [undefined, false],
      ['', false],
      ['gzip', true],
      ['gzip, deflate, br', true],
      ['identity', false],
      ['gzip;q=0', false],
      ['*', true],
      ['*;q=0', false],
      ['*, gzip;q=0', false],
      ['x-gzip', true],
      ['br;q=1.0, GZIP;q=0.5', true],
    ];
    for (const [h, expected] of table) expect(acceptsGzip(h), String(h)).to.equal(expected);
  });
});
