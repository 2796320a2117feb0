import { expect } from 'chai';
import { measure } from '../src/index.js';

describe('measure', () => {
  it('keeps a synchronous call synchronous and reports its duration once', () => {
    const calls: [number, boolean][] = [];
    const r = measure(() => 'v', (s, failed) => calls.push([s, failed]));
    expect(r).to.equal('v');
    expect(calls).to.have.length(1);
    expect(calls[0]![0]).to.be.within(0, 0.05);
    expect(calls[0]![1]).to.equal(false);
  });

  it('measures a promise until it settles and passes its rejection through unchanged', async () => {
    const calls: [number, boolean, unknown][] = [];
    const err = new Error('late');
    const p = measure(
      () => new Promise((_, reject) => setTimeout(() => reject(err), 25)),
      (s, failed, e) => calls.push([s, failed, e]),
    );
    expect(calls).to.have.length(0);
    let caught: unknown;
    await p.catch((e: unknown) => (caught = e));
    expect(caught).to.equal(err);
    expect(calls[0]![0]).to.be.within(0.02, 1);
    expect(calls[0]!.slice(1)).to.deep.equal([true, err]);
  });

  it('reports a synchronous throw and rethrows it', () => {
    const err = new TypeError('now');
    let failed: boolean | undefined;
    expect(() => measure(() => { throw err; }, (_s, f) => (failed = f))).to.throw(err);
    expect(failed).to.equal(true);
  });
});
