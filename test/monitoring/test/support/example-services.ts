import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { startProcess, startScriptArgs, waitFor, type RunningProcess } from '@otelkit/testkit';

const require = createRequire(import.meta.url);
/** The package roots of the examples, found the way Node finds them (workspace links). */
const ROOTS = {
  coordinator: dirname(require.resolve('@otelkit/example-coordinator/package.json')),
  worker: dirname(require.resolve('@otelkit/example-worker/package.json')),
};

/** An example service running as its own process, as a user runs it (`npm start`'s command). */
export interface ExampleService {
  readonly name: 'coordinator' | 'worker';
  readonly process: RunningProcess;
  readonly url: string;
  /** `host:port`, a scrape target. */
  readonly target: string;
  /** Turns a fault switch on or off through the loopback admin endpoint. */
  fault(name: string, on: boolean): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the coordinator or the worker example on a free loopback port with `env` on top of this
 * process' environment (database and OTEL variables removed unless given), and waits until it
 * says where it listens.
 */
export async function startExample(name: 'coordinator' | 'worker', env: Record<string, string>): Promise<ExampleService> {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(base)) if (k === 'DATABASE_URL' || k.startsWith('PG') || k.startsWith('OTEL_') || k === 'FAULTS') delete base[k];
  const root = ROOTS[name];
  const proc = startProcess(process.execPath, startScriptArgs(root), { cwd: root, env: { ...base, PORT: '0', HOST: '127.0.0.1', ...env } });
  const url = await waitFor(
    `the ${name} example to listen`,
    () => {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited with code ${proc.child.exitCode}: ${proc.output()}`);
      return /listening on (http:\/\/\S+)/.exec(proc.output())?.[1];
    },
    30_000,
    50,
  );
  return {
    name,
    process: proc,
    url,
    target: new URL(url).host,
    fault: async (fault, on) => {
      const res = await fetch(`${url}/admin/faults/${fault}`, { method: on ? 'PUT' : 'DELETE' });
      if (res.status !== 200) throw new Error(`${name}: ${on ? 'PUT' : 'DELETE'} /admin/faults/${fault} answered ${res.status}: ${await res.text()}`);
    },
    stop: () => proc.stop(),
  };
}
