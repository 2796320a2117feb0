// Loaded only by generateMonitoring (a dynamic import): the Grafana SDK is a tooling dependency and
// must not be on the import path of the meter sets or initTelemetry().
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { AnyCatalog, CatalogDeclaration, InstrumentDeclaration, RequestIndicator, SeriesRef } from '../declaration.js';
import type { GenerateOptions } from './options.js';
import { agg, labelName, matchers, metricName, promType, resolve, series } from './promql.js';

/** Label matchers every panel query carries: the contract with the template variables. */
export const PANEL_SELECTOR = ['job=~"$job"', 'instance=~"$instance"'] as const;
const DS: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
const QUANTILES = [0.5, 0.95, 0.99] as const;

type Ref = SeriesRef<CatalogDeclaration['instruments']>;

function unitOf(d: InstrumentDeclaration): string {
  switch (d.unit) {
    case 's':
      return 's';
    case 'ms':
      return 'ms';
    case 'By':
      return 'bytes';
    case '1':
      return 'percentunit';
    default:
      return d.name === 'process.memory.usage' ? 'bytes' : 'short';
  }
}

function rateUnit(d: InstrumentDeclaration): string {
  return d.unit === 's' ? 's' : d.unit === 'By' ? 'Bps' : 'ops';
}

function sel(ref: Ref | undefined, extra: readonly string[] = []): string[] {
  return [...PANEL_SELECTOR, ...matchers(ref), ...extra];
}

function query(expr: string, legend: string, refId = 'A'): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().datasource(DS).expr(expr).legendFormat(legend).range().refId(refId);
}

const legendOf = (by: readonly string[]): string => (by.length === 0 ? '{{job}}' : by.map((k) => `{{${k}}}`).join(' '));

function ts(title: string, description: string, unit: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder().title(title).description(description).datasource(DS).unit(unit).height(8).span(12).fillOpacity(10).showPoints(common.VisibilityMode.Never);
}

/** The labels of `by` that `d` has (a panel cannot group by a label its series lack). */
function present(d: InstrumentDeclaration, by: readonly string[]): string[] {
  return by.filter((k) => d.attributes?.[k] !== undefined).map(labelName);
}

function ratePanel(c: CatalogDeclaration, ref: Ref, title: string, by: readonly string[]): timeseries.PanelBuilder {
  const d = resolve(c, ref);
  const g = present(d, by);
  return ts(title, `${d.description} Per second (${metricName(d)}).`, rateUnit(d)).withTarget(query(agg('sum', g, `rate(${series(metricName(d), sel(ref))}[$__rate_interval])`), legendOf(g)));
}

function quantilePanel(c: CatalogDeclaration, ref: Ref, title: string, by: readonly string[]): timeseries.PanelBuilder {
  const d = resolve(c, ref);
  const g = present(d, by);
  const p = ts(title, `p50, p95 and p99 of ${d.name}, from the buckets of ${metricName(d)}_bucket.`, unitOf(d));
  QUANTILES.forEach((q, i) => {
    p.withTarget(query(`histogram_quantile(${q}, ${agg('sum', ['le', ...g], `rate(${series(`${metricName(d)}_bucket`, sel(ref))}[$__rate_interval])`)})`, `p${q * 100} ${legendOf(g)}`.trim(), String.fromCharCode(65 + i)));
  });
  return p;
}

function heatmapPanel(c: CatalogDeclaration, ref: Ref, title: string, traceDatasource: string): heatmap.PanelBuilder {
  const d = resolve(c, ref);
  // An instrument recorded outside spans (GC) never has exemplars: its heatmap does not ask.
  const exemplars = d.recordedInSpans !== false;
  const q = query(agg('sum', ['le'], `rate(${series(`${metricName(d)}_bucket`, sel(ref))}[$__rate_interval])`), '{{le}}')
    .format(prometheus.PromQueryFormat.Heatmap)
    .exemplar(exemplars);
  return (
    new heatmap.PanelBuilder()
      .title(exemplars ? `${title} (exemplars)` : title)
      .description(
        exemplars
          ? `Distribution of ${d.name} over time; the dots are exemplars — click one to open its trace (trace_id) in the trace datasource.`
          : `Distribution of ${d.name} over time (recorded outside any span: no exemplars).`,
      )
      .datasource(DS)
      .height(8)
      .span(12)
      .withTarget(q)
      .calculate(false)
      .yAxis(new heatmap.YAxisConfigBuilder().unit(unitOf(d)))
      .cellValues(new heatmap.CellValuesBuilder().unit('ops'))
      .exemplarsColor('rgba(255,0,255,0.7)')
      // The exemplar's trace_id opens in the trace datasource chosen by $trace_datasource.
      .overrideByName('trace_id', [
        {
          id: 'links',
          value: [
            {
              title: 'Open trace ${__value.raw}',
              url: '',
              internal: { datasourceUid: '${trace_datasource}', datasourceName: traceDatasource, query: { query: '${__value.raw}', queryType: 'traceql' } },
            },
          ],
        },
      ])
  );
}

function errorRatioPanel(c: CatalogDeclaration, r: RequestIndicator): timeseries.PanelBuilder {
  const total = resolve(c, r.total!);
  const errors = resolve(c, r.errors!);
  const matched = new Set(Object.keys(r.errors!.match ?? {}));
  const g = present(total, (r.by ?? []).filter((k) => !matched.has(k) && errors.attributes?.[k] !== undefined));
  const expr = `${agg('sum', g, `rate(${series(metricName(errors), sel(r.errors))}[$__rate_interval])`)} / ${agg('sum', g, `rate(${series(metricName(total), sel(r.total))}[$__rate_interval])`)}`;
  const p = ts(`${r.title}: error ratio`, `Failed over all (${metricName(errors)} / ${metricName(total)}).${r.slo?.availability !== undefined ? ` SLO: ${r.slo.availability * 100} % success.` : ''}`, 'percentunit').withTarget(query(expr, legendOf(g)));
  if (r.slo?.availability !== undefined) {
    p.thresholds(
      new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
        { value: null, color: 'green' },
        { value: Number((1 - r.slo.availability).toPrecision(12)), color: 'red' },
      ]),
    ).thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line));
  }
  return p;
}

function variables(b: dashboard.DashboardBuilder, presence: string, traceType: string): void {
  b.withVariable(new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'));
  b.withVariable(
    new dashboard.QueryVariableBuilder('job')
      .label('Job (service)')
      .datasource(DS)
      .query(`label_values(${presence}, job)`)
      .definition(`label_values(${presence}, job)`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .includeAll(true)
      .allValue('.+')
      .multi(true)
      .current({ text: 'All', value: '$__all' }),
  );
  b.withVariable(
    new dashboard.QueryVariableBuilder('instance')
      .label('Instance')
      .datasource(DS)
      .query(`label_values(${presence}{job=~"$job"}, instance)`)
      .definition(`label_values(${presence}{job=~"$job"}, instance)`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .includeAll(true)
      .allValue('.+')
      .multi(true)
      .current({ text: 'All', value: '$__all' }),
  );
  b.withVariable(new dashboard.DatasourceVariableBuilder('trace_datasource').label('Traces').type(traceType));
}

function presenceSeries(c: CatalogDeclaration): string {
  if (c.presence === undefined) return 'target_info';
  const d = resolve(c, c.presence);
  return promType(d) === 'histogram' ? `${metricName(d)}_count` : metricName(d);
}

/** The Grafana dashboard of one catalog, as the JSON object Grafana imports. */
export function generateDashboard(input: AnyCatalog, options: GenerateOptions = {}): dashboard.Dashboard {
  const c = input as CatalogDeclaration;
  const prefix = options.dashboardPrefix ?? 'otelkit';
  const traceType = options.traceDatasourceType ?? 'tempo';
  const b = new dashboard.DashboardBuilder(`${prefix} / ${c.title}`)
    .uid(`${prefix}-${c.id}`.slice(0, 40))
    .description(`${c.description ?? c.title} Generated from the ${c.id} catalog by \`otelkit catalog\`; do not edit by hand.`)
    .tags([prefix, c.id])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    // The other generated dashboards (runtime, exporter health, the other sets), same job/instance/time.
    .link(new dashboard.DashboardLinkBuilder(`${prefix} dashboards`).type(dashboard.DashboardLinkType.Dashboards).tags([prefix]).asDropdown(true).includeVars(true).keepTime(true));
  variables(b, presenceSeries(c), traceType);
  const used = new Set<string>();
  const mark = (ref: Ref | undefined): void => {
    if (ref !== undefined) used.add(ref.instrument);
  };
  for (const r of c.requests ?? []) {
    const row = new dashboard.RowBuilder(r.title);
    b.withRow(row);
    const by = r.by ?? [];
    if (r.total !== undefined) b.withPanel(ratePanel(c, r.total, `${r.title}: rate`, by));
    if (r.total !== undefined && r.errors !== undefined) b.withPanel(errorRatioPanel(c, r));
    if (r.latency !== undefined) {
      b.withPanel(quantilePanel(c, r.latency, `${r.title}: latency p50 / p95 / p99`, by));
      b.withPanel(heatmapPanel(c, r.latency, `${r.title}: latency heatmap`, traceType));
    }
    mark(r.total);
    mark(r.errors);
    mark(r.latency);
  }
  for (const q of c.queues ?? []) {
    b.withRow(new dashboard.RowBuilder(q.title));
    const d = resolve(c, q.depth);
    const g = ['instance', ...present(d, q.by)];
    b.withPanel(
      ts(`${q.title}`, `${d.description} Healthy: at most ${q.healthy.maxDepth}, or not growing for ${q.healthy.growingFor}.`, 'short')
        .withTarget(query(agg('max', g, series(metricName(d), sel(q.depth))), legendOf(g)))
        .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([{ value: null, color: 'green' }, { value: q.healthy.maxDepth, color: 'orange' }]))
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line)),
    );
    b.withPanel(
      ts(`${q.title}: growth per second`, `deriv() of ${metricName(d)} over 5m: above zero the queue fills faster than it drains.`, 'short').withTarget(
        query(agg('max', g, `deriv(${series(metricName(d), sel(q.depth))}[5m])`), legendOf(g)),
      ),
    );
    mark(q.depth);
  }
  for (const p of c.pools ?? []) {
    b.withRow(new dashboard.RowBuilder(p.title));
    const cd = resolve(c, p.connections);
    const pd = resolve(c, p.pending);
    const g = ['instance', ...present(cd, p.by)];
    const state = labelName(p.stateAttribute);
    b.withPanel(
      ts(`${p.title}: connections by state`, `${cd.description} Exhausted when no connection is ${p.idleState}.`, 'short')
        .withTarget(query(agg('max', [...g, state], series(metricName(cd), sel(p.connections))), `${legendOf(g)} {{${state}}}`))
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal)),
    );
    b.withPanel(ts(`${p.title}: waiting requests`, `${pd.description} Healthy: 0, or above 0 for less than ${p.healthy.waitingFor}.`, 'short').withTarget(query(agg('max', g, series(metricName(pd), sel(p.pending))), legendOf(g))));
    mark(p.connections);
    mark(p.pending);
  }
  for (const e of c.exporters ?? []) {
    b.withRow(new dashboard.RowBuilder(`${e.title} health`));
    const cf = resolve(c, e.consecutiveFailures);
    const g = ['instance', ...present(cf, e.by)];
    b.withPanel(ts(`${e.title}: consecutive failures`, `${cf.description} Healthy: at most ${e.healthy.maxConsecutiveFailures}.`, 'short').withTarget(query(agg('max', g, series(metricName(cf), sel(e.consecutiveFailures))), legendOf(g))));
    if (e.dropped !== undefined) b.withPanel(ratePanel(c, e.dropped, `${e.title}: dropped data points`, e.by));
    mark(e.consecutiveFailures);
    mark(e.dropped);
  }
  for (const t of c.thresholds ?? []) {
    b.withRow(new dashboard.RowBuilder(t.title));
    const d = resolve(c, t.gauge);
    const g = ['instance', ...present(d, t.by)];
    b.withPanel(
      ts(t.title, `${d.description} Alert above ${t.max} for ${t.for}.`, unitOf(d))
        .withTarget(query(agg('max', g, series(metricName(d), sel(t.gauge))), legendOf(g)))
        .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([{ value: null, color: 'green' }, { value: t.max, color: 'red' }]))
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line)),
    );
    mark(t.gauge);
  }
  const rest = Object.entries(c.instruments).filter(([k]) => !used.has(k));
  if (rest.length > 0) {
    b.withRow(new dashboard.RowBuilder(c.exporters !== undefined || c.thresholds !== undefined ? 'More' : 'Other metrics'));
    for (const [key, d] of rest) {
      const ref = { instrument: key } as Ref;
      const by = Object.keys(d.attributes ?? {});
      const type = promType(d);
      if (type === 'counter') b.withPanel(ratePanel(c, ref, d.name, by));
      else if (type === 'histogram') {
        b.withPanel(quantilePanel(c, ref, `${d.name} p50 / p95 / p99`, by));
        b.withPanel(heatmapPanel(c, ref, `${d.name} heatmap`, traceType));
      } else {
        const g = ['instance', ...by.map(labelName)];
        b.withPanel(ts(d.name, `${d.description} (${metricName(d)})`, unitOf(d)).withTarget(query(agg('max', g, series(metricName(d), sel(ref))), legendOf(g))));
      }
    }
  }
  if (c.id === 'otelkit') {
    b.withRow(new dashboard.RowBuilder('Targets'));
    b.withPanel(ts('Scrape targets up', 'up of every target of the selected jobs (1: scraped, 0: down).', 'short').withTarget(query(agg('min', ['job', 'instance'], series('up', PANEL_SELECTOR)), '{{job}} {{instance}}')));
  }
  const built = b.build();
  // Stable panel ids (Grafana would number them on import; links and `viewPanel` URLs need them fixed).
  let id = 1;
  for (const p of built.panels ?? []) {
    (p as { id?: number }).id = id++;
    for (const inner of (p as { panels?: { id?: number }[] }).panels ?? []) inner.id = id++;
  }
  return built;
}
