/** A value in the scenario's unit, with 3 significant digits. */
export function formatValue(v, unit) {
  if (unit === 'B') {
    if (v >= 1024 * 1024) return `${sig(v / (1024 * 1024))} MiB`;
    if (v >= 1024) return `${sig(v / 1024)} KiB`;
    return `${sig(v)} B`;
  }
  // ns
  if (v >= 1e9) return `${sig(v / 1e9)} s`;
  if (v >= 1e6) return `${sig(v / 1e6)} ms`;
  if (v >= 1e3) return `${sig(v / 1e3)} µs`;
  return `${sig(v)} ns`;
}

function sig(x) {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export function formatRatio(r) {
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

/** "per op" / "per series" / "per process", for table headers. */
export function unitLabel(result) {
  return `per ${result.per ?? (result.unit === 'B' ? 'series' : 'op')}`;
}

/** One markdown table per scenario: contestants with median, min–max and the ratio to the first. */
export function scenarioTable(result) {
  const lines = [];
  if (result.rows.length === 0) return result.absent.map((a) => `- ${a.name}: not run (${a.reason})`).join('\n');
  const base = result.rows[0];
  const details = result.rows.some((r) => r.detail !== undefined);
  lines.push(`| ${result.title} | median ${unitLabel(result)} | min – max | vs ${base.name} |${details ? ` ${result.detailLabel} |` : ''}`);
  lines.push(`|---|---:|---:|---:|${details ? '---|' : ''}`);
  for (const r of result.rows) {
    const d = details ? ` ${r.detail ?? ''} |` : '';
    lines.push(`| ${r.name} | ${formatValue(r.median, result.unit)} | ${formatValue(r.min, result.unit)} – ${formatValue(r.max, result.unit)} | ${formatRatio(r.median / base.median)} |${d}`);
  }
  for (const a of result.absent ?? []) lines.push(`| ${a.name} | — | not run: ${a.reason} | — |${details ? ' |' : ''}`);
  return lines.join('\n');
}

/** `otelkit/prom-client = 0.09× (target ≤ 0.25×) ✓` */
export function targetLine(t) {
  if (t.missing) return `${t.num} / ${t.den}: not measured (${t.missing.name}: ${t.missing.reason})`;
  return `${t.num} / ${t.den} = ${formatRatio(t.ratio)} (reps ${formatRatio(t.minRatio)} – ${formatRatio(t.maxRatio)}; target ≤ ${formatRatio(t.max)}) ${t.ok ? '✓' : '✗'}`;
}

/** The summary table of every target of a run. */
export function targetsTable(results) {
  const lines = ['| target | ratio (medians) | per-repetition range | target | met |', '|---|---:|---:|---:|:---:|'];
  for (const res of results) {
    for (const t of res.targets) {
      if (t.missing) {
        lines.push(`| ${t.label}: \`${t.num}\` / \`${t.den}\` | not measured | | ≤ ${formatRatio(t.max)} | — |`);
        continue;
      }
      const over = t.ok ? '✓' : `✗ (+${((t.ratio / t.max - 1) * 100).toFixed(0)}% over)`;
      lines.push(`| ${t.label}: \`${t.num}\` / \`${t.den}\` | ${formatRatio(t.ratio)} | ${formatRatio(t.minRatio)} – ${formatRatio(t.maxRatio)} | ≤ ${formatRatio(t.max)} | ${over} |`);
    }
  }
  return lines.join('\n');
}
