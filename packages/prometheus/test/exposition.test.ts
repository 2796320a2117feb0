import { expect } from 'chai';
import { resourceFromAttributes, emptyResource } from '@opentelemetry/resources';
import { MeterProvider, type GaugeCell, type HistogramCell } from '@otelkit/metrics';
import { labelCacheOf } from '../src/label-cache.js';
import { FORMATS, metaLines, samples, scrape, serialize, validate, withDiag } from './exposition-support.js';

// Rules both formats share (EXPOSITION.md "Both formats"), run once per format.
for (const format of FORMATS) {
  const om = format === 'openmetrics';
  describe(`exposition, shared rules (${format})`, () => {
    it('exposes every instrument kind with its Prometheus type and value', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      const m = mp.getMeter('kinds', '1.0.0');
      m.createCounter('jobs.done', { description: 'Jobs done', unit: '{job}' }).add(5, { queue: 'a' });
      m.createUpDownCounter('jobs.active', { description: 'Jobs running', unit: '{job}' }).add(-3, { queue: 'a' });
      m.createGauge('temperature', { description: 'Temperature', unit: 'Cel' }).record(21.5);
      const h = m.createHistogram('task.duration', { description: 'Task duration', unit: 's', advice: { explicitBucketBoundaries: [0.1, 1, 10] } });
      for (const v of [0.05, 0.1, 0.5, 2, 20, 30]) h.record(v, { queue: 'a' });
      // `bytes` is already a token of the name: no second unit word (Collector addUnitTokens).
      m.createObservableCounter('bytes.read', { description: 'Bytes read', unit: 'By' }).addCallback((r) => r.observe(1024, { disk: 'sda' }));
      m.createObservableUpDownCounter('connections', { description: 'Open connections' }).addCallback((r) => r.observe(7));
      m.createObservableGauge('memory.heap.used', { description: 'Heap used', unit: 'By' }).addCallback((r) => r.observe(4096));
      const out = await scrape(format, mp.store);

      const types = metaLines(out).filter((l) => l.startsWith('# TYPE'));
      expect(types).to.deep.equal([
        `# TYPE ${om ? 'jobs_done' : 'jobs_done_total'} counter`,
        '# TYPE jobs_active gauge',
        '# TYPE temperature_celsius gauge',
        '# TYPE task_duration_seconds histogram',
        `# TYPE ${om ? 'bytes_read' : 'bytes_read_total'} counter`,
        '# TYPE connections gauge',
        '# TYPE memory_heap_used_bytes gauge',
      ]);
      const scope = { otel_scope_name: 'kinds', otel_scope_version: '1.0.0' };
      const s = samples(out);
      expect(s.filter((x) => !x.name.startsWith('task_duration'))).to.deep.equal([
        { name: 'jobs_done_total', labels: { ...scope, queue: 'a' }, value: '5' },
        { name: 'jobs_active', labels: { ...scope, queue: 'a' }, value: '-3' },
        { name: 'temperature_celsius', labels: scope, value: '21.5' },
        { name: 'bytes_read_total', labels: { ...scope, disk: 'sda' }, value: '1024' },
        { name: 'connections', labels: scope, value: '7' },
        { name: 'memory_heap_used_bytes', labels: scope, value: '4096' },
      ]);
      const le = om ? ['0.1', '1.0', '10.0', '+Inf'] : ['0.1', '1', '10', '+Inf'];
      expect(s.filter((x) => x.name.startsWith('task_duration')).map((x) => [x.name, x.labels.le, x.value])).to.deep.equal([
        ['task_duration_seconds_bucket', le[0], '2'],
        ['task_duration_seconds_bucket', le[1], '3'],
        ['task_duration_seconds_bucket', le[2], '4'],
        ['task_duration_seconds_bucket', le[3], '6'],
        ['task_duration_seconds_count', undefined, '6'],
        ['task_duration_seconds_sum', undefined, String(0.05 + 0.1 + 0.5 + 2 + 20 + 30)],
      ]);
    });

    it('writes one HELP and one TYPE per family, before its samples, with contiguous families', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      const m = mp.getMeter('contiguous');
      const a = m.createCounter('a', { description: 'A' });
      const b = m.createHistogram('b', { description: 'B', advice: { explicitBucketBoundaries: [1] } });
      for (let i = 0; i < 5; i++) {
        a.add(1, { i: String(i) });
        b.record(i, { i: String(i) });
      }
      const out = await scrape(format, mp.store);
      const seen = new Set<string>();
      let current = '';
      for (const line of out.split('\n')) {
        if (line.startsWith('# HELP') || line.startsWith('# TYPE')) {
          const fam = line.split(' ')[2]!;
          if (fam !== current) {
            expect(seen.has(fam), `family ${fam} appears twice`).to.equal(false);
            seen.add(fam);
            current = fam;
          }
        } else if (line !== '' && !line.startsWith('#')) {
          expect(line.startsWith(current), `${line} under ${current}`).to.equal(true);
        }
      }
      expect(metaLines(out).filter((l) => l.startsWith('# HELP')).length).to.equal(2);
    });

    it('an empty store is a valid, empty exposition', async () => {
      const out = await scrape(format, new MeterProvider().store);
      expect(out).to.equal(om ? '# EOF\n' : '');
    });

    it('instruments without any series write no family', async () => {
      const mp = new MeterProvider();
      mp.getMeter('m').createCounter('never.used', { description: 'x' });
      mp.getMeter('m').createObservableGauge('never.observed', { description: 'x' });
      const out = await scrape(format, mp.store);
      expect(out).to.equal(om ? '# EOF\n' : '');
    });

    it('escapes quotes, backslashes and newlines in label values and keeps non-ASCII as UTF-8', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      const values = ['say "hi"', 'C:\\path\\to', 'line1\nline2', 'zürich 東京 😀', '\\"\n', 'x'.repeat(5000)];
      const c = mp.getMeter('esc').createCounter('escapes', { description: 'Escapes' });
      values.forEach((v, i) => c.add(i + 1, { v }));
      const out = await scrape(format, mp.store);
      expect(out).to.include('v="say \\"hi\\""');
      expect(out).to.include('v="C:\\\\path\\\\to"');
      expect(out).to.include('v="line1\\nline2"');
      expect(out).to.include('v="zürich 東京 😀"');
      expect(out).to.include('v="\\\\\\"\\n"');
      expect(samples(out).map((s) => s.labels.v)).to.deep.equal(values);
      if (om) {
        const fams = validate(format, out)!;
        expect(fams[0]!.samples.map((s) => s.labels.v)).to.deep.equal(values);
      }
    });

    it('escapes HELP text', async () => {
      const mp = new MeterProvider();
      mp.getMeter('h').createGauge('helpful', { description: 'back\\slash "quoted"\nsecond line' }).record(1);
      const out = await scrape(format, mp.store);
      expect(metaLines(out)[0]).to.equal(om ? '# HELP helpful back\\\\slash \\"quoted\\"\\nsecond line' : '# HELP helpful back\\\\slash "quoted"\\nsecond line');
    });

    it('joins attribute keys that collide after sanitizing with ";" in original-key order, never duplicating a label', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      mp.getMeter('collide').createCounter('requests', { description: 'Requests' }).add(1, { http_method: 'POST', 'http.method': 'GET', 'http-method': 'PUT', other: 'x' });
      const out = await scrape(format, mp.store);
      // Original keys sorted: "http-method" < "http.method" < "http_method".
      expect(samples(out)[0]!.labels).to.deep.equal({ otel_scope_name: 'collide', http_method: 'PUT;GET;POST', other: 'x' });
    });

    it('an attribute that maps onto a scope label is joined with it, not duplicated', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      mp.getMeter('scoped', '2.0').createCounter('clash', { description: 'Clash' }).add(1, { 'otel.scope.name': 'user' });
      const out = await scrape(format, mp.store);
      expect(samples(out)[0]!.labels).to.deep.equal({ otel_scope_name: 'user;scoped', otel_scope_version: '2.0' });
      const off = await scrape(format, mp.store, undefined, { scopeLabels: false });
      expect(samples(off)[0]!.labels).to.deep.equal({ otel_scope_name: 'user' });
    });

    it('renames a user "le" attribute on a histogram to exported_le and keeps it on other kinds', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      const m = mp.getMeter('le');
      m.createHistogram(`waits.${format}`, { description: 'Waits', unit: 's', advice: { explicitBucketBoundaries: [1] } }).record(0.5, { le: 'user', other: 'o' });
      const { result: out, warnings } = await withDiag(() => scrape(format, mp.store));
      for (const s of samples(out)) {
        expect(s.labels.exported_le).to.equal('user');
        if (s.name.endsWith('_bucket')) expect(s.labels.le).to.be.oneOf(om ? ['1.0', '+Inf'] : ['1', '+Inf']);
        else expect(s.labels).not.to.have.property('le');
      }
      expect(warnings.filter((w) => w.includes('exported_le'))).to.have.length(1);
    });

    it('spells NaN, +Inf and -Inf as the format requires', async () => {
      const mp = new MeterProvider();
      const g = mp.getMeter('inf').createGauge('odd.values', { description: 'Odd values' });
      (g.bind({ k: 'nan' }) as GaugeCell).set(NaN);
      (g.bind({ k: 'pinf' }) as GaugeCell).set(Infinity);
      (g.bind({ k: 'ninf' }) as GaugeCell).set(-Infinity);
      const out = await scrape(format, mp.store);
      expect(samples(out).map((s) => [s.labels.k, s.value])).to.deep.equal([
        ['nan', 'NaN'],
        ['pinf', '+Inf'],
        ['ninf', '-Inf'],
      ]);
    });

    it('writes non-string attribute values as the spec says (booleans, numbers without exponent, arrays as JSON)', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      mp.getMeter('types').createCounter('typed', { description: 'Typed' }).add(1, { b: true, i: 42, f: 0.5, tiny: 1e-7, arr: ['a', 'b"c'] });
      const out = await scrape(format, mp.store);
      expect(samples(out)[0]!.labels).to.deep.equal({ otel_scope_name: 'types', arr: '["a","b\\"c"]', b: 'true', f: '0.5', i: '42', tiny: '0.0000001' });
    });

    it('writes target_info once, value 1: service.* as job / instance (as the Collector does), every other resource attribute as a label', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      mp.getMeter('t').createCounter('x', { description: 'X' }).add(1);
      const resource = resourceFromAttributes({ 'service.name': 'checkout', 'service.instance.id': 'i-1', 'deployment.environment': 'prod "eu"' });
      const out = await scrape(format, mp.store, resource);
      const info = samples(out).filter((s) => s.name === 'target_info');
      expect(info).to.deep.equal([
        { name: 'target_info', labels: { deployment_environment: 'prod "eu"', instance: 'i-1', job: 'checkout' }, value: '1' },
      ]);
      // service.namespace joins the job as <namespace>/<name>; the pushed form keeps every attribute.
      const ns = resourceFromAttributes({ 'service.name': 'checkout', 'service.namespace': 'shop' });
      expect(samples(await scrape(format, mp.store, ns)).filter((s) => s.name === 'target_info')[0]!.labels).to.deep.equal({ job: 'shop/checkout' });
      const pushed = await scrape(format, mp.store, resource, { targetInfoIdentity: 'attributes' });
      expect(samples(pushed).filter((s) => s.name === 'target_info')[0]!.labels).to.deep.equal({
        deployment_environment: 'prod "eu"',
        service_instance_id: 'i-1',
        service_name: 'checkout',
      });
      expect(metaLines(out).filter((l) => l.includes('target'))).to.deep.equal(
        om ? ['# HELP target Target metadata', '# TYPE target info'] : ['# HELP target_info Target metadata', '# TYPE target_info gauge'],
      );
      const without = await scrape(format, mp.store, resource, { targetInfo: false });
      expect(without).not.to.include('target_info');
      const empty = await scrape(format, mp.store, emptyResource());
      expect(empty).not.to.include('target_info');
    });

    it('adds scope labels by default and leaves them out with scopeLabels: false', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      mp.getMeter('lib', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }).createCounter('calls', { description: 'Calls' }).add(2, { op: 'get' });
      const on = await scrape(format, mp.store);
      expect(samples(on)[0]!.labels).to.deep.equal({
        otel_scope_name: 'lib',
        otel_scope_version: '1.2.3',
        otel_scope_schema_url: 'https://opentelemetry.io/schemas/1.26.0',
        op: 'get',
      });
      const off = await scrape(format, mp.store, undefined, { scopeLabels: false });
      expect(samples(off)[0]!.labels).to.deep.equal({ op: 'get' });
      // The per-series cache holds attributes only, so alternating option sets stays correct.
      expect(samples(await scrape(format, mp.store))[0]!.labels).to.have.property('otel_scope_name', 'lib');
    });

    it('merges same-named families from different scopes into one family when types agree', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      mp.getMeter('lib-a').createCounter('http.requests', { description: 'From A' }).add(1);
      mp.getMeter('lib-b').createCounter('http.requests', { description: 'From B' }).add(2);
      mp.getMeter('lib-b').createHistogram('rpc.latency', { description: 'H', unit: 's', advice: { explicitBucketBoundaries: [1] } }).record(1);
      mp.getMeter('lib-a').createHistogram('rpc.latency', { description: 'H', unit: 's', advice: { explicitBucketBoundaries: [2, 4] } }).record(3);
      const out = await scrape(format, mp.store);
      expect(metaLines(out).filter((l) => l.includes('http_requests'))).to.deep.equal(
        om ? ['# HELP http_requests From A', '# TYPE http_requests counter'] : ['# HELP http_requests_total From A', '# TYPE http_requests_total counter'],
      );
      expect(samples(out).filter((s) => s.name === 'http_requests_total').map((s) => [s.labels.otel_scope_name, s.value])).to.deep.equal([
        ['lib-a', '1'],
        ['lib-b', '2'],
      ]);
      expect(samples(out).filter((s) => s.name === 'rpc_latency_seconds_count').map((s) => s.labels.otel_scope_name)).to.deep.equal(['lib-b', 'lib-a']);
    });

    it('drops the later of two same-named families whose types differ, with one warning', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      mp.getMeter('first').createGauge(`conflict.${format}`, { description: 'Gauge' }).record(1);
      mp.getMeter('second').createUpDownCounter(`conflict.${format}`, { description: 'Also a gauge' }).add(2);
      mp.getMeter('third').createHistogram(`conflict.${format}`, { description: 'Histogram' }).record(3);
      const { result: out, warnings } = await withDiag(async () => {
        await scrape(format, mp.store);
        return scrape(format, mp.store);
      });
      expect(samples(out).map((s) => [s.name, s.labels.otel_scope_name, s.value])).to.deep.equal([
        [`conflict_${format}`, 'first', '1'],
        [`conflict_${format}`, 'second', '2'],
      ]);
      expect(warnings.filter((w) => w.includes(`conflict_${format}`))).to.have.length(1);
    });

    it('drops a family whose samples would collide with another family, with one warning', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      const m = mp.getMeter('clash');
      m.createHistogram(`lat${format}`, { description: 'H', advice: { explicitBucketBoundaries: [1] } }).record(1);
      m.createGauge(`lat${format}.count`, { description: 'G' }).record(5);
      const { result: out, warnings } = await withDiag(() => scrape(format, mp.store));
      expect(samples(out).filter((s) => s.name === `lat${format}_count`).map((s) => s.value)).to.deep.equal(['1']);
      expect(warnings.filter((w) => w.includes(`lat${format}_count`))).to.have.length(1);
    });

    it('never writes two samples with the same name and labels (scope labels off, two scopes)', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      mp.getMeter('one').createCounter('dup', { description: 'Dup' }).add(1, { k: 'v' });
      mp.getMeter('two').createCounter('dup', { description: 'Dup' }).add(2, { k: 'v' });
      mp.getMeter('two').createCounter('dup', { description: 'Dup' }).add(3, { k: 'w' });
      const out = await scrape(format, mp.store, undefined, { scopeLabels: false });
      expect(samples(out).map((s) => [s.labels.k, s.value])).to.deep.equal([
        ['v', '1'],
        ['w', '3'],
      ]);
    });

    it('observable instruments expose only the series observed in the last round', async () => {
      const mp = new MeterProvider();
      let round = 0;
      mp.getMeter('obs').createObservableGauge('workers', { description: 'Workers' }).addCallback((r) => {
        round++;
        r.observe(round, { pool: 'a' });
        if (round === 1) r.observe(9, { pool: 'b' });
      });
      const first = await scrape(format, mp.store);
      expect(samples(first).map((s) => [s.labels.pool, s.value])).to.deep.equal([
        ['a', '1'],
        ['b', '9'],
      ]);
      const second = await scrape(format, mp.store);
      expect(samples(second).map((s) => [s.labels.pool, s.value])).to.deep.equal([['a', '2']]);
    });

    it("caches the escaped label string in the instrument's label cache on the first scrape and reuses it", async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      const h = mp.getMeter('cache').createHistogram('cached', { description: 'C', advice: { explicitBucketBoundaries: [1] } });
      const cell = h.bind({ 'a.b': 'x"y' }) as unknown as HistogramCell;
      cell.record(2);
      const cache = labelCacheOf(h.storage);
      expect(cache.labels[0]).to.equal(undefined);
      await scrape(format, mp.store);
      expect(cache.labels[0]).to.equal('a_b="x\\"y"');
      cache.labels[0] = 'a_b="from-cache"';
      expect(samples(serialize(format, mp.store))[0]!.labels.a_b).to.equal('from-cache');
    });

    it('keeps each series\' cached labels across new series, new instruments and skipped observable series', async () => {
      const mp = new MeterProvider({ exemplarFilter: 'always_off' });
      const m = mp.getMeter('cache');
      const c = m.createCounter('grow', { description: 'G' });
      let round = 0;
      m.createObservableGauge('seen', { description: 'S' }).addCallback((r) => {
        round++;
        if (round % 2 === 1) r.observe(round, { k: 'odd' });
        r.observe(round, { k: 'every' });
      });
      const expected: string[] = [];
      for (let i = 0; i < 40; i++) {
        c.add(i, { n: String(i) });
        expected.push(`grow_total{n="${i}"}`);
        if (i === 20) m.createCounter('late', { description: 'L' }).add(1, { x: 'y' });
        const out = await scrape(format, mp.store, undefined, { scopeLabels: false });
        const lines = samples(out).map((s) => `${s.name}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`);
        expect(lines.filter((l) => l.startsWith('grow_total'))).to.deep.equal(expected);
        expect(lines.filter((l) => l.startsWith('seen'))).to.deep.equal(round % 2 === 1 ? ['seen{k="odd"}', 'seen{k="every"}'] : ['seen{k="every"}']);
      }
    });
  });
}
