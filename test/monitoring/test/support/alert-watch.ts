import type { PrometheusAlert, RulesPrometheus } from './rules-prometheus.js';

/** An alert the suite expects: its name and some of its labels. */
export interface ExpectedAlert {
  readonly alertname: string;
  readonly labels?: Readonly<Record<string, string>>;
}

const matches = (a: PrometheusAlert, e: ExpectedAlert): boolean =>
  a.labels.alertname === e.alertname && Object.entries(e.labels ?? {}).every(([k, v]) => a.labels[k] === v);

const describe = (a: PrometheusAlert): string => {
  const { alertname, severity: _s, ...rest } = a.labels;
  return `${alertname}{${Object.entries(rest).map(([k, v]) => `${k}="${v}"`).join(',')}} ${a.state}`;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Watches /api/v1/alerts through one phase of the suite (a fault on, then off): every alert seen
 * pending or firing at any poll is kept, so "the others stay inactive" is checked over the whole
 * phase, not at one instant.
 */
export class AlertWatch {
  readonly seen = new Map<string, PrometheusAlert>();
  readonly #prom: RulesPrometheus;

  constructor(prom: RulesPrometheus) {
    this.#prom = prom;
  }

  async poll(): Promise<PrometheusAlert[]> {
    const now = await this.#prom.alerts();
    for (const a of now) this.seen.set(describe(a).replace(/ (pending|firing)$/, ''), a);
    return now;
  }

  /**
   * Polls until every expected alert is active at once — in `state` when given, else pending or
   * firing; throws naming what is missing.
   */
  async until(expected: readonly ExpectedAlert[], timeoutMs: number, state?: 'firing'): Promise<PrometheusAlert[]> {
    const deadline = Date.now() + timeoutMs;
    let now: PrometheusAlert[] = [];
    for (;;) {
      now = await this.poll();
      const missing = expected.filter((e) => !now.some((a) => matches(a, e) && (state === undefined || a.state === state)));
      if (missing.length === 0) return now;
      if (Date.now() > deadline) {
        throw new Error(`after ${timeoutMs} ms still not ${state ?? 'active'}: ${missing.map((e) => `${e.alertname}${JSON.stringify(e.labels ?? {})}`).join(', ')}; active: [${now.map(describe).join('; ')}]`);
      }
      await sleep(500);
    }
  }

  /** Keeps polling for `ms` (more chances for a wrong alert to show up). */
  async hold(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await this.poll();
      await sleep(500);
    }
  }

  /** Polls until no alert is pending or firing; throws with those left. */
  async untilQuiet(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await this.poll();
      if (now.length === 0) return;
      if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms alerts still active: [${now.map(describe).join('; ')}]`);
      await sleep(500);
    }
  }

  /** Every alert seen during the phase that is not one of `expected`. */
  unexpected(expected: readonly ExpectedAlert[]): string[] {
    return [...this.seen.values()].filter((a) => !expected.some((e) => matches(a, e))).map(describe);
  }
}
