/** Options of the generators; every field has a default. */
export interface GenerateOptions {
  /**
   * Extra label matchers put in every selector of the rules (e.g. `job=~"coordinator|worker"`),
   * to scope a rule file to some targets. Default: none.
   */
  readonly selector?: string;
  /** Base URL of the runbook; each alert links `<runbookUrl>#<alertname in lowercase>`. */
  readonly runbookUrl?: string;
  /**
   * Test-only: multiplies every rule window and `for:` duration (0.01 makes `1h` `36s`), so a
   * live test can run a time-compressed variant of the same rules. Windows are kept at or above
   * `minWindow`; rule names and thresholds do not change. Default 1 (the committed files).
   */
  readonly durationScale?: number;
  /** Test-only: the shortest range a scaled window gets (default `1m`; only with `durationScale`). */
  readonly minWindow?: string;
  /**
   * Test-only: the shortest `for:` a scaled alert keeps (default: none — a `for:` that scales
   * below one second is dropped). A floor keeps one noisy evaluation on a loaded machine from
   * firing a compressed alert.
   */
  readonly minFor?: string;
  /** Grafana datasource type of the trace datasource exemplars link to (default `tempo`). */
  readonly traceDatasourceType?: string;
  /** Prefix of the dashboard uids and titles (default `otelkit`). */
  readonly dashboardPrefix?: string;
}

export const DEFAULT_RUNBOOK_URL = 'https://github.com/otelkit/otelkit/blob/main/docs/RUNBOOK.md';
