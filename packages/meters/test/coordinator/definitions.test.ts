import { expect } from 'chai';
import {
  CACHE_RESULTS,
  cacheResultIndex,
  DISPATCH_ROUTES,
  DISPATCH_STATUSES,
  dispatchRouteIndex,
  dispatchStatusIndex,
  ENQUEUE_STATUSES,
  enqueueStatusIndex,
  OUTCOMES,
  outcomeIndex,
  PLAN_RESULTS,
  planResultIndex,
  ROUTES,
  routeIndex,
  UPSERT_STATUSES,
  upsertStatusIndex,
  COORDINATOR_METRICS,
} from '../../src/coordinator/definitions.js';
import { LATENCY_BUCKETS } from '../../src/buckets.js';

describe('coordinator definitions', () => {
  const pairs: [string, readonly string[], (v: unknown) => number][] = [
    ['route', ROUTES, routeIndex],
    ['dispatch route', DISPATCH_ROUTES, dispatchRouteIndex],
    ['outcome', OUTCOMES, outcomeIndex],
    ['plan result', PLAN_RESULTS, planResultIndex],
    ['cache result', CACHE_RESULTS, cacheResultIndex],
    ['upsert status', UPSERT_STATUSES, upsertStatusIndex],
    ['enqueue status', ENQUEUE_STATUSES, enqueueStatusIndex],
    ['dispatch status', DISPATCH_STATUSES, dispatchStatusIndex],
  ];
  for (const [what, list, index] of pairs) {
    it(`the ${what} switch agrees with its list and rejects everything else without coercion`, () => {
      list.forEach((v, i) => expect(index(v), v).to.equal(i));
      const hostile = { toString: () => list[0] };
      for (const bad of ['other', '', list[0]!.toUpperCase(), ` ${list[0]}`, 0, 1, null, undefined, hostile, [list[0]], Symbol('x')]) {
        expect(index(bad), String(typeof bad === 'symbol' ? 'symbol' : JSON.stringify(bad))).to.equal(-1);
      }
    });
  }

  it('every name is dotted, histograms are in seconds with the latency buckets, counts use {annotations}', () => {
    for (const d of COORDINATOR_METRICS) {
      expect(d.name).to.match(/^coordinator\.[a-z_.]+$/);
      if (d.kind === 'histogram') {
        expect(d.unit, d.name).to.equal('s');
        expect(d.boundaries, d.name).to.deep.equal(LATENCY_BUCKETS);
      } else expect(d.unit, d.name).to.match(/^\{[a-z]+\}$/);
      for (const a of d.attributes) if (Array.isArray(a.values)) expect(a.values.at(-1), `${d.name} ${a.key}`).to.equal('other');
    }
    expect(new Set(COORDINATOR_METRICS.map((d) => d.name)).size).to.equal(COORDINATOR_METRICS.length);
  });
});
