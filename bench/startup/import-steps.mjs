// Sequential import times of otelkit's startup graph, each after the previous (bench/NOTES.md,
// "Whole-process startup"): node bench/startup/import-steps.mjs [specifier…]
const specs = process.argv.length > 2 ? process.argv.slice(2) : ['node:http', '@opentelemetry/api', '@otelkit/metrics', '@otelkit/prometheus', '@otelkit/otlp/options', '@otelkit/telemetry'];
const out = [];
for (const s of specs) {
  const t = performance.now();
  await import(s);
  out.push(`${s} ${(performance.now() - t).toFixed(1)}`);
}
console.log(out.join('  '));
