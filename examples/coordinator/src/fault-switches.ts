import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Named fault switches of an example service (the coordinator's; the worker imports them from
 * here), for demos and the live alerting suite (test/monitoring): set at start with `FAULTS=a,b`
 * or at run time on the admin endpoint `PUT|DELETE /admin/faults/<name>` (`GET /admin/faults`
 * lists them), which answers loopback peers only. Each service gives the switches their behaviour.
 */
export class FaultSwitches<N extends string> {
  readonly names: readonly N[];
  readonly #on = new Set<N>();
  readonly #apply: (name: N, on: boolean) => void;
  readonly #waiters = new Set<() => void>();

  constructor(names: readonly N[], apply: (name: N, on: boolean) => void = () => undefined) {
    this.names = names;
    this.#apply = apply;
  }

  /** The fault names of a `FAULTS` value (comma-separated); throws naming the unknown ones. */
  static parse<N extends string>(value: string | undefined, names: readonly N[]): N[] {
    const list = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    const unknown = list.filter((s) => !(names as readonly string[]).includes(s));
    if (unknown.length > 0) throw new Error(`FAULTS: unknown fault(s) ${unknown.join(', ')}; known: ${names.join(', ')}`);
    return list as N[];
  }

  isOn(name: N): boolean {
    return this.#on.has(name);
  }

  set(name: N, on: boolean): void {
    if (this.#on.has(name) === on) return;
    if (on) this.#on.add(name);
    else this.#on.delete(name);
    this.#apply(name, on);
    for (const w of this.#waiters) w();
  }

  /** Every switch off (at shutdown, so nothing stays blocked). */
  clear(): void {
    for (const n of [...this.#on]) this.set(n, false);
  }

  /** Resolves once `name` is off (at once if it is), or when `signal` aborts. */
  async whileOn(name: N, signal?: AbortSignal): Promise<void> {
    while (this.#on.has(name) && signal?.aborted !== true) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.#waiters.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiters.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  list(): Record<N, boolean> {
    return Object.fromEntries(this.names.map((n) => [n, this.#on.has(n)])) as Record<N, boolean>;
  }

  /**
   * Serves `/admin/faults[/<name>]`; returns false for any other path. Loopback peers only: a fault
   * switch reachable from the network would be a denial-of-service button.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path !== '/admin/faults' && !path.startsWith('/admin/faults/')) return false;
    const reply = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (!isLoopback(req.socket.remoteAddress)) {
      reply(403, { error: 'the fault switches answer loopback clients only' });
      return true;
    }
    const name = decodeURIComponent(path.slice('/admin/faults/'.length));
    if (path === '/admin/faults') {
      if (req.method === 'GET') reply(200, { faults: this.list() });
      else reply(405, { error: 'GET /admin/faults lists the switches; PUT or DELETE /admin/faults/<name> sets one' });
    } else if (!(this.names as readonly string[]).includes(name)) {
      reply(404, { error: `no fault "${name}"; known: ${this.names.join(', ')}` });
    } else if (req.method === 'PUT' || req.method === 'DELETE') {
      this.set(name as N, req.method === 'PUT');
      reply(200, { faults: this.list() });
    } else {
      reply(405, { error: `PUT /admin/faults/${name} turns it on, DELETE turns it off` });
    }
    return true;
  }
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
