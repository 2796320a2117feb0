import { diag } from '@opentelemetry/api';

/**
 * Typed readers for `OTEL_*` variables following the SDK environment variable spec
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#parsing-empty-value):
 * empty means unset; a malformed value logs one warning and the default applies.
 */
export class EnvReader {
  readonly #env: Record<string, string | undefined>;
  readonly warnings: string[] = [];
  readonly #warned = new Set<string>();

  constructor(env: Record<string, string | undefined>) {
    this.#env = env;
  }

  /** The variables read (for a resolver that reads them itself, as @otelkit/otlp's does). */
  get source(): Readonly<Record<string, string | undefined>> {
    return this.#env;
  }

  /**
   * Records a warning about `name` (kept in {@link warnings}, logged through diag) unless one was
   * already recorded: some variables are read once per signal, still one warning each.
   */
  report(name: string, message: string): void {
    if (this.#warned.has(name)) return;
    this.#warned.add(name);
    this.warnings.push(message);
    diag.warn(message);
  }

  #warn(name: string, value: string, expected: string): void {
    this.report(name, `otelkit: ignoring ${name}=${JSON.stringify(value.length > 200 ? value.slice(0, 200) + '…' : value)}: expected ${expected}; using the default`);
  }

  /** The raw value, trimmed; undefined when unset or empty. */
  raw(name: string): string | undefined {
    const v = this.#env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  /** https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#boolean-value */
  boolean(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const l = v.toLowerCase();
    if (l === 'true') return true;
    if (l !== 'false') this.#warn(name, v, '"true" or "false"');
    return false;
  }

  /** Non-negative integer (durations in ms, ports). */
  integer(name: string, min: number, max: number): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.#warn(name, v, `an integer from ${min} to ${max}`);
      return undefined;
    }
    return Number(v);
  }

  number(name: string, min: number, max: number): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      this.#warn(name, v, `a number from ${min} to ${max}`);
      return undefined;
    }
    return n;
  }

  /** Case-insensitive enum: https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#enum-value */
  enumeration<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const l = v.toLowerCase() as T;
    if (allowed.includes(l)) return l;
    this.#warn(name, v, `one of ${allowed.join(', ')}`);
    return undefined;
  }

  /** Comma list of enum values; unknown entries are dropped with a warning, duplicates removed. */
  list<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const out: T[] = [];
    for (const part of v.split(',')) {
      const l = part.trim().toLowerCase() as T;
      if (l === '') continue;
      if (!allowed.includes(l)) {
        this.#warn(name, part.trim(), `a comma-separated list of ${allowed.join(', ')}`);
        continue;
      }
      if (!out.includes(l)) out.push(l);
    }
    return out;
  }

  /** An absolute http(s) URL. */
  url(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!isHttpUrl(v)) {
      this.#warn(name, v, 'an absolute http:// or https:// URL such as http://localhost:4318');
      return undefined;
    }
    return v;
  }

  /**
   * `key1=value1,key2=value2` with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES). A malformed
   * list is discarded whole, as the resource spec asks. (OTLP headers follow another rule — skip
   * the malformed entry — and are parsed by @otelkit/otlp.)
   */
  keyValues(name: string): Record<string, string> | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const part of v.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      const key = eq > 0 ? part.slice(0, eq).trim() : '';
      if (key === '') {
        this.#warn(name, v, 'comma-separated key=value pairs, e.g. key1=value1,key2=value2');
        return undefined;
      }
      try {
        out[key] = decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        this.#warn(name, v, 'percent-encoded values (e.g. a%2Fb for a/b)');
        return undefined;
      }
    }
    return out;
  }
}

export function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}
