import { expect } from 'chai';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { MetricStore, MetricsView } from '@otelkit/metrics';
import { parseOpenMetricsStrict, promtoolCheckMetrics } from '@otelkit/testkit';
import { serializeOpenMetrics, serializeText, type SerializeOptions } from '../src/index.js';

export type Format = 'text' | 'openmetrics';
export const FORMATS: readonly Format[] = ['text', 'openmetrics'];

export function serialize(format: Format, store: MetricsView, resource?: Resource, options?: SerializeOptions): string {
  return format === 'text' ? serializeText(store, resource, options) : serializeOpenMetrics(store, resource, options);
}

/**
 * Runs the format's oracle: `promtool check metrics` must exit 0 with no lint finding (text), the
 * strict OpenMetrics parser must accept it (OpenMetrics). Returns the parsed families for OpenMetrics.
 */
export function validate(format: Format, out: string): ReturnType<typeof parseOpenMetricsStrict> | undefined {
  expect(out.includes('\r'), 'no CR').to.equal(false);
  if (out !== '') expect(out.endsWith('\n'), 'ends with LF').to.equal(true);
  if (format === 'text') {
    const r = promtoolCheckMetrics(out);
    expect(r, out).to.deep.equal({ status: 0, output: '' });
    return undefined;
  }
  return parseOpenMetricsStrict(out);
}

/** One collection around the serializer (callbacks, serialize, end of the exemplar cycle), then validates: a scrape. */
export async function scrape(format: Format, store: MetricStore, resource?: Resource, options?: SerializeOptions): Promise<string> {
  const { result: out } = await store.collect((view) => serialize(format, view, resource, options));
  validate(format, out);
  return out;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: string;
  /** Raw text after ` # ` (OpenMetrics exemplar), if any. */
  exemplar?: string;
}

function unescape(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '\\' && i + 1 < v.length) {
      const n = v[++i];
      out += n === 'n' ? '\n' : n;
    } else out += v[i];
  }
  return out;
}

/** A small parser for sample lines of both formats (labels unescaped), to assert on values. */
export function samples(out: string): Sample[] {
  const res: Sample[] = [];
  for (const line of out.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
    const name = line.slice(0, i);
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const eq = line.indexOf('=', i);
        const key = line.slice(i, eq);
        let j = eq + 2;
        let raw = '';
        while (line[j] !== '"') {
          if (line[j] === '\\') {
            raw += line[j]! + line[j + 1]!;
            j += 2;
          } else raw += line[j++];
        }
        if (key in labels) throw new Error(`duplicate label ${key} in ${line}`);
        labels[key] = unescape(raw);
        i = j + 1;
        if (line[i] === ',') i++;
      }
      i++;
    }
    const rest = line.slice(i + 1);
    const hash = rest.indexOf(' # ');
    const s: Sample = { name, labels, value: hash < 0 ? rest : rest.slice(0, hash) };
    if (hash >= 0) s.exemplar = rest.slice(hash + 3);
    res.push(s);
  }
  return res;
}

/** Lines starting with `# ` (HELP / TYPE / UNIT / EOF). */
export function metaLines(out: string): string[] {
  return out.split('\n').filter((l) => l.startsWith('#'));
}

/** Collects diag warnings while `fn` runs. */
export async function withDiag<T>(fn: () => Promise<T> | T): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const logger: DiagLogger = {
    error: (m) => warnings.push(m),
    warn: (m) => warnings.push(m),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  try {
    const result = await fn();
    return { result, warnings };
  } finally {
    diag.disable();
  }
}
