import type { AnyCatalog, CatalogDeclaration, InstrumentDeclaration, RequestIndicator, SeriesRef } from '../declaration.js';
import { DEFAULT_RUNBOOK_URL, type GenerateOptions } from './options.js';
import { agg, durationSeconds, formatDuration, labelName, leMatcher, matchers, metricName, num, pascal, promType, resolve, series, snake } from './promql.js';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: 'critical' | 'warning' } & Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly (RecordingRule | AlertingRule)[];
}

/** One input series of a promtool unit test. */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** How to make an alert fire, and what healthy looks like, for the generated promtool tests. */
export interface AlertScenario {
  readonly fire: readonly InputSeries[];
  readonly healthy: readonly InputSeries[];
  /** When to look (the alert's `for:` has passed on `fire`). */
  readonly evalTime: string;
  /** Labels of the firing alert besides `alertname` and the rule's own labels. */
  readonly labels: Readonly<Record<string, string>>;
}

/** A runbook section, rendered into docs/RUNBOOK.md. */
export interface RunbookEntry {
  readonly meaning: string;
  readonly impact: string;
  readonly diagnosis: readonly string[];
  readonly mitigation: readonly string[];
}

export interface GeneratedAlert {
  readonly catalog: string;
  readonly rule: AlertingRule;
  readonly scenario: AlertScenario;
  readonly runbook: RunbookEntry;
}

export interface GeneratedRules {
  readonly groups: readonly RuleGroup[];
  readonly alerts: readonly GeneratedAlert[];
}

/**
 * The multiwindow, multi-burn-rate alerts of the SRE workbook (chapter "Alerting on SLOs",
 * recommended parameters): page when 2 % of a 30-day budget burns in 1 h or 5 % in 6 h, ticket
 * when 10 % burns in 3 d (checked as 1d/2h at 3x and 3d/6h at 1x); each long window is paired with
 * a short one (1/12) so the alert resets soon after the burn stops.
 */
const BURN_TIERS = [
  { tier: 'Fast', severity: 'critical', for: '2m', windows: [['1h', '5m', 14.4], ['6h', '30m', 6]] },
  { tier: 'Slow', severity: 'warning', for: '15m', windows: [['1d', '2h', 3], ['3d', '6h', 1]] },
] as const;
const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
type BurnTier = (typeof BURN_TIERS)[number];

/** One tier's multiwindow condition over the `slo:<base>:<ratio>_rate<window>` recording rules. */
function burnCondition(base: string, ratio: 'error_ratio' | 'slow_ratio', t: BurnTier, budget: number): string {
  return t.windows
    .map(([long, short, factor]) => `(slo:${base}:${ratio}_rate${long} > ${num(factor * budget)} and slo:${base}:${ratio}_rate${short} > ${num(factor * budget)})`)
    .join(' or ');
}

/** "14.4x the budget over 1h and 5m, or 6x …": the tier's windows, for descriptions. */
const burnWindowsText = (t: BurnTier): string => t.windows.map(([l, s, f]) => `${f}x the budget over ${l} and ${s}`).join(', or ');
const tierUrgency = (t: BurnTier): string => (t.tier === 'Fast' ? 'page: act now' : 'ticket: fix within a working day');

const TEST_JOB = 'app';
const TEST_INSTANCE = 'app:9464';

interface Ctx {
  readonly catalog: CatalogDeclaration;
  readonly prefix: string;
  readonly selector: readonly string[];
  readonly runbook: string;
  readonly range: (d: string) => string;
  readonly hold: (d: string) => string | undefined;
}

function context(catalog: CatalogDeclaration, options: GenerateOptions): Ctx {
  const scale = options.durationScale ?? 1;
  const min = options.minWindow !== undefined ? durationSeconds(options.minWindow) : 60;
  const minFor = options.minFor !== undefined ? durationSeconds(options.minFor) : 0;
  return {
    catalog,
    prefix: pascal(catalog.title),
    selector: options.selector !== undefined && options.selector.trim() !== '' ? [options.selector.trim()] : [],
    runbook: options.runbookUrl ?? DEFAULT_RUNBOOK_URL,
    range: (d) => (scale === 1 ? d : formatDuration(Math.max(durationSeconds(d) * scale, min))),
    hold: (d) => {
      const s = scale === 1 ? durationSeconds(d) : Math.max(Math.round(durationSeconds(d) * scale), minFor);
      return s === 0 ? undefined : formatDuration(s);
    },
  };
}

function alertRule(ctx: Ctx, name: string, expr: string, hold: string | undefined, severity: 'critical' | 'warning', summary: string, description: string): AlertingRule {
  const h = hold === undefined ? undefined : ctx.hold(hold);
  return {
    alert: name,
    expr,
    ...(h === undefined ? {} : { for: h }),
    labels: { severity },
    annotations: { summary, description, runbook_url: `${ctx.runbook}#${name.toLowerCase()}` },
  };
}

const labelsText = (keys: readonly string[]): string => keys.map((k) => `${k} {{ $labels.${k} }}`).join(', ');

/** Test labels of `ref`'s series: its match (first value) plus `extra`. */
function refLabels(ref: SeriesRef<CatalogDeclaration['instruments']> | undefined, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = { job: TEST_JOB, instance: TEST_INSTANCE };
  for (const [k, v] of Object.entries((ref?.match ?? {}) as Record<string, unknown>)) out[labelName(k)] = (Array.isArray(v) ? v[0] : v) as string;
  return { ...out, ...extra };
}

function seriesText(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** Test values for `byLabels` (the label name as its value: `service="service"`). */
function byValues(keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, k]));
}

/** A value of `key` on `d` that is not an error value (for the healthy half of a request counter). */
function otherValue(d: InstrumentDeclaration, key: string, not: readonly string[]): string {
  const a = Object.entries(d.attributes ?? {}).find(([k]) => labelName(k) === key)?.[1];
  const v = Array.isArray(a?.values) ? (a!.values as readonly string[]).find((x) => !not.includes(x)) : undefined;
  return v ?? 'ok';
}

function requestRules(ctx: Ctx, r: RequestIndicator): { records: RecordingRule[]; alerts: GeneratedAlert[] } {
  const records: RecordingRule[] = [];
  const alerts: GeneratedAlert[] = [];
  const c = ctx.catalog;
  const base = `${snake(c.id)}_${snake(r.id)}`;
  const by = ['job', ...(r.sloBy ?? []).map(labelName)];
  const name = `${ctx.prefix}${pascal(r.id)}`;
  const where = labelsText(by);
  const slo = r.slo;
  if (slo?.availability !== undefined && r.total !== undefined && r.errors !== undefined) {
    const total = resolve(c, r.total);
    const errors = resolve(c, r.errors);
    const budget = 1 - slo.availability;
    for (const w of WINDOWS) {
      const rw = ctx.range(w);
      records.push({
        record: `slo:${base}:error_ratio_rate${w}`,
        expr: `${agg('sum', by, `rate(${series(metricName(errors), [...ctx.selector, ...matchers(r.errors)])}[${rw}])`)} / ${agg('sum', by, `rate(${series(metricName(total), [...ctx.selector, ...matchers(r.total)])}[${rw}])`)}`,
      });
    }
    // Test series: a good half and an error half (the same counter told apart by the error match, or two counters).
    const extra = byValues((r.sloBy ?? []).map(labelName));
    const base0 = { job: TEST_JOB, instance: TEST_INSTANCE, ...extra, ...matchersOf(r.total) };
    const errLabels: Record<string, string> = { ...base0, ...matchersOf(r.errors) };
    const same = r.errors.instrument === r.total.instrument;
    const goodLabels: Record<string, string> = { ...base0 };
    if (same) for (const [k, v] of Object.entries(matchersOf(r.errors))) goodLabels[k] = otherValue(total, k, [v]);
    const totalName = metricName(total);
    const errName = metricName(errors);
    const scenario = (errorsPerMin: number): InputSeries[] =>
      same
        ? [
            { series: seriesText(totalName, goodLabels), values: '0+60x40' },
            { series: seriesText(errName, errLabels), values: `0+${errorsPerMin}x40` },
          ]
        : [
            { series: seriesText(totalName, goodLabels), values: '0+120x40' },
            { series: seriesText(errName, errLabels), values: `0+${errorsPerMin}x40` },
          ];
    for (const t of BURN_TIERS) {
      alerts.push({
        catalog: c.id,
        rule: alertRule(
          ctx,
          `${name}ErrorBudgetBurn${t.tier}`,
          burnCondition(base, 'error_ratio', t, budget),
          t.for,
          t.severity,
          `${c.title}: ${r.title} is burning its error budget ${t.tier === 'Fast' ? 'fast' : 'slowly'} (${where})`,
          `The error ratio of ${r.title.toLowerCase()} (${errName} over ${totalName}) for ${where} exceeds ${burnWindowsText(t)}; the SLO is ${num(slo.availability * 100)} % success (budget ${num(budget * 100)} %).`,
        ),
        scenario: { fire: scenario(60), healthy: scenario(0), evalTime: '30m', labels: { job: TEST_JOB, ...extra } },
        runbook: {
          meaning: `Failures of ${r.title.toLowerCase()} (${c.title}) exceed what the ${num(slo.availability * 100)} % SLO allows: at this rate the ${num(budget * 100)} % error budget of 30 days runs out ${t.tier === 'Fast' ? 'within days (2 % of it in 1 h, or 5 % in 6 h)' : 'before the month ends (10 % of it in 3 days)'}.`,
          impact: `Callers see failed ${r.title.toLowerCase()}; ${tierUrgency(t)}.`,
          diagnosis: [
            `Dashboard "${c.title}", row "${r.title}": error ratio and rate by ${(r.by ?? ['job']).join(', ')} show where the errors are.`,
            `Query \`${agg('sum', [...by, ...(r.by ?? []).map(labelName)], `rate(${series(errName, matchers(r.errors))}[5m])`)}\` to see which series fail.`,
            'Open an exemplar of the failing latency heatmap (trace_id) for the trace of one failed request.',
          ],
          mitigation: ['Roll back a recent deploy of the job, or route around the failing dependency.', 'If the SLO is wrong for this service, change it in the catalog and regenerate (`npx otelkit catalog`).'],
        },
      });
    }
  }
  if (slo?.latency !== undefined && r.latency !== undefined) {
    const h = resolve(c, r.latency);
    const hn = metricName(h);
    const { thresholdSeconds, objective } = slo.latency;
    const budget = 1 - objective;
    for (const w of WINDOWS) {
      const rw = ctx.range(w);
      records.push({
        record: `slo:${base}:slow_ratio_rate${w}`,
        expr: `1 - (${agg('sum', by, `rate(${series(`${hn}_bucket`, [...ctx.selector, ...matchers(r.latency), leMatcher(thresholdSeconds)])}[${rw}])`)} / ${agg('sum', by, `rate(${series(`${hn}_count`, [...ctx.selector, ...matchers(r.latency)])}[${rw}])`)})`,
      });
    }
    const extra = byValues((r.sloBy ?? []).map(labelName));
    const labels = refLabels(r.latency, extra);
    const scenario = (fastPerMin: number): InputSeries[] => [
      { series: seriesText(`${hn}_bucket`, { ...labels, le: String(thresholdSeconds) }), values: `0+${fastPerMin}x40` },
      { series: seriesText(`${hn}_count`, labels), values: '0+60x40' },
    ];
    for (const t of BURN_TIERS) {
      alerts.push({
        catalog: c.id,
        rule: alertRule(
          ctx,
          `${name}LatencyBudgetBurn${t.tier}`,
          burnCondition(base, 'slow_ratio', t, budget),
          t.for,
          t.severity,
          `${c.title}: ${r.title} is slower than its latency SLO (${where})`,
          `More than the budgeted ${num(budget * 100)} % of ${r.title.toLowerCase()} for ${where} take longer than ${thresholdSeconds} s (${hn}_bucket{le="${thresholdSeconds}"} over ${hn}_count), burning ${burnWindowsText(t)}.`,
        ),
        scenario: { fire: scenario(0), healthy: scenario(60), evalTime: '30m', labels: { job: TEST_JOB, ...extra } },
        runbook: {
          meaning: `Fewer than ${num(objective * 100)} % of ${r.title.toLowerCase()} finish within ${thresholdSeconds} s (read from the bucket le=${thresholdSeconds} of ${hn}).`,
          impact: `Callers wait; ${tierUrgency(t)}.`,
          diagnosis: [
            `Dashboard "${c.title}", row "${r.title}": the p50/p95/p99 panel and the latency heatmap; click an exemplar in the slow buckets to open its trace.`,
            'Compare with the runtime dashboard (event loop delay, GC): a busy process is slow for every request.',
          ],
          mitigation: ['Scale out or shed load; look for a slow dependency in the trace.', 'If the threshold is wrong, change `slo.latency` in the catalog and regenerate.'],
        },
      });
    }
  }
  return { records, alerts };
}

function matchersOf(ref: SeriesRef<CatalogDeclaration['instruments']> | undefined): Record<string, string> {
  if (ref === undefined) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((ref.match ?? {}) as Record<string, unknown>)) out[labelName(k)] = (Array.isArray(v) ? v[0] : v) as string;
  return out;
}

/** The gauge series name of a ref (a histogram counts by `_count`). */
function presenceName(d: InstrumentDeclaration): string {
  return promType(d) === 'histogram' ? `${metricName(d)}_count` : metricName(d);
}

/** Recording and alerting rules of one catalog, with what the promtool tests and the runbook need. */
export function generateRules(input: AnyCatalog, options: GenerateOptions = {}): GeneratedRules {
  const catalog = input as CatalogDeclaration;
  const ctx = context(catalog, options);
  const c = catalog;
  const records: RecordingRule[] = [];
  const alerts: GeneratedAlert[] = [];
  for (const r of c.requests ?? []) {
    const out = requestRules(ctx, r);
    records.push(...out.records);
    alerts.push(...out.alerts);
  }
  for (const q of c.queues ?? []) {
    const d = resolve(c, q.depth);
    const by = ['job', 'instance', ...q.by.map(labelName)];
    const s = series(metricName(d), [...ctx.selector, ...matchers(q.depth)]);
    const name = `${ctx.prefix}${pascal(q.id)}BacklogGrowing`;
    const labels = refLabels(q.depth, byValues(q.by.map(labelName)));
    const { maxDepth, growingFor } = q.healthy;
    alerts.push({
      catalog: c.id,
      rule: alertRule(
        ctx,
        name,
        `(${agg('max', by, s)} > ${num(maxDepth)}) and (${agg('max', by, `deriv(${s}[${ctx.range(growingFor)}])`)} > 0)`,
        growingFor,
        'warning',
        `${c.title}: ${q.title} keeps growing (${labelsText(by)})`,
        `${metricName(d)} for ${labelsText(by)} is above ${num(maxDepth)} and has been growing for ${growingFor}: the consumer does not keep up, or has stalled.`,
      ),
      scenario: { fire: [{ series: seriesText(metricName(d), labels), values: '0+10x60' }], healthy: [{ series: seriesText(metricName(d), labels), values: `${num(maxDepth / 2)}+0x60` }], evalTime: '45m', labels: stripUndefined(pick(labels, by)) },
      runbook: {
        meaning: `The queue holds more than ${num(maxDepth)} items and grew over the last ${growingFor}: work arrives faster than it is processed.`,
        impact: 'Work waits longer and longer; memory or storage of the queue fills up.',
        diagnosis: [
          `Dashboard "${c.title}": queue depth next to the processing-cycle rate and error ratio of the same service — a consumer that stopped cycling, or whose cycles fail, is stalled.`,
          'Check the consumer process is running and not blocked (event loop delay on the runtime dashboard).',
        ],
        mitigation: ['Restart or scale out the consumer; fix the failing cycle (see its error type in processing.errors).', 'If the producer burst is expected, raise `healthy.maxDepth` in the catalog.'],
      },
    });
  }
  for (const p of c.pools ?? []) {
    const cd = resolve(c, p.connections);
    const pd = resolve(c, p.pending);
    const by = ['job', 'instance', ...p.by.map(labelName)];
    const state = labelName(p.stateAttribute);
    const idle = agg('max', by, series(metricName(cd), [...ctx.selector, ...matchers(p.connections), `${state}=${JSON.stringify(p.idleState)}`]));
    const pending = agg('max', by, series(metricName(pd), [...ctx.selector, ...matchers(p.pending)]));
    const labels = refLabels(p.connections, byValues(p.by.map(labelName)));
    const pool = (idleN: number, usedN: number, waitN: number): InputSeries[] => [
      { series: seriesText(metricName(cd), { ...labels, [state]: p.idleState }), values: `${idleN}x30` },
      { series: seriesText(metricName(cd), { ...labels, [state]: p.usedState }), values: `${usedN}x30` },
      { series: seriesText(metricName(pd), labels), values: `${waitN}x30` },
    ];
    const expLabels = stripUndefined(pick(labels, by));
    const exhausted = `${ctx.prefix}${pascal(p.id)}Exhausted`;
    alerts.push({
      catalog: c.id,
      rule: alertRule(ctx, exhausted, `(${idle} == 0) and (${pending} > 0)`, '2m', 'critical', `${c.title}: ${p.title} is exhausted (${labelsText(by)})`, `No idle connection is left in pool ${labelsText(by)} and requests wait for one (${metricName(pd)} > 0).`),
      scenario: { fire: pool(0, 10, 3), healthy: pool(5, 5, 0), evalTime: '10m', labels: expLabels },
      runbook: {
        meaning: 'Every connection of the pool is in use and requests queue for one.',
        impact: 'Queries wait for a connection: latency of everything that uses the database grows; timeouts follow.',
        diagnosis: ['Dashboard "' + c.title + '": connections by state and pending requests; look for long transactions or leaked (never released) clients.', 'On PostgreSQL: `SELECT state, count(*) FROM pg_stat_activity GROUP BY 1` and long-running queries.'],
        mitigation: ['Release leaked clients (a missing `client.release()`), shorten transactions, or raise the pool `max` if the database has room.'],
      },
    });
    const waiting = `${ctx.prefix}${pascal(p.id)}ClientsWaiting`;
    alerts.push({
      catalog: c.id,
      rule: alertRule(ctx, waiting, `${pending} > 0`, p.healthy.waitingFor, 'warning', `${c.title}: clients wait for ${p.title.toLowerCase()} connections (${labelsText(by)})`, `Requests have been waiting for a connection of pool ${labelsText(by)} for ${p.healthy.waitingFor}.`),
      scenario: { fire: pool(1, 9, 2), healthy: pool(5, 5, 0), evalTime: '10m', labels: expLabels },
      runbook: {
        meaning: `Requests have waited for a pool connection continuously for ${p.healthy.waitingFor}: the pool is too small for the load, or connections are held too long.`,
        impact: 'Added latency on every database call.',
        diagnosis: ['Dashboard "' + c.title + '": pending requests next to used connections; compare with the request rate.'],
        mitigation: ['Raise the pool size if the database allows it, or reduce how long a client is held.'],
      },
    });
  }
  for (const e of c.exporters ?? []) {
    const d = resolve(c, e.consecutiveFailures);
    const by = ['job', 'instance', ...e.by.map(labelName)];
    const name = `${ctx.prefix}${pascal(e.id)}Failing`;
    const labels = refLabels(e.consecutiveFailures, byValues(e.by.map(labelName)));
    const { maxConsecutiveFailures, failingFor } = e.healthy;
    alerts.push({
      catalog: c.id,
      rule: alertRule(
        ctx,
        name,
        `${agg('max', by, series(metricName(d), [...ctx.selector, ...matchers(e.consecutiveFailures)]))} > ${num(maxConsecutiveFailures)}`,
        failingFor,
        'warning',
        `${c.title}: exporter {{ $labels.${labelName(e.by[0] ?? 'job')} }} keeps failing (${labelsText(by)})`,
        `The exporter has had more than ${num(maxConsecutiveFailures)} failed exports in a row, without a success, for ${failingFor}: its telemetry does not arrive (${metricName(d)}).`,
      ),
      scenario: { fire: [{ series: seriesText(metricName(d), labels), values: '3x30' }], healthy: [{ series: seriesText(metricName(d), labels), values: '0x30' }], evalTime: '10m', labels: stripUndefined(pick(labels, by)) },
      runbook: {
        meaning: 'An otelkit exporter (OTLP to a Collector, or the Pushgateway) fails every export: the receiver is down, unreachable, or refuses the data.',
        impact: 'Metrics (and with OTLP, possibly traces) of this process do not reach the backend; data points are dropped once retries give up.',
        diagnosis: [
          "`tel.health().exporters` of the process (or its log: one line per failure kind) gives the last error, e.g. `ECONNREFUSED` or `HTTP 400`.",
          `Dashboard "${c.title}": exports by outcome, dropped data points.`,
          'Check the Collector is up (its own `up` target) and the endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`) is right.',
        ],
        mitigation: ['Restart the Collector or fix the endpoint / credentials; exports resume by themselves (cumulative sums catch up).'],
      },
    });
  }
  for (const t of c.thresholds ?? []) {
    const d = resolve(c, t.gauge);
    const by = ['job', 'instance', ...t.by.map(labelName)];
    const name = `${ctx.prefix}${pascal(t.id)}High`;
    const labels = refLabels(t.gauge, byValues(t.by.map(labelName)));
    alerts.push({
      catalog: c.id,
      rule: alertRule(ctx, name, `${agg('max', by, series(metricName(d), [...ctx.selector, ...matchers(t.gauge)]))} > ${num(t.max)}`, t.for, t.severity, `${c.title}: ${t.title} is high (${labelsText(by)})`, `${metricName(d)} has stayed above ${num(t.max)} for ${t.for} (${labelsText(by)}).`),
      scenario: { fire: [{ series: seriesText(metricName(d), labels), values: `${num(t.max * 2 + 1)}x30` }], healthy: [{ series: seriesText(metricName(d), labels), values: '0x30' }], evalTime: '20m', labels: stripUndefined(pick(labels, by)) },
      runbook: {
        meaning: `${t.title} (${d.name}) stayed above ${num(t.max)} ${d.unit === 's' ? 'seconds ' : ''}for ${t.for}.`,
        impact: 'Everything the process does is delayed by as much: requests, timers, health checks.',
        diagnosis: ['Dashboard "' + c.title + '": event loop utilization, GC duration, heap; a CPU profile (`node --cpu-prof`) of the process shows what blocks the loop.'],
        mitigation: ['Move synchronous work off the loop (worker threads), fix the hot path, or scale out.'],
      },
    });
  }
  if (c.presence !== undefined) {
    const d = resolve(c, c.presence);
    const pn = presenceName(d);
    const name = `${ctx.prefix}MetricsAbsent`;
    const expr = `absent(${series(pn, [...ctx.selector, ...matchers(c.presence)])})`;
    alerts.push({
      catalog: c.id,
      rule: alertRule(ctx, name, expr, '10m', 'warning', `${c.title}: no ${pn} series at all`, `No series of ${pn} has been scraped or received for 10 minutes: the ${c.title.toLowerCase()} is not running, not scraped, or its telemetry does not arrive.`),
      scenario: {
        fire: [{ series: seriesText('up', { job: TEST_JOB, instance: TEST_INSTANCE }), values: '1x30' }],
        healthy: [{ series: seriesText(pn, refLabels(c.presence)), values: '1x30' }],
        evalTime: '15m',
        labels: {},
      },
      runbook: {
        meaning: `The series every ${c.title.toLowerCase()} exports (${pn}) is missing from Prometheus.`,
        impact: 'Every other alert of this set is blind: no data means no alert.',
        diagnosis: ['Prometheus → Status → Targets: is the target up? For the Collector path: is the Collector running, and its exporter scraped (or remote writing)?', 'Was the metric renamed? The catalog generates the rules; regenerate after a rename.'],
        mitigation: ['Start the service or fix the scrape / Collector configuration.'],
      },
    });
  }
  if (c.id === 'otelkit') {
    const name = 'OtelkitTargetDown';
    alerts.push({
      catalog: c.id,
      rule: alertRule(ctx, name, `${series('up', ctx.selector)} == 0`, '5m', 'critical', 'Target {{ $labels.instance }} of job {{ $labels.job }} is down', 'Prometheus could not scrape {{ $labels.instance }} (job {{ $labels.job }}) for 5 minutes.'),
      scenario: { fire: [{ series: seriesText('up', { job: TEST_JOB, instance: TEST_INSTANCE }), values: '0x30' }], healthy: [{ series: seriesText('up', { job: TEST_JOB, instance: TEST_INSTANCE }), values: '1x30' }], evalTime: '10m', labels: { job: TEST_JOB, instance: TEST_INSTANCE } },
      runbook: {
        meaning: 'A scrape target (a service\'s /metrics, or the Collector\'s Prometheus exporter) does not answer.',
        impact: 'No metrics from it; its own alerts cannot fire.',
        diagnosis: ['Prometheus → Status → Targets shows the scrape error (connection refused, timeout, 401 when /metrics needs auth).', 'Is the process running? Does `curl http://<instance>/metrics` answer?'],
        mitigation: ['Start the process, fix the port or the credentials of the scrape job.'],
      },
    });
  }
  const groups: RuleGroup[] = [];
  if (records.length > 0) groups.push({ name: `${c.id}.recording`, rules: records });
  if (alerts.length > 0) groups.push({ name: `${c.id}.alerts`, rules: alerts.map((a) => a.rule) });
  return { groups, alerts };
}

function pick(l: Record<string, string>, keys: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(keys.map((k) => [k, l[k]]));
}

function stripUndefined(l: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(l).filter((e): e is [string, string] => e[1] !== undefined));
}
