import { fileURLToPath } from 'node:url';
import { startProcess, waitFor, type RunningProcess } from '@otelkit/testkit';

const SERVICE = fileURLToPath(new URL('../fixtures/cluster-service.mjs', import.meta.url));

/** The fixture service (fixtures/cluster-service.mjs) driven through stdin, read through its `TAG {json}` lines. */
export class ClusterService {
  readonly proc: RunningProcess;
  url = '';
  workers: string[] = [];
  #seen = new Map<string, number>();

  private constructor(env: Record<string, string>) {
    this.proc = startProcess(process.execPath, [SERVICE], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  static async start(env: Record<string, string>): Promise<ClusterService> {
    const s = new ClusterService(env);
    const ready = (await s.next('READY')) as { url: string; workers: string[] };
    s.url = ready.url;
    s.workers = ready.workers;
    return s;
  }

  send(cmd: Record<string, unknown>): void {
    this.proc.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
  }

  /** The next `TAG {json}` line not returned before. */
  async next(tag: string, timeoutMs = 20_000): Promise<unknown> {
    let found: unknown;
    await waitFor(`${tag} from the cluster service`, () => {
      const lines = this.proc.output().split('\n').filter((l) => l.startsWith(`${tag} `));
      const seen = this.#seen.get(tag) ?? 0;
      if (lines.length <= seen) {
        if (this.proc.child.exitCode !== null) throw new Error(`cluster service exited: ${this.proc.output()}`);
        return false;
      }
      this.#seen.set(tag, seen + 1);
      found = JSON.parse(lines[seen]!.slice(tag.length + 1));
      return true;
    }, timeoutMs, 50);
    return found;
  }

  async command<T>(cmd: Record<string, unknown>, tag: string): Promise<T> {
    this.send(cmd);
    return (await this.next(tag)) as T;
  }

  async scrape(openMetrics = false): Promise<string> {
    const res = await fetch(this.url, openMetrics ? { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } } : {});
    if (res.status !== 200) throw new Error(`scrape: HTTP ${res.status}`);
    return res.text();
  }

  stop(): Promise<void> {
    return this.proc.stop(3000);
  }
}
