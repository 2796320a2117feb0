#!/usr/bin/env node
// Usage: node bench/run.mjs [--quick] [--only name[,name]] [--write docs/BENCHMARKS.md]
import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runScenario } from './lib/harness.mjs';
import { scenarioTable, targetLine, targetsTable } from './lib/format.mjs';
import { environment, environmentMarkdown } from './lib/env.mjs';
import { renderDoc } from './lib/doc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
/** Order of the report; scenario files not listed here run afterwards, by name. */
const ORDER = ['counter-add', 'histogram-record', 'histogram-exemplars', 'scrape', 'cluster-scrape', 'heap-per-series', 'otlp-export', 'startup'];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    write: { type: 'string' },
  },
});

async function loadScenarios() {
  const files = (await readdir(join(here, 'scenarios'))).filter((f) => f.endsWith('.mjs'));
  const rank = (f) => {
    const i = ORDER.indexOf(f.replace(/\.mjs$/, ''));
    return i < 0 ? ORDER.length : i;
  };
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const out = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(join(here, 'scenarios', f)).href);
    const list = Array.isArray(mod.default) ? mod.default : [mod.default];
    out.push(...list);
  }
  return out;
}

const only = args.only?.split(',').map((s) => s.trim()).filter(Boolean);
const all = await loadScenarios();
const selected = all.filter((s) => only === undefined || only.some((o) => s.name === o || s.name.startsWith(`${o}-`) || s.name.includes(o)));
if (selected.length === 0) {
  console.error(`no scenario matches --only ${args.only}; known: ${all.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const started = Date.now();
const envBefore = await environment();
console.log(`# otelkit benchmarks${args.quick ? ' (--quick smoke: numbers are not meaningful)' : ''}\n`);
console.log(environmentMarkdown(envBefore));

const results = [];
const skipped = [];
for (const s of selected) {
  if (args.quick && s.quick === false) {
    skipped.push({ name: s.name, reason: 'not part of --quick' });
    continue;
  }
  const reason = await s.unavailable?.();
  if (reason) {
    skipped.push({ name: s.name, reason });
    console.log(`\n## ${s.name}: skipped — ${reason}`);
    continue;
  }
  console.log(`\n## ${s.name}`);
  const t0 = Date.now();
  const res = await runScenario(s, { quick: args.quick, log: (l) => process.stderr.write(`${l}\n`) });
  res.seconds = (Date.now() - t0) / 1000;
  res.notes = s.notes;
  results.push(res);
  console.log(`\n${scenarioTable(res)}\n`);
  for (const t of res.targets) console.log(`- ${targetLine(t)}`);
  console.log(`\n_${res.reps} repetitions, load average ${res.load.toFixed(2)} → ${res.loadAfter.toFixed(2)}, ${res.seconds.toFixed(1)} s_`);
}

console.log(`\n## Targets\n\n${targetsTable(results)}\n`);
if (skipped.length > 0) console.log(`Skipped: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}\n`);
const totalSeconds = (Date.now() - started) / 1000;
console.log(`Total ${totalSeconds.toFixed(1)} s.`);

if (args.write) {
  const path = resolve(process.cwd(), args.write);
  const command = `node bench/run.mjs${args.quick ? ' --quick' : ''}${args.only ? ` --only ${args.only}` : ''} --write ${args.write}`;
  await writeFile(path, await renderDoc({ env: envBefore, results, skipped, command, totalSeconds, quick: args.quick }));
  console.log(`wrote ${path}`);
}
