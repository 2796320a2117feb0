import { expect } from 'chai';
import { AlertWatch, type ExpectedAlert } from './alert-watch.js';
import type { RulesPrometheus } from './rules-prometheus.js';

export interface FaultPhase {
  readonly name: string;
  on(): Promise<unknown>;
  off(): Promise<unknown>;
  /** Every one of these must be pending or firing at once while the fault lasts. */
  readonly expected: readonly ExpectedAlert[];
  /** May show up too (a consequence of the same fault, e.g. while it resolves), never required. */
  readonly allowed?: readonly ExpectedAlert[];
}

/**
 * One fault, start to end: turn it on, wait until every expected alert is pending, then firing, keep
 * watching a little, turn it off, wait until no alert is active — and over the whole phase no
 * alert outside `expected` ∪ `allowed` may have been pending or firing. Returns the seconds
 * until the expected alerts were all firing, and until all were resolved.
 */
export async function runFaultPhase(prom: RulesPrometheus, p: FaultPhase): Promise<{ firedAfterS: number; resolvedAfterS: number }> {
  const watch = new AlertWatch(prom);
  const ok = [...p.expected, ...(p.allowed ?? [])];
  const t0 = Date.now();
  await p.on();
  let pendingAfterS = 0;
  let firedAfterS = 0;
  try {
    await watch.until(p.expected, 45_000);
    pendingAfterS = (Date.now() - t0) / 1000;
    // The compressed rules keep a `for:` of MIN_FOR: each matching alert goes pending, then fires.
    await watch.until(p.expected, 15_000, 'firing');
    firedAfterS = (Date.now() - t0) / 1000;
    await watch.hold(3_000);
    expect(watch.unexpected(ok), `${p.name}: alerts other than the matching ones`).to.deep.equal([]);
  } finally {
    await p.off();
  }
  const t1 = Date.now();
  await watch.untilQuiet(45_000);
  const resolvedAfterS = (Date.now() - t1) / 1000;
  expect(watch.unexpected(ok), `${p.name}: alerts other than the matching ones (while resolving)`).to.deep.equal([]);
  console.log(`    (${p.name}: matching alerts pending after ${pendingAfterS.toFixed(1)} s, firing after ${firedAfterS.toFixed(1)} s, all resolved ${resolvedAfterS.toFixed(1)} s after the fault ended)`);
  return { firedAfterS, resolvedAfterS };
}

/**
 * Healthy baseline: wait until the first evaluations (before two scrapes exist, rates are empty
 * and absent() is true) have settled, then no alert may be pending or firing for `holdMs`.
 */
export async function expectQuiet(prom: RulesPrometheus, holdMs: number): Promise<void> {
  const watch = new AlertWatch(prom);
  await watch.untilQuiet(30_000);
  watch.seen.clear();
  await watch.hold(holdMs);
  expect(watch.unexpected([])).to.deep.equal([]);
}

/** Something with the examples' fault switch (example-services.ts). */
interface Faultable {
  fault(name: string, on: boolean): Promise<unknown>;
}

/**
 * The error-burst fault of both examples: executions and worker cycles fail; the burn alerts of
 * execution, dispatch and cycles fire, under `jobs` (the service jobs on both paths), nothing else.
 */
export function errorBurstPhase(
  prom: RulesPrometheus,
  name: string,
  coordinator: Faultable,
  worker: Faultable,
  jobs: { readonly coordinator: string; readonly worker: string },
): Promise<{ firedAfterS: number; resolvedAfterS: number }> {
  const coord = { job: jobs.coordinator };
  const evaluator = { job: jobs.worker, service: 'evaluator' };
  return runFaultPhase(prom, {
    name,
    on: () => Promise.all([coordinator.fault('error-burst', true), worker.fault('error-burst', true)]),
    off: () => Promise.all([coordinator.fault('error-burst', false), worker.fault('error-burst', false)]),
    expected: [
      { alertname: 'CoordinatorExecutionErrorBudgetBurnFast', labels: coord },
      { alertname: 'CoordinatorExecutionErrorBudgetBurnSlow', labels: coord },
      { alertname: 'CoordinatorDispatchErrorBudgetBurnFast', labels: coord },
      { alertname: 'CoordinatorDispatchErrorBudgetBurnSlow', labels: coord },
      { alertname: 'ServiceHealthCyclesErrorBudgetBurnFast', labels: evaluator },
      { alertname: 'ServiceHealthCyclesErrorBudgetBurnSlow', labels: evaluator },
    ],
  });
}
