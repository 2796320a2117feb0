import { describeValue, type WarnOnce } from '@otelkit/metrics';

/** The value an attribute takes when a caller passes one outside its closed set. */
export const OTHER = 'other';

/** Resolves an attribute value given by a caller to the handle of its series. Never throws. */
export interface Resolver<V, H> {
  get(value: V): H;
}

/** Position of a value in a closed list, or -1; must not coerce (`===` semantics). */
export type IndexOf = (value: unknown) => number;

/** An {@link IndexOf} for a list known only at run time (a `Map.get`; no coercion either). */
export function mapIndex(values: readonly string[]): IndexOf {
  const m = new Map<unknown, number>(values.map((v, i) => [v, i]));
  return (v) => m.get(v) ?? -1;
}

/**
 * One attribute with a closed set of values. The handle of every allowed value is made up front
 * (so each series is exported from the start, at zero); anything else — a typo, a value the
 * TypeScript type did not stop, a non-string — resolves to the `other` series, made on first use,
 * with one warning per metric and attribute.
 */
export class Dimension<V extends string, H> implements Resolver<V, H> {
  readonly #index: IndexOf;
  readonly #handles: H[];
  readonly #make: (value: string) => H;
  readonly #warn: WarnOnce;
  readonly #metric: string;
  readonly #key: string;
  readonly #values: readonly string[];
  #other: H | undefined;

  constructor(warn: WarnOnce, metric: string, key: string, values: readonly V[], index: IndexOf, make: (value: string) => H) {
    this.#warn = warn;
    this.#metric = metric;
    this.#key = key;
    this.#index = index;
    this.#make = make;
    this.#values = values;
    this.#handles = values.map((v) => make(v));
  }

  get(value: V): H {
    const i = this.#index(value);
    return i >= 0 ? this.#handles[i]! : this.#unknown(value);
  }

  #unknown(value: unknown): H {
    this.#warn.warn(
      `unknown-value:${this.#metric}:${this.#key}`,
      `${this.#metric}: attribute "${this.#key}" got ${describeValue(value)}, which is not one of ${this.#values.join(', ')}; recorded as "${OTHER}" (further unknown values are not reported)`,
    );
    return (this.#other ??= this.#make(OTHER));
  }
}

/**
 * One attribute whose values come from the caller (operation names, queue names, error types):
 * the first `limit` distinct strings of 1 to 255 characters get their own series, later ones and
 * anything else go to `fallback`, with one warning per metric, attribute and reason. Handles are
 * made on first use.
 */
export class OpenDimension<H> implements Resolver<string, H> {
  readonly #seen = new Map<unknown, H>();
  readonly #make: (value: string) => H;
  readonly #warn: WarnOnce;
  readonly #metric: string;
  readonly #key: string;
  readonly #limit: number;
  readonly #fallback: string;
  #other: H | undefined;

  constructor(warn: WarnOnce, metric: string, key: string, limit: number, make: (value: string) => H, fallback: string = OTHER) {
    this.#warn = warn;
    this.#metric = metric;
    this.#key = key;
    this.#limit = limit;
    this.#make = make;
    this.#fallback = fallback;
  }

  get(value: string): H {
    const h = this.#seen.get(value);
    return h !== undefined ? h : this.#add(value);
  }

  #add(value: unknown): H {
    if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
      this.#warn.warn(
        `bad-value:${this.#metric}:${this.#key}`,
        `${this.#metric}: attribute "${this.#key}" got ${describeValue(value)}, not a string of 1 to 255 characters; recorded as "${this.#fallback}"`,
      );
      return this.#fallbackHandle();
    }
    if (value === this.#fallback) return this.#fallbackHandle();
    if (this.#seen.size >= this.#limit) {
      this.#warn.warn(
        `too-many-values:${this.#metric}:${this.#key}`,
        `${this.#metric}: attribute "${this.#key}" reached its limit of ${this.#limit} distinct values; ${describeValue(value)} and later new values are recorded as "${this.#fallback}"`,
      );
      return this.#fallbackHandle();
    }
    const h = this.#make(value);
    this.#seen.set(value, h);
    return h;
  }

  #fallbackHandle(): H {
    return (this.#other ??= this.#make(this.#fallback));
  }
}
