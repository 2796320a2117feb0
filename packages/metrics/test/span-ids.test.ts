import { expect } from 'chai';
import { hasValidSpanIds, isValidSpanId, isValidTraceId } from '../src/index.js';

describe('span ids', () => {
  it('valid: lowercase hex of the right length, not all zero (W3C Trace Context)', () => {
    expect(isValidTraceId('0af7651916cd43dd8448eb211c80319c')).to.equal(true);
    expect(isValidSpanId('b7ad6b7169203331')).to.equal(true);
    expect(hasValidSpanIds('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331')).to.equal(true);
    expect(isValidTraceId('00000000000000000000000000000001')).to.equal(true);
  });

  it('invalid: all zeros, uppercase, wrong length, other characters, not a string', () => {
    for (const id of ['0'.repeat(32), 'A'.repeat(32), 'a'.repeat(31), 'a'.repeat(33), 'g'.repeat(32), '', undefined, 7, null]) {
      expect(isValidTraceId(id), String(id)).to.equal(false);
    }
    for (const id of ['0'.repeat(16), 'F'.repeat(16), 'a'.repeat(15), 'a'.repeat(17), ' '.repeat(16)]) expect(isValidSpanId(id), id).to.equal(false);
    expect(hasValidSpanIds('0af7651916cd43dd8448eb211c80319c', '0'.repeat(16))).to.equal(false);
    expect(hasValidSpanIds('0'.repeat(32), 'b7ad6b7169203331')).to.equal(false);
  });
});
