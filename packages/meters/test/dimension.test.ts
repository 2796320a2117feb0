import { expect } from 'chai';
import { WarnOnce } from '@otelkit/metrics';
import { describeValue } from '@otelkit/metrics';
import { Dimension, mapIndex, OpenDimension } from '../src/dimension.js';
import { captureDiag } from './helpers.js';

describe('Dimension / OpenDimension', () => {
  it('Dimension makes every allowed handle up front and "other" only when first needed', () => {
    const made: string[] = [];
    const d = new Dimension(new WarnOnce('t'), 'm', 'k', ['a', 'b'], mapIndex(['a', 'b']), (v) => (made.push(v), v.toUpperCase()));
    expect(made).to.deep.equal(['a', 'b']);
    expect(d.get('b')).to.equal('B');
    expect(d.get('zzz' as never)).to.equal('OTHER');
    expect(d.get('yyy' as never)).to.equal('OTHER');
    expect(made).to.deep.equal(['a', 'b', 'other']);
  });

  it('OpenDimension keeps the first `limit` names, then falls back; non-strings and the fallback name share one handle', () => {
    const d = captureDiag();
    try {
      const made: string[] = [];
      const o = new OpenDimension(new WarnOnce('t'), 'm', 'op', 2, (v) => (made.push(v), v), '_OTHER');
      expect([o.get('x'), o.get('y'), o.get('z'), o.get('x'), o.get('_OTHER'), o.get(7 as never), o.get('' as never), o.get('q'.repeat(256))]).to.deep.equal([
        'x', 'y', '_OTHER', 'x', '_OTHER', '_OTHER', '_OTHER', '_OTHER',
      ]);
      expect(made).to.deep.equal(['x', 'y', '_OTHER']);
      expect(d.messages).to.have.length(2); // limit reached; not a usable string
    } finally {
      d.restore();
    }
  });

  it('describeValue bounds what reaches the log and never calls user code', () => {
    let called = false;
    const hostile = {
      toString() {
        called = true;
        return 'x';
      },
    };
    expect(describeValue('a'.repeat(100))).to.equal(JSON.stringify('a'.repeat(64) + '…'));
    expect(describeValue(hostile)).to.equal('object');
    expect(describeValue(Symbol('s'))).to.equal('symbol');
    expect(describeValue(NaN)).to.equal('number NaN');
    expect(describeValue(null)).to.equal('null');
    expect(called).to.equal(false);
  });
});
