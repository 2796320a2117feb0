import { expect } from 'chai';
import { redactQuery } from '../src/request-target.js';
import { DEFAULT_REDACTED_QUERY_PARAMS } from '../src/semconv.js';

/**
 * redactQuery's shortcut (a query URLSearchParams would write back unchanged is returned as is)
 * gives exactly what URLSearchParams gives, as instrumentation-http computes `url.query`.
 */
function reference(query: string, redact: readonly string[]): string {
  const params = new URLSearchParams(query);
  for (const name of redact) if (params.has(name)) params.set(name, 'REDACTED');
  return params.toString();
}

describe('redactQuery equals URLSearchParams re-serialization', () => {
  const fixed = [
    'page=2', 'page=2&sort=name', 'a=1&b=2&c=3', 'a', 'a&b', 'a=', '=a', 'a=1&&b=2', '&a=1', 'a=1&', 'a=b=c', 'a=1&a=2',
    'q=a+b', 'q=a%20b', 'q=a b', 'q=%7E', 'q=~', 'x=1,2', 'p=/a/b', 'u=caf%C3%A9', 'u=café', 'k=*-._', 'k=!', "k='", 'k=(1)',
    'fields=name,price', 'a=b=c&d', 'q=[1]&r={x}', 'p=a|b^c`d', '=&=', '&&&', 'k=~!$\'()*', 'a=1&b', 'x=a;b:c/d?e@f',
    'sig=secret', 'x=1&sig=secret', 'signal=1', 'X-Amz-Signature=abc&X-Amz-Credential=d', 'AWSAccessKeyId=1', 'q=sig', 'sigx=1',
  ];
  it('on hand-picked queries', () => {
    for (const q of fixed) expect(redactQuery(q, DEFAULT_REDACTED_QUERY_PARAMS), q).to.equal(reference(q, DEFAULT_REDACTED_QUERY_PARAMS));
  });
  it('on 20,000 random queries over an alphabet of separators, escapes, safe and unsafe characters', () => {
    const alphabet = ['a', 'b', 'Z', '0', '9', '=', '&', '+', '%20', '%', '*', '-', '.', '_', '~', '/', ':', ',', ' ', 'é', 'sig', 'Signature', '[', '|', '"', '\'', '!', '?', '#', '@', ';', '$'];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0), seed % n);
    for (let i = 0; i < 20_000; i++) {
      let q = '';
      for (let k = rand(12); k >= 0; k--) q += alphabet[rand(alphabet.length)];
      expect(redactQuery(q, DEFAULT_REDACTED_QUERY_PARAMS), q).to.equal(reference(q, DEFAULT_REDACTED_QUERY_PARAMS));
    }
  });
});
