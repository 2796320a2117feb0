import { expect } from 'chai';
import { groupingPath } from '../src/grouping-key.js';
import { PushgatewayConfigError } from '../src/pushgateway-errors.js';

function configError(fn: () => unknown): PushgatewayConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(PushgatewayConfigError);
    return e as PushgatewayConfigError;
  }
  throw new Error('expected a PushgatewayConfigError');
}

describe('grouping-key', () => {
  it('writes plain values as they are, in the order given', () => {
    expect(groupingPath('batch')).to.equal('/metrics/job/batch');
    expect(groupingPath('batch', { instance: 'w-3', shard: '7' })).to.equal('/metrics/job/batch/instance/w-3/shard/7');
  });

  it('uses the @base64 form (URL-safe, padded) for "/" and anything but unreserved characters', () => {
    expect(groupingPath('batch', { path: '/var/lib' })).to.equal('/metrics/job/batch/path@base64/L3Zhci9saWI=');
    expect(groupingPath('a/b')).to.equal('/metrics/job@base64/YS9i');
    // Standard base64 of "ab?" is "YWI/": the URL-safe alphabet keeps the "/" out of the path.
    expect(groupingPath('j', { v: 'ab?' })).to.equal('/metrics/job/j/v@base64/YWI_');
    // Dot-segments would be removed by URL resolution (RFC 3986 §5.2.4).
    for (const v of ['a b', '%2F', 'ü', '?', '#', '..', '.', 'a/b/c']) {
      const encoded = /\/v@base64\/([A-Za-z0-9_=-]+)$/.exec(groupingPath('j', { v }))?.[1];
      expect(encoded, v).to.be.a('string');
      expect(Buffer.from(encoded!, 'base64url').toString('utf8'), v).to.equal(v);
    }
    expect(groupingPath('j', { v: '...' })).to.equal('/metrics/job/j/v/...');
  });

  it('writes an empty value as "@base64/=" (the form the Pushgateway documents)', () => {
    expect(groupingPath('j', { a: '', b: 'x' })).to.equal('/metrics/job/j/a@base64/=/b/x');
  });

  it('refuses an empty job, bad label names, a "job" label and non-string values', () => {
    expect(configError(() => groupingPath('')).field).to.equal('job');
    expect(configError(() => groupingPath('j', { 'bad-name': 'x' })).field).to.equal('groupingLabels.bad-name');
    expect(configError(() => groupingPath('j', { __meta: 'x' })).message).to.contain('no "__" prefix');
    expect(configError(() => groupingPath('j', { '1st': 'x' })).message).to.contain('e.g. "instance"');
    expect(configError(() => groupingPath('j', { job: 'x' })).field).to.equal('groupingLabels.job');
    expect(configError(() => groupingPath('j', { n: 3 as unknown as string })).field).to.equal('groupingLabels.n');
  });
});
