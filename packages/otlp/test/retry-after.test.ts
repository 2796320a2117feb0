import { expect } from 'chai';
import { parseRetryAfter } from '../src/index.js';

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');
  it('delta-seconds', () => {
    expect(parseRetryAfter('0', now)).to.equal(0);
    expect(parseRetryAfter('120', now)).to.equal(120_000);
    expect(parseRetryAfter([' 3 '], now)).to.equal(3000);
  });
  it('HTTP-date, a past date meaning now', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:47 GMT', now)).to.equal(10_000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:40:00 GMT', now)).to.equal(0);
  });
  it('absent or unparseable: undefined (the exporter falls back to its backoff)', () => {
    expect(parseRetryAfter(undefined, now)).to.equal(undefined);
    expect(parseRetryAfter('', now)).to.equal(undefined);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
    expect(parseRetryAfter('-5', now)).to.equal(undefined);
  });
});
