import { expect } from 'chai';
import { ConfigError } from '@otelkit/metrics';
import { MetersConfigError, validateCatalog } from '../../src/index.js';
import { OTELKIT_CATALOGS } from '../../src/catalog/otelkit-catalogs.js';

const base = () => ({
  id: 'jobs',
  title: 'Jobs',
  instruments: {
    runs: { name: 'jobs.runs', kind: 'counter', unit: '{run}', description: 'Runs.', attributes: { outcome: { values: ['ok', 'failed'] }, queue: { values: 'the queue' } } },
    duration: { name: 'jobs.duration', kind: 'histogram', unit: 's', description: 'Run time.', boundaries: [1, 10, 60] },
    depth: { name: 'jobs.depth', kind: 'observablegauge', unit: '{job}', description: 'Waiting.', attributes: { queue: { values: 'the queue' } } },
  },
  requests: [{ id: 'runs', title: 'Runs', total: { instrument: 'runs' }, errors: { instrument: 'runs', match: { outcome: 'failed' } }, latency: { instrument: 'duration' }, slo: { availability: 0.99 } }],
  queues: [{ id: 'jobQueue', title: 'Queue', depth: { instrument: 'depth' }, by: ['queue'], healthy: { maxDepth: 10, growingFor: '10m' } }],
});

type Mutable = ReturnType<typeof base> & Record<string, unknown>;

function fails(mutate: (c: Mutable) => void, field: RegExp): void {
  const c = base() as Mutable;
  mutate(c);
  let err: unknown;
  try {
    validateCatalog(c);
  } catch (e) {
    err = e;
  }
  expect(err, field.source).to.be.instanceOf(MetersConfigError);
  expect(err).to.be.instanceOf(ConfigError);
  expect((err as MetersConfigError).field, (err as Error).message).to.match(field);
  expect((err as Error).message).to.match(/^catalog "jobs": /);
}

describe('validateCatalog', () => {
  it("accepts otelkit's own catalogs and a well-formed user catalog", () => {
    for (const c of OTELKIT_CATALOGS) validateCatalog(c);
    validateCatalog(base());
  });

  it('names the field of each kind of mistake', () => {
    fails((c) => (c.instruments.runs.name = '9runs'), /^instruments\.runs\.name$/);
    fails((c) => (c.instruments.depth.name = 'jobs.runs'), /^instruments\.depth\.name$/);
    fails((c) => (c.instruments.runs.description = ''), /^instruments\.runs\.description$/);
    fails((c) => (c.instruments.duration.boundaries = [1, 1, 2]), /^instruments\.duration\.boundaries$/);
    fails((c) => ((c.instruments.runs as Record<string, unknown>).boundaries = [1]), /^instruments\.runs\.boundaries$/);
    fails((c) => ((c.instruments.duration as Record<string, unknown>).recordedInSpans = 'no'), /^instruments\.duration\.recordedInSpans$/);
    fails((c) => (c.instruments.runs.attributes.outcome = { values: ['ok', 'ok'] }), /^instruments\.runs\.attributes\.outcome\.values$/);
    fails((c) => ((c.instruments.runs.attributes.outcome as Record<string, unknown>).overflow = 'ok'), /^instruments\.runs\.attributes\.outcome\.overflow$/);
    fails((c) => (c.requests[0]!.errors.instrument = 'depth'), /^requests\[0\]\.errors\.instrument$/);
    fails((c) => ((c.requests[0]!.slo as Record<string, unknown>).availability = 1.5), /^requests\[0\]\.slo\.availability$/);
    fails((c) => ((c.requests[0] as Record<string, unknown>).errors = undefined), /^requests\[0\]\.errors$/);
    fails((c) => (c.requests[0]!.latency.instrument = 'runs'), /^requests\[0\]\.latency\.instrument$/);
    fails((c) => ((c.requests[0] as Record<string, unknown>).by = ['nope']), /^requests\[0\]\.by$/);
    fails((c) => c.requests.push({ ...c.requests[0]! }), /^requests\[1\]\.id$/);
    fails((c) => (c.queues[0]!.healthy.growingFor = '10 minutes'), /^queues\[0\]\.healthy\.growingFor$/);
    fails((c) => (c.queues[0]!.by = ['outcome']), /^queues\[0\]\.by$/);
    fails((c) => (c.queues[0]!.depth.instrument = 'runs'), /^queues\[0\]\.depth\.instrument$/);
    fails((c) => (c.presence = { instrument: 'gone' }), /^presence\.instrument$/);
  });
});
