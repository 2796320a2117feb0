import { hrtime } from 'node:process';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { max, median, min, shuffle } from './stats.mjs';
import { formatValue } from './format.mjs';

/*
 * A tiny harness. Each contestant's setup returns either
 *   { fn(i), async?, wrap?(run), teardown?() }  — timed over N calls, result in ns per call, or
 *   { sample(), teardown?() }                    — one measurement per repetition (ms, bytes…).
 * Every contestant is set up first, warmed up, then R repetitions run with the contestants in a
 * fresh random order each time, so drift (thermal, other processes on the machine) spreads over
 * all of them instead of landing on whoever runs last.
 */

setFlagsFromString('--expose-gc');
/** A full GC before each batch, so one contestant's garbage is not collected on another's clock. */
const gc = runInNewContext('gc');
setFlagsFromString('--no-expose-gc');

let loopId = 0;

/**
 * One loop per contestant, compiled from its own source text: V8 keeps type feedback per function,
 * and a loop shared by all contestants would turn its `fn(i)` call site megamorphic and slow every
 * contestant down by a different amount.
 */
function compileLoop(isAsync) {
  const id = ++loopId;
  const body = isAsync
    ? `return async function loop${id}(fn, n) { for (let i = 0; i < n; i++) await fn(i); };`
    : `return function loop${id}(fn, n) { for (let i = 0; i < n; i++) fn(i); };`;
  return new Function(`/* contestant loop ${id} */\n${body}`)();
}

function timeBatch(c, n) {
  const run = c.async
    ? async () => {
        const t0 = hrtime.bigint();
        await c.loop(c.fn, n);
        return Number(hrtime.bigint() - t0);
      }
    : () => {
        const t0 = hrtime.bigint();
        c.loop(c.fn, n);
        return Number(hrtime.bigint() - t0);
      };
  return c.wrap ? c.wrap(run) : run();
}

/** Finds N so that one batch takes about `batchMs`; this also warms the contestant up. */
async function calibrate(c, batchMs) {
  const target = batchMs * 1e6;
  let n = 1;
  for (;;) {
    const t = await timeBatch(c, n);
    if (t >= target / 8 || n >= 1e8) return Math.max(1, Math.round((n * target) / Math.max(t, 1)));
    n *= t < target / 1000 ? 16 : 4;
  }
}

/**
 * Runs one scenario and returns its rows (one per contestant) and target checks.
 * @param {object} scenario see bench/scenarios/*.mjs
 * @param {{quick: boolean, log?: (line: string) => void}} opts
 */
export async function runScenario(scenario, opts) {
  const log = opts.log ?? (() => {});
  const quick = opts.quick;
  const reps = quick ? (scenario.quickReps ?? 2) : (scenario.reps ?? 7);
  const batchMs = quick ? (scenario.quickBatchMs ?? 10) : (scenario.batchMs ?? 200);
  const ctx = { quick };
  const load = loadavg()[0];

  const names = Object.keys(scenario.contestants);
  const contestants = [];
  const absent = [];
  for (const name of names) {
    const c = await scenario.contestants[name](ctx);
    // A contestant whose package is not built yet answers { skip: reason }; the others still run.
    if (c.skip !== undefined) {
      absent.push({ name, reason: c.skip });
      continue;
    }
    contestants.push({ name, ...c, loop: c.fn ? compileLoop(Boolean(c.async)) : undefined, samples: [], n: 0 });
  }
  try {
    for (const c of contestants) {
      if (c.fn) {
        gc();
        c.n = scenario.iterations !== undefined ? scenario.iterations(ctx) : await calibrate(c, batchMs);
        await timeBatch(c, c.n);
      } else if (scenario.warmup !== false) {
        await c.sample();
      }
    }
    for (let r = 0; r < reps; r++) {
      for (const c of shuffle([...contestants])) {
        gc();
        if (c.fn) c.samples.push((await timeBatch(c, c.n)) / c.n);
        else {
          const m = await c.sample();
          // A sample is a number, or { value, extra } with a second quantity shown as the detail column.
          if (typeof m === 'number') c.samples.push(m);
          else {
            c.samples.push(m.value);
            (c.extras ??= []).push(m.extra);
          }
        }
      }
      log(`  rep ${r + 1}/${reps} done`);
    }
  } finally {
    for (const c of contestants) await c.teardown?.();
  }

  const rows = contestants.map((c) => ({
    name: c.name,
    n: c.n,
    detail: c.extras ? formatValue(median(c.extras), scenario.unit ?? 'ns') : c.detail,
    samples: c.samples,
    median: median(c.samples),
    min: min(c.samples),
    max: max(c.samples),
  }));
  const byName = new Map(rows.map((r) => [r.name, r]));
  const targets = (scenario.targets ?? []).map((t) => {
    if (!names.includes(t.num) || !names.includes(t.den)) throw new Error(`${scenario.name}: target "${t.label}" names an unknown contestant`);
    const num = byName.get(t.num);
    const den = byName.get(t.den);
    if (num === undefined || den === undefined) return { ...t, missing: absent.find((a) => a.name === t.num || a.name === t.den) };
    // Repetition r of every contestant ran in the same shuffled round: pairing them gives a ratio
    // range that is not inflated by drift between rounds.
    const repRatios = num.samples.map((s, i) => s / den.samples[i]);
    const ratio = num.median / den.median;
    return { ...t, ratio, minRatio: min(repRatios), maxRatio: max(repRatios), ok: ratio <= t.max };
  });
  return { name: scenario.name, title: (opts.quick && scenario.quickTitle) || scenario.title, unit: scenario.unit ?? 'ns', per: scenario.per, rows, absent, detailLabel: scenario.detailLabel ?? 'detail', targets, reps, load, loadAfter: loadavg()[0] };
}
