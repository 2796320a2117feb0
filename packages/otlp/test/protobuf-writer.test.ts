import { expect } from 'chai';
import { hrTimeToNanosHalves, hrTimeToNanosString, int64Halves, ProtobufWriter } from '../src/protobuf-writer.js';

const halvesToBigInt = ([lo, hi]: [number, number]): bigint => (BigInt(hi) << 32n) | BigInt(lo);

describe('ProtobufWriter', () => {
  it('HrTime → fixed64 nanoseconds is exact (checked against BigInt)', () => {
    const cases: [number, number][] = [[0, 0], [0, 999_999_999], [1, 0], [65_535, 999_999_999], [65_536, 1], [1_700_000_000, 123_456_789], [4_294_967_295, 999_999_999]];
    for (let i = 0; i < 2000; i++) cases.push([Math.floor(Math.random() * 2 ** 32), Math.floor(Math.random() * 1e9)]);
    for (const [s, n] of cases) {
      const expected = BigInt(s) * 1_000_000_000n + BigInt(n);
      expect(halvesToBigInt(hrTimeToNanosHalves(s, n)), `${s},${n}`).to.equal(expected);
      expect(hrTimeToNanosString(s, n), `${s},${n}`).to.equal(expected.toString());
    }
  });

  it('int64 two\'s complement halves for negative and positive safe integers', () => {
    for (const v of [0, 1, -1, -7, 2 ** 32, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -123456789012]) {
      expect(halvesToBigInt(int64Halves(v)), String(v)).to.equal(BigInt.asUintN(64, BigInt(v)));
    }
  });

  it('varints: negative int64 takes 10 bytes, lengths over 127 widen the length slot', () => {
    const w = new ProtobufWriter(4);
    w.int64Field(3, -1);
    expect([...w.finish()]).to.deep.equal([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const w2 = new ProtobufWriter(4);
    const m = w2.beginLen(1);
    for (let i = 0; i < 300; i++) w2.uint32Field(2, 1);
    w2.endLen(m);
    const b = w2.finish();
    expect([...b.subarray(0, 3)]).to.deep.equal([0x0a, 0xd8, 0x04]); // 600 = 0x258 → d8 04
    expect(b.length).to.equal(3 + 600);
  });

  it('strings: UTF-8 with multi-byte characters, short and long', () => {
    for (const s of ['', 'a', 'é', '🚀', 'x'.repeat(127), 'é'.repeat(100), '日本'.repeat(5000)]) {
      const w = new ProtobufWriter(8);
      w.string(1, s);
      const bytes = Buffer.from(w.finish());
      const len = Buffer.byteLength(s);
      let p = 1;
      let n = 0;
      let shift = 0;
      for (;;) {
        const c = bytes[p++]!;
        n += (c & 0x7f) * 2 ** shift;
        shift += 7;
        if (c < 0x80) break;
      }
      expect(n).to.equal(len);
      expect(bytes.subarray(p).toString('utf8')).to.equal(s);
    }
  });
});
