import { hostDetector } from '@opentelemetry/resources';
import { expect } from 'chai';
import { hostAttributes } from '../src/host-attributes.js';

/**
 * buildResource() takes host.name and host.arch from host-attributes.ts instead of starting
 * hostDetector (whose host.id it never published): the same attributes, the same values.
 */
describe('hostAttributes()', () => {
  it("equals @opentelemetry/resources' hostDetector without host.id, attribute for attribute", () => {
    const { 'host.id': id, ...upstream } = hostDetector.detect().attributes ?? {};
    void Promise.resolve(id).catch(() => undefined);
    expect(hostAttributes()).to.deep.equal(upstream);
    expect(Object.keys(hostAttributes())).to.deep.equal(['host.name', 'host.arch']);
  });
});
