import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { requirePeer, tempDir } from '@otelkit/testkit';
import { generateDashboard } from '../../src/catalog/generate/dashboards.js';
import { metricName, promType } from '../../src/catalog/generate/promql.js';
import { OTELKIT_CATALOGS } from '../../src/catalog/otelkit-catalogs.js';
import type { CatalogDeclaration, InstrumentDeclaration } from '../../src/catalog/declaration.js';
import { toYaml } from '../../src/catalog/generate/yaml.js';
import { MONITORING } from './monitoring-files.js';

type Json = Record<string, unknown>;
interface Target {
  expr: string;
  refId: string;
  format?: string;
  exemplar?: boolean;
  datasource?: Json;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  datasource?: Json;
  fieldConfig?: { overrides?: { matcher: { id: string; options: string }; properties: { id: string; value: unknown }[] }[] };
}

/**
 * Checks a value against the shape of a default object of the Grafana SDK's schema types
 * (`defaultDashboard()`, `defaultPanel()`, …): every field the schema requires is present with
 * the type the schema gives it.
 */
function conforms(value: Json, shape: object, where: string): void {
  for (const [k, v] of Object.entries(shape)) {
    expect(value, `${where}: required field ${k}`).to.have.property(k);
    if (v !== null && v !== undefined) expect(Array.isArray(value[k]) ? 'array' : typeof value[k], `${where}.${k}`).to.equal(Array.isArray(v) ? 'array' : typeof v);
  }
}

/** The contract with the live suite: template variables substituted as it does. */
function substitute(expr: string, job = 'coordinator'): string {
  return expr.replaceAll('$job', job).replaceAll('$instance', '.+').replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s');
}

const byId = new Map(OTELKIT_CATALOGS.map((c) => [c.id, c as CatalogDeclaration]));

describe('monitoring/dashboards (Grafana JSON)', () => {
  for (const c of OTELKIT_CATALOGS) {
    describe(`${c.id}.json`, () => {
      const json = JSON.parse(readFileSync(join(MONITORING, `dashboards/${c.id}.json`), 'utf8')) as Json & { panels: Panel[]; templating: { list: Json[] } };
      const catalog = byId.get(c.id)!;
      const panels = json.panels.filter((p) => p.type !== 'row');
      const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

      it("is the SDK's Dashboard: the schema's required fields, types, panel and grid layout", () => {
        // Compile time: generateDashboard returns dashboard.Dashboard of the SDK.
        const typed: dashboard.Dashboard = generateDashboard(catalog);
        expect(JSON.parse(JSON.stringify(typed))).to.deep.equal(json);
        conforms(json, dashboard.defaultDashboard(), 'dashboard');
        expect(json.schemaVersion).to.be.a('number').and.at.least(39);
        expect(json.uid).to.match(/^[a-zA-Z0-9_-]{1,40}$/);
        const ids = new Set<number>();
        const cells = new Set<string>();
        for (const p of json.panels) {
          conforms(p as unknown as Json, p.type === 'row' ? dashboard.defaultRowPanel() : dashboard.defaultPanel(), `panel "${p.title}"`);
          expect(ids.has(p.id), `panel id ${p.id} unique`).to.equal(false);
          ids.add(p.id);
          const g = p.gridPos;
          conforms(g as unknown as Json, dashboard.defaultGridPos(), `gridPos of "${p.title}"`);
          expect(g.x + g.w, p.title).to.be.at.most(24);
          for (let x = g.x; x < g.x + g.w; x++) {
            for (let y = g.y; y < g.y + g.h; y++) {
              expect(cells.has(`${x},${y}`), `"${p.title}" overlaps another panel`).to.equal(false);
              cells.add(`${x},${y}`);
            }
          }
          const refs = (p.targets ?? []).map((t) => t.refId);
          expect(new Set(refs).size, p.title).to.equal(refs.length);
          for (const t of p.targets ?? []) expect(t.datasource, p.title).to.deep.equal({ type: 'prometheus', uid: '${datasource}' });
        }
      });

      it('has the template variables $datasource, $job, $instance (All = .+) and $trace_datasource', () => {
        const vars = Object.fromEntries(json.templating.list.map((v) => [v.name as string, v]));
        expect(Object.keys(vars)).to.deep.equal(['datasource', 'job', 'instance', 'trace_datasource']);
        expect(vars.datasource!.type).to.equal('datasource');
        expect(vars.datasource!.query).to.equal('prometheus');
        for (const name of ['job', 'instance']) {
          expect(vars[name]!.type).to.equal('query');
          expect(vars[name]!.includeAll).to.equal(true);
          expect(vars[name]!.allValue).to.equal('.+');
          expect(vars[name]!.query).to.match(/^label_values\(/);
        }
        expect(vars.instance!.query).to.contain('{job=~"$job"}');
      });

      it('every selector of every query is scoped by job=~"$job" and instance=~"$instance", and names a metric of the catalog', () => {
        const names = new Set<string>(['up']);
        for (const d of Object.values(catalog.instruments) as InstrumentDeclaration[]) {
          const n = metricName(d);
          if (promType(d) === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(n + s);
          else names.add(n);
        }
        expect(exprs.length).to.be.greaterThan(0);
        for (const e of exprs) {
          const selectors = [...e.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)];
          expect(selectors.length, e).to.be.greaterThan(0);
          for (const [, name, body] of selectors) {
            expect(names.has(name!), `${name} in ${e}`).to.equal(true);
            expect(body, e).to.contain('job=~"$job"');
            expect(body, e).to.contain('instance=~"$instance"');
          }
        }
      });

      it('every instrument has a panel; every histogram has p50/p95/p99 over _bucket and a heatmap; those recorded in spans ask for exemplars linking trace_id to $trace_datasource, the others (GC) do not', () => {
        for (const d of Object.values(catalog.instruments) as InstrumentDeclaration[]) {
          const n = metricName(d);
          expect(exprs.some((e) => e.includes(n)), `a panel of ${d.name}`).to.equal(true);
          if (promType(d) !== 'histogram') continue;
          for (const q of ['0.5', '0.95', '0.99']) expect(exprs.some((e) => e.startsWith(`histogram_quantile(${q}, sum by (le`) && e.includes(`${n}_bucket{`)), `p${q} of ${n}`).to.equal(true);
          const heat = panels.find((p) => p.type === 'heatmap' && p.targets!.some((t) => t.expr.includes(`${n}_bucket{`)));
          expect(heat, `heatmap of ${n}`).to.not.equal(undefined);
          const t = heat!.targets![0]!;
          expect(t.format).to.equal('heatmap');
          expect(t.exemplar, `exemplars on the heatmap of ${n}`).to.equal(d.recordedInSpans !== false);
          if (d.recordedInSpans === false) {
            expect(heat!.title).to.not.contain('exemplars');
            continue;
          }
          expect(heat!.title).to.contain('(exemplars)');
          const link = heat!.fieldConfig!.overrides!.find((o) => o.matcher.options === 'trace_id')!;
          expect(JSON.stringify(link.properties)).to.contain('"datasourceUid":"${trace_datasource}"').and.contain('${__value.raw}');
        }
      });
    });
  }

  it('every panel query, with the variables substituted, is valid PromQL (promtool parses them as recording rules)', async () => {
    const promtool = requirePeer('promtool');
    const dir = await tempDir('otelkit-dash-');
    try {
      const rules = OTELKIT_CATALOGS.flatMap((c) => {
        const json = JSON.parse(readFileSync(join(MONITORING, `dashboards/${c.id}.json`), 'utf8')) as { panels: Panel[] };
        return json.panels.flatMap((p) => (p.targets ?? []).map((t, i) => ({ record: `panel:${c.id.replace(/-/g, '_')}:${p.id}_${i}`, expr: substitute(t.expr) })));
      });
      expect(rules.length).to.be.greaterThan(50);
      writeFileSync(join(dir.path, 'panels.yml'), toYaml({ groups: [{ name: 'panels', rules }] }));
      const r = spawnSync(promtool, ['check', 'rules', join(dir.path, 'panels.yml')], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).to.equal(0);
    } finally {
      await dir.remove();
    }
  });
});
