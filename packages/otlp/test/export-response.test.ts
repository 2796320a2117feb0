import { expect } from 'chai';
import { decodePartialSuccess } from '../src/index.js';
import { ProtobufWriter } from '../src/protobuf-writer.js';

describe('decodePartialSuccess (https://opentelemetry.io/docs/specs/otlp/#partial-success-1)', () => {
  it('an empty body or an empty partial_success is full success', () => {
    expect(decodePartialSuccess(new Uint8Array(0), 'application/x-protobuf')).to.equal(undefined);
    expect(decodePartialSuccess(Buffer.from('{}'), 'application/json')).to.equal(undefined);
    expect(decodePartialSuccess(Buffer.from('{"partialSuccess":{}}'), 'application/json')).to.equal(undefined);
  });
  it('JSON: camelCase with a string int64 (proto3 JSON) and snake_case', () => {
    expect(decodePartialSuccess(Buffer.from('{"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"m"}}'), 'application/json; charset=utf-8'))
      .to.deep.equal({ rejectedDataPoints: 3, errorMessage: 'm' });
    expect(decodePartialSuccess(Buffer.from('{"partial_success":{"rejected_data_points":1}}'), 'application/json'))
      .to.deep.equal({ rejectedDataPoints: 1, errorMessage: '' });
  });
  it('protobuf, unknown fields skipped', () => {
    const w = new ProtobufWriter();
    w.string(9, 'unknown');
    const m = w.beginLen(1);
    w.uint32Field(1, 300);
    w.string(2, 'too old');
    w.endLen(m);
    expect(decodePartialSuccess(w.finish().slice(), 'application/x-protobuf')).to.deep.equal({ rejectedDataPoints: 300, errorMessage: 'too old' });
  });
  it('a body that is not a response throws (the exporter logs it, the export still succeeded)', () => {
    expect(() => decodePartialSuccess(Buffer.from([0x0a, 0x05, 0x01]), 'application/x-protobuf')).to.throw(/truncated/);
    expect(() => decodePartialSuccess(Buffer.from('<html>'), 'application/json')).to.throw();
  });
});
