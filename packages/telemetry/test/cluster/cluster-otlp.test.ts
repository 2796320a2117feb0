import { expect } from 'chai';
import { sampleValue, startOtlpReceiver, waitFor, type DecodedRequest, type OtlpReceiver } from '@otelkit/testkit';
import { ClusterService } from './cluster-service.js';

type Attr = { key: string; value: Record<string, unknown> };
const instanceOf = (rm: any): string => String(Object.values((rm.resource.attributes as Attr[]).find((a) => a.key === 'service.instance.id')!.value)[0]);

/** Latest value of counter `name` per service.instance.id, from the OTLP requests received so far. */
function latestByInstance(reqs: DecodedRequest[], name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of reqs) {
    if (r.path !== '/v1/metrics' || r.body === undefined) continue;
    for (const rm of r.body.resource_metrics ?? []) {
      for (const sm of rm.scope_metrics ?? []) {
        for (const m of sm.metrics ?? []) {
          if (m.name !== name) continue;
          let v = 0;
          for (const p of m.sum.data_points) v += Number(p.as_int ?? p.as_double ?? 0);
          out.set(instanceOf(rm), v);
        }
      }
    }
  }
  return out;
}

/**
 * OTLP next to the aggregated scrape: each process exports its own series under its own
 * service.instance.id; the primary exports only its own (never the merged view), so a backend
 * fed by OTLP sees every count once.
 */
describe('cluster aggregation and OTLP: workers export their own series, the primary never the aggregate (real processes)', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let svc: ClusterService;

  before(async () => {
    receiver = await startOtlpReceiver();
    svc = await ClusterService.start({ WORKERS: '2', MODE: 'sum', OTLP_URL: receiver.url });
    await svc.command({ cmd: 'record', n: 2, value: 0.2 }, 'RECORDED');
  });
  after(async () => {
    await svc?.stop();
    await receiver?.stop();
  });

  it('distinct service.instance.ids, per-worker counts, nothing double-counted', async () => {
    const h = (await svc.command<Record<string, any>>({ cmd: 'health' }, 'HEALTH')) as { serviceInstanceId: string; cluster: any };
    const workerIds: string[] = h.cluster.workers.filter((w: any) => w.worker !== 'primary').map((w: any) => w.serviceInstanceId as string);
    expect(new Set([h.serviceInstanceId, ...workerIds]).size).to.equal(3);
    let byInstance = new Map<string, number>();
    await waitFor('both workers\' counts over OTLP', async () => {
      byInstance = latestByInstance(await receiver.requests(), 'cluster.test.requests');
      return workerIds.every((id) => byInstance.get(id) === 2);
    }, 20_000, 250);
    // The primary's OTLP export carries its own series only: no worker counter under its id.
    expect(byInstance.has(h.serviceInstanceId)).to.equal(false);
    const primaryOwn = latestByInstance(await receiver.requests(), 'cluster.test.primary.events');
    expect([...primaryOwn.keys()]).to.deep.equal([h.serviceInstanceId]);
    // Summed over instances, OTLP has exactly what the scrape shows.
    const otlpTotal = [...byInstance.values()].reduce((a, b) => a + b, 0);
    expect(otlpTotal).to.equal(sampleValue(await svc.scrape(), 'cluster_test_requests_total', { route: '/a' }));
  });
});
