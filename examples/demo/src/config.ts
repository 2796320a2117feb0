/** The demo's settings, from its environment. */
export interface DemoConfig {
  readonly host: string;
  /** The coordinator's API (PORT, default 8080; 0 picks one). */
  readonly coordinatorPort: number;
  /** The worker's health server (WORKER_PORT, default 8081; 0 picks one). */
  readonly workerPort: number;
  /** `postgres` when DATABASE_URL or PGHOST is set, else the in-process stand-in. */
  readonly storage: 'postgres' | 'memory';
  readonly databaseUrl: string | undefined;
  readonly taskEveryMs: number;
  readonly signalEveryMs: number;
  /** Every n-th simulated task fails (DEMO_FAILURE_EVERY, default 200: about 1 % of executions, under the 99 % objectives). */
  readonly failureEvery: number;
  /** Every n-th signal cannot be scored (DEMO_POISON_EVERY, default 2000: one failed evaluator cycle in ~300). */
  readonly poisonEvery: number;
}

function int(env: Record<string, string | undefined>, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${JSON.stringify(raw)} is not an integer >= ${min}, e.g. ${name}=${fallback}`);
  return n;
}

/** Throws naming the variable when one is malformed. */
export function demoConfig(env: Record<string, string | undefined>): DemoConfig {
  const databaseUrl = env.DATABASE_URL || undefined;
  return {
    host: env.HOST || '127.0.0.1',
    coordinatorPort: int(env, 'PORT', 8080, 0),
    workerPort: int(env, 'WORKER_PORT', 8081, 0),
    storage: databaseUrl !== undefined || (env.PGHOST ?? '') !== '' ? 'postgres' : 'memory',
    databaseUrl,
    taskEveryMs: int(env, 'DEMO_TASK_EVERY_MS', 100, 1),
    signalEveryMs: int(env, 'DEMO_SIGNAL_EVERY_MS', 40, 1),
    failureEvery: int(env, 'DEMO_FAILURE_EVERY', 200, 0),
    poisonEvery: int(env, 'DEMO_POISON_EVERY', 2000, 0),
  };
}
