import { expect } from 'chai';
import { EXEMPLAR_LABEL_BUDGET, exemplarLabelSet } from '../src/index.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

/** Code points of names and values in a `{a="b",…}` label set (escapes counted as the characters they stand for). */
function budgetUsed(set: string): number {
  let n = 0;
  for (const m of set.slice(1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) n += [...m[1]!].length + [...m[2]!.replace(/\\(.)/g, '$1')].length;
  return n;
}

describe('exemplarLabelSet', () => {
  it('writes trace_id and span_id', () => {
    expect(exemplarLabelSet(TRACE, SPAN)).to.equal(`{trace_id="${TRACE}",span_id="${SPAN}"}`);
  });

  it('writes {} when the ids are missing, all-zero or malformed', () => {
    for (const [t, s] of [
      ['', ''],
      ['00000000000000000000000000000000', SPAN],
      [TRACE, '0000000000000000'],
      [TRACE.toUpperCase(), SPAN],
      [TRACE.slice(1), SPAN],
      [TRACE, SPAN + '0'],
      ['zz' + TRACE.slice(2), SPAN],
    ]) {
      expect(exemplarLabelSet(t!, s!), `${t} ${s}`).to.equal('{}');
    }
  });

  it(`keeps extra labels only while the set stays within ${EXEMPLAR_LABEL_BUDGET} code points, ids first`, () => {
    const set = exemplarLabelSet(TRACE, SPAN, { 'a.key': 'x'.repeat(40), b: 'é'.repeat(30), c: 'y', trace_id: 'spoofed', z: '😀'.repeat(10) });
    // ids: 63 code points; a_key: 45 → 108; b: 31 → 139 > 128 dropped; c: 2 → 110; trace_id: dropped (ids win); z: 11 → 121.
    expect(set).to.equal(`{trace_id="${TRACE}",span_id="${SPAN}",a_key="${'x'.repeat(40)}",c="y",z="${'😀'.repeat(10)}"}`);
    expect(budgetUsed(set)).to.equal(121);
  });

  it('never exceeds the budget whatever it is given', () => {
    for (let n = 0; n < 200; n += 7) {
      const attrs: Record<string, string> = {};
      for (let i = 0; i < 10; i++) attrs[`k${i}`] = 'v\\"'.repeat(n % 13) + 'ü'.repeat(i * 3);
      for (const ids of [[TRACE, SPAN], ['', '']]) expect(budgetUsed(exemplarLabelSet(ids[0]!, ids[1]!, attrs))).to.be.at.most(EXEMPLAR_LABEL_BUDGET);
    }
  });
});
