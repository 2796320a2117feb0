import { MetersConfigError } from '../errors.js';
import type { CatalogDeclaration, InstrumentDeclaration, InstrumentDeclarations } from './declaration.js';

const KINDS = new Set(['counter', 'updowncounter', 'histogram', 'gauge', 'observablecounter', 'observableupdowncounter', 'observablegauge']);
const COUNTERS = new Set(['counter', 'observablecounter']);
const GAUGES = new Set(['gauge', 'observablegauge', 'updowncounter', 'observableupdowncounter']);
// https://opentelemetry.io/docs/specs/otel/metrics/api/#instrument-name-syntax
const INSTRUMENT_NAME = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;
const ID = /^[a-z][a-z0-9-]{0,62}$/;
const INDICATOR_ID = /^[a-z][a-zA-Z0-9_]{0,62}$/;
const DURATION = /^[0-9]+(s|m|h|d)$/;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks a catalog the way the compiler cannot (a catalog module written in JavaScript, a value
 * loaded from JSON) and throws a {@link MetersConfigError} naming the first bad field, e.g.
 * `catalog "checkout": instruments.orders.unit must be a string …`. `where` prefixes the field.
 */
export function validateCatalog(catalog: unknown, where = 'catalog'): asserts catalog is CatalogDeclaration {
  const fail = (field: string, problem: string, example: string): never => {
    throw new MetersConfigError(label, field, problem, example);
  };
  let label = where;
  if (!isObject(catalog)) throw new MetersConfigError(where, '(catalog)', `must be an object made with defineCatalog(), got ${catalog === null ? 'null' : typeof catalog}`, "defineCatalog({ id: 'checkout', title: 'Checkout', instruments: { … } })");
  if (typeof catalog.id !== 'string' || !ID.test(catalog.id)) fail('id', 'must be lowercase letters, digits and dashes, starting with a letter', "id: 'checkout'");
  label = `${where} "${String(catalog.id)}"`;
  if (typeof catalog.title !== 'string' || !/^[A-Za-z][A-Za-z0-9 ]*$/.test(catalog.title)) fail('title', 'must be letters, digits and spaces, starting with a letter (alert names are made from it)', "title: 'Checkout'");
  const instruments = catalog.instruments;
  if (!isObject(instruments) || Object.keys(instruments).length === 0) fail('instruments', 'must be an object with at least one instrument', "instruments: { orders: { name: 'checkout.orders', kind: 'counter', unit: '{order}', description: '…' } }");
  const names = new Map<string, string>();
  for (const [key, d] of Object.entries(instruments as Record<string, unknown>)) validateInstrument(fail, `instruments.${key}`, d, names);
  const ins = instruments as InstrumentDeclarations;

  const ref = (field: string, r: unknown, kinds: Set<string> | undefined, kindText: string): InstrumentDeclaration => {
    if (!isObject(r) || typeof r.instrument !== 'string') return fail(field, 'must be { instrument: <key of instruments>, match?: { … } }', `${field.split('.').pop()}: { instrument: '${Object.keys(ins)[0]}' }`);
    const d = ins[r.instrument];
    if (d === undefined) return fail(`${field}.instrument`, `names no instrument of this catalog (have: ${Object.keys(ins).join(', ')})`, `instrument: '${Object.keys(ins)[0]}'`);
    if (kinds !== undefined && !kinds.has(d.kind)) fail(`${field}.instrument`, `must be ${kindText}, but "${r.instrument}" is a ${d.kind}`, `instrument: '<a ${kindText}>'`);
    if (r.match !== undefined) {
      if (!isObject(r.match)) fail(`${field}.match`, 'must be an object of attribute → value(s)', "match: { outcome: 'failure' }");
      for (const [k, v] of Object.entries(r.match as Record<string, unknown>)) {
        const a = d.attributes?.[k];
        if (a === undefined) fail(`${field}.match.${k}`, `is not an attribute of ${d.name}`, `match: { ${Object.keys(d.attributes ?? {})[0] ?? 'attribute'}: '…' }`);
        const vs = Array.isArray(v) ? v : [v];
        if (vs.length === 0) fail(`${field}.match.${k}`, 'must name at least one value', `${k}: '…'`);
        for (const x of vs) {
          if (typeof x !== 'string' || x.length === 0) fail(`${field}.match.${k}`, 'must be a string or an array of strings', `${k}: '…'`);
          if (Array.isArray(a!.values) && !a!.values.includes(x as string) && x !== a!.overflow) fail(`${field}.match.${k}`, `value "${String(x)}" is not one of ${a!.values.join(', ')}`, `${k}: '${a!.values[0]}'`);
        }
      }
    }
    return d;
  };
  const labels = (field: string, by: unknown, ds: InstrumentDeclaration[]): void => {
    if (by === undefined) return;
    if (!Array.isArray(by)) return fail(field, 'must be an array of attribute keys', `${field.split('.').pop()}: ['${Object.keys(ds[0]?.attributes ?? { attribute: 0 })[0]}']`);
    for (const k of by) if (typeof k !== 'string' || !ds.some((d) => d.attributes?.[k] !== undefined)) fail(field, `"${String(k)}" is not an attribute of ${ds.map((d) => d.name).join(' or ')}`, `${field.split('.').pop()}: ['${Object.keys(ds[0]?.attributes ?? { attribute: 0 })[0]}']`);
  };
  const duration = (field: string, v: unknown): void => {
    if (typeof v !== 'string' || !DURATION.test(v) || parseInt(v, 10) === 0) fail(field, 'must be a positive Prometheus duration in s, m, h or d', `'15m'`);
  };
  const fraction = (field: string, v: unknown): void => {
    if (typeof v !== 'number' || !(v > 0 && v < 1)) fail(field, `must be a number strictly between 0 and 1, got ${String(v)}`, '0.99');
  };
  const ids = new Set<string>();
  const indicator = (field: string, x: unknown): Record<string, unknown> => {
    if (!isObject(x)) return fail(field, 'must be an object', "{ id: 'orders', title: 'Orders', … }");
    if (typeof x.id !== 'string' || !INDICATOR_ID.test(x.id)) fail(`${field}.id`, 'must be a camelCase identifier', "id: 'orders'");
    if (ids.has(x.id as string)) fail(`${field}.id`, `"${String(x.id)}" is used twice`, "id: 'ordersV2'");
    ids.add(x.id as string);
    if (typeof x.title !== 'string' || x.title.length === 0) fail(`${field}.title`, 'must be a non-empty string', "title: 'Orders'");
    return x;
  };
  const list = (key: string): unknown[] => {
    const v = catalog[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) return fail(key, 'must be an array', `${key}: [ … ]`);
    return v;
  };

  list('requests').forEach((x, i) => {
    const f = `requests[${i}]`;
    const r = indicator(f, x);
    const ds: InstrumentDeclaration[] = [];
    if (r.total !== undefined) ds.push(ref(`${f}.total`, r.total, COUNTERS, 'a counter'));
    if (r.errors !== undefined) ds.push(ref(`${f}.errors`, r.errors, COUNTERS, 'a counter'));
    if (r.errors !== undefined && r.total === undefined) fail(`${f}.total`, 'is required with errors (the error ratio is errors / total)', `total: { instrument: '…' }`);
    let latency: InstrumentDeclaration | undefined;
    if (r.latency !== undefined) ds.push((latency = ref(`${f}.latency`, r.latency, new Set(['histogram']), 'a histogram')));
    if (ds.length === 0) fail(f, 'needs total, errors or latency', "total: { instrument: '…' }");
    labels(`${f}.by`, r.by, ds);
    labels(`${f}.sloBy`, r.sloBy, ds);
    if (r.slo !== undefined) {
      if (!isObject(r.slo)) fail(`${f}.slo`, 'must be an object', 'slo: { availability: 0.99 }');
      const slo = r.slo as Record<string, unknown>;
      if (slo.availability !== undefined) {
        fraction(`${f}.slo.availability`, slo.availability);
        if (r.errors === undefined) fail(`${f}.errors`, 'is required by slo.availability', "errors: { instrument: '…', match: { outcome: 'failure' } }");
      }
      if (slo.latency !== undefined) {
        if (latency === undefined) fail(`${f}.latency`, 'is required by slo.latency', "latency: { instrument: '<histogram>' }");
        const l = slo.latency as Record<string, unknown>;
        if (!isObject(l)) fail(`${f}.slo.latency`, 'must be { thresholdSeconds, objective }', 'latency: { thresholdSeconds: 0.5, objective: 0.95 }');
        fraction(`${f}.slo.latency.objective`, l.objective);
        if (!latency!.boundaries?.includes(l.thresholdSeconds as number)) {
          fail(`${f}.slo.latency.thresholdSeconds`, `must be one of the bucket bounds of ${latency!.name} (${(latency!.boundaries ?? []).join(', ')}): the SLO is read from the bucket le=threshold`, `thresholdSeconds: ${latency!.boundaries?.[Math.floor((latency!.boundaries.length - 1) / 2)] ?? 0.5}`);
        }
      }
    }
  });
  list('queues').forEach((x, i) => {
    const f = `queues[${i}]`;
    const q = indicator(f, x);
    const d = ref(`${f}.depth`, q.depth, GAUGES, 'a gauge');
    labels(`${f}.by`, q.by ?? [], [d]);
    const h = q.healthy as Record<string, unknown> | undefined;
    if (!isObject(h)) return fail(`${f}.healthy`, 'must be { maxDepth, growingFor }', "healthy: { maxDepth: 100, growingFor: '15m' }");
    if (typeof h.maxDepth !== 'number' || !(h.maxDepth >= 0)) fail(`${f}.healthy.maxDepth`, 'must be a number >= 0', 'maxDepth: 100');
    duration(`${f}.healthy.growingFor`, h.growingFor);
  });
  list('pools').forEach((x, i) => {
    const f = `pools[${i}]`;
    const p = indicator(f, x);
    const c = ref(`${f}.connections`, p.connections, GAUGES, 'a gauge');
    const pe = ref(`${f}.pending`, p.pending, GAUGES, 'a gauge');
    labels(`${f}.by`, p.by ?? [], [c, pe]);
    if (typeof p.stateAttribute !== 'string' || c.attributes?.[p.stateAttribute] === undefined) fail(`${f}.stateAttribute`, `must be an attribute of ${c.name}`, `stateAttribute: '${Object.keys(c.attributes ?? {}).at(-1) ?? 'state'}'`);
    duration(`${f}.healthy.waitingFor`, (p.healthy as Record<string, unknown> | undefined)?.waitingFor);
  });
  list('exporters').forEach((x, i) => {
    const f = `exporters[${i}]`;
    const e = indicator(f, x);
    const d1 = ref(`${f}.exports`, e.exports, COUNTERS, 'a counter');
    const d2 = ref(`${f}.consecutiveFailures`, e.consecutiveFailures, GAUGES, 'a gauge');
    if (e.dropped !== undefined) ref(`${f}.dropped`, e.dropped, COUNTERS, 'a counter');
    labels(`${f}.by`, e.by ?? [], [d1, d2]);
    const h = e.healthy as Record<string, unknown> | undefined;
    if (!isObject(h) || typeof h.maxConsecutiveFailures !== 'number') return fail(`${f}.healthy.maxConsecutiveFailures`, 'must be a number', 'maxConsecutiveFailures: 0');
    duration(`${f}.healthy.failingFor`, h.failingFor);
  });
  list('thresholds').forEach((x, i) => {
    const f = `thresholds[${i}]`;
    const t = indicator(f, x);
    const d = ref(`${f}.gauge`, t.gauge, GAUGES, 'a gauge');
    labels(`${f}.by`, t.by ?? [], [d]);
    if (typeof t.max !== 'number' || !Number.isFinite(t.max)) fail(`${f}.max`, 'must be a finite number', 'max: 0.5');
    duration(`${f}.for`, t.for);
    if (t.severity !== 'warning' && t.severity !== 'critical') fail(`${f}.severity`, "must be 'warning' or 'critical'", "severity: 'warning'");
  });
  if (catalog.presence !== undefined) ref('presence', catalog.presence, undefined, 'an instrument');
}

function validateInstrument(fail: (field: string, problem: string, example: string) => never, f: string, d: unknown, names: Map<string, string>): void {
  if (!isObject(d)) return fail(f, 'must be an object { name, kind, unit, description, attributes? }', "{ name: 'checkout.orders', kind: 'counter', unit: '{order}', description: 'Orders.' }");
  if (typeof d.name !== 'string' || !INSTRUMENT_NAME.test(d.name)) fail(`${f}.name`, 'must be an OpenTelemetry instrument name (a letter, then letters, digits, _ . - /; at most 255)', "name: 'checkout.orders'");
  const other = names.get(d.name as string);
  if (other !== undefined) fail(`${f}.name`, `"${String(d.name)}" is also the name of ${other}`, "name: 'checkout.orders.v2'");
  names.set(d.name as string, f);
  if (typeof d.kind !== 'string' || !KINDS.has(d.kind)) fail(`${f}.kind`, `must be one of ${[...KINDS].join(', ')}`, "kind: 'counter'");
  if (typeof d.unit !== 'string' || d.unit.length > 63 || !/^[\x20-\x7e]*$/.test(d.unit)) fail(`${f}.unit`, 'must be a UCUM unit string (ASCII, at most 63 characters; "" for none)', "unit: 's'");
  if (typeof d.description !== 'string' || d.description.length === 0) fail(`${f}.description`, 'must be a non-empty string (it is the HELP text and the dashboard description)', "description: 'Orders, by outcome.'");
  if (d.boundaries !== undefined) {
    if (d.kind !== 'histogram') fail(`${f}.boundaries`, 'only a histogram has bucket bounds', 'remove boundaries');
    const b = d.boundaries;
    if (!Array.isArray(b) || b.length === 0 || b.some((x, i) => typeof x !== 'number' || !Number.isFinite(x) || (i > 0 && x <= b[i - 1]))) {
      fail(`${f}.boundaries`, 'must be finite numbers in strictly increasing order', 'boundaries: [0.01, 0.1, 1, 10]');
    }
  }
  if (d.recordedInSpans !== undefined && typeof d.recordedInSpans !== 'boolean') fail(`${f}.recordedInSpans`, 'must be true or false (false: recorded outside any span, no exemplars)', 'recordedInSpans: false');
  if (d.attributes !== undefined) {
    if (!isObject(d.attributes)) fail(`${f}.attributes`, 'must be an object of attribute key → { values }', "attributes: { outcome: { values: ['ok', 'failed'] } }");
    for (const [key, a] of Object.entries(d.attributes as Record<string, unknown>)) {
      const af = `${f}.attributes.${key}`;
      if (!/^[A-Za-z][A-Za-z0-9_.]{0,254}$/.test(key)) fail(af, 'must be an attribute key of letters, digits, _ and . starting with a letter', "'outcome'");
      if (!isObject(a)) return fail(af, 'must be { values: [...] } or { values: "<description of the open set>" }', "{ values: ['ok', 'failed'] }");
      const v = a.values;
      if (typeof v === 'string') {
        if (v.length === 0) fail(`${af}.values`, 'must describe the open set when it is a string', "values: 'the `service` option'");
      } else if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || x.length === 0) || new Set(v).size !== v.length) {
        fail(`${af}.values`, 'must be a non-empty list of distinct non-empty strings', "values: ['ok', 'failed']");
      }
      if (a.overflow !== undefined && (typeof a.overflow !== 'string' || a.overflow.length === 0)) fail(`${af}.overflow`, 'must be a non-empty string', "overflow: 'other'");
      if (Array.isArray(v) && typeof a.overflow === 'string' && v.includes(a.overflow)) fail(`${af}.overflow`, `"${a.overflow}" is already one of the values`, "overflow: 'other'");
    }
  }
}
