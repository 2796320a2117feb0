import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCoordinatorMeters, ROUTES, type Route } from '@otelkit/meters';
import { initTelemetry, type Telemetry } from '@otelkit/telemetry';
import { Coordinator, type Task } from './coordinator.js';
import { FaultSwitches } from './fault-switches.js';

/** The coordinator's fault switches: `error-burst` makes every execution fail, whatever its path. */
export const COORDINATOR_FAULTS = ['error-burst'] as const;
export type CoordinatorFault = (typeof COORDINATOR_FAULTS)[number];

export interface CoordinatorServerOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Submit a random task every `simulateEveryMs` (0: off). */
  readonly simulateEveryMs?: number;
  /**
   * Every n-th simulated task fails: its route cannot be resolved remotely and it fails on every
   * path (0: none). Default 200 — about 1 % of the executions, inside the 99 % objectives of the
   * generated alerts, so a quiet demo raises none; the `error-burst` fault does.
   */
  readonly simulateFailureEvery?: number;
  /** Faults switched on at start. */
  readonly faults?: readonly CoordinatorFault[];
  /**
   * An existing initTelemetry() handle (the demo runs the coordinator and the worker in one
   * process with one /metrics); the coordinator then does not shut it down. Default: its own.
   */
  readonly telemetry?: Telemetry;
  /** Runtime metrics of its own initTelemetry() (event loop, GC, heap, CPU). Default false. */
  readonly runtimeMetrics?: boolean;
}

export interface CoordinatorServer {
  readonly url: string;
  readonly faults: FaultSwitches<CoordinatorFault>;
  close(): Promise<void>;
}

class BadRequest extends Error {}

function parseTask(v: unknown): Task {
  const t = v as Partial<Task> | null;
  if (t === null || typeof t !== 'object') throw new BadRequest('a task is an object');
  if (typeof t.id !== 'string' || t.id.length === 0) throw new BadRequest('task.id must be a non-empty string');
  if (typeof t.kind !== 'string' || t.kind.length === 0) throw new BadRequest('task.kind must be a non-empty string');
  if (typeof t.complexity !== 'number' || !(t.complexity >= 0 && t.complexity <= 1)) throw new BadRequest('task.complexity must be a number from 0 to 1');
  if (t.failOn !== undefined && (!Array.isArray(t.failOn) || !t.failOn.every((r) => (ROUTES as readonly unknown[]).includes(r)))) {
    throw new BadRequest(`task.failOn must be a list of ${ROUTES.join(', ')}`);
  }
  return { id: t.id, kind: t.kind, complexity: t.complexity, failOn: t.failOn as Route[] | undefined };
}

async function body(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 1_000_000) throw new BadRequest('body too large');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('body must be JSON');
  }
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts the coordinator API with `/metrics`, `/snapshot` and `/healthz` on the same server. */
export async function startCoordinator(options: CoordinatorServerOptions): Promise<CoordinatorServer> {
  const ownTelemetry = options.telemetry === undefined;
  const tel =
    options.telemetry ??
    initTelemetry({
      serviceName: 'coordinator',
      serviceVersion: '0.1.0',
      prometheus: { server: false },
      runtimeMetrics: options.runtimeMetrics ?? false,
      shutdownHooks: false,
    });
  const faults = new FaultSwitches<CoordinatorFault>(COORDINATOR_FAULTS);
  for (const f of options.faults ?? []) faults.set(f, true);
  const coordinator = new Coordinator(createCoordinatorMeters(tel.meter('seedcore.coordinator', '0.1.0')), {
    tracer: tel.tracer('seedcore.coordinator', '0.1.0'),
    // The simulated traffic has a handful of kinds: cached forever, remote resolution would only
    // ever see the unroutable ones. Routes expire as in a real route cache.
    routeCacheTtlMs: options.simulateEveryMs ? 250 : undefined,
    failAll: () => faults.isOn('error-burst'),
  });

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    if (route === 'GET /metrics') return tel.metricsHandler(req, res);
    if (faults.handle(req, res)) return;
    void (async () => {
      try {
        switch (route) {
          case 'POST /tasks':
            return send(res, 200, await coordinator.routeAndExecute(parseTask(await body(req))));
          case 'POST /tasks/bulk-resolve': {
            const b = (await body(req)) as { tasks?: unknown };
            if (!Array.isArray(b?.tasks)) throw new BadRequest('body.tasks must be a list of tasks');
            return send(res, 200, await coordinator.bulkResolve(b.tasks.map(parseTask)));
          }
          case 'GET /snapshot':
            return send(res, 200, tel.snapshot());
          case 'GET /healthz':
            return send(res, 200, tel.health());
          default:
            return send(res, 404, { error: `no route ${route}` });
        }
      } catch (e) {
        if (e instanceof BadRequest) send(res, 400, { error: e.message });
        else send(res, 500, { error: e instanceof Error ? e.message : String(e) });
      }
    })();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    if (ownTelemetry) await tel.shutdown().catch(() => undefined);
    throw e;
  }

  let timer: NodeJS.Timeout | undefined;
  if (options.simulateEveryMs !== undefined && options.simulateEveryMs > 0) {
    let n = 0;
    const kinds = ['lookup', 'summarize', 'plan-trip', 'novel-graph', 'triage'];
    const every = options.simulateFailureEvery ?? 200;
    timer = setInterval(() => {
      n++;
      const failing = every > 0 && n % every === 0;
      const task: Task = {
        id: `sim-${n}`,
        kind: failing ? 'unroutable-x' : kinds[n % kinds.length]!,
        complexity: (n * 0.137) % 1,
        failOn: failing ? ['fast', 'planner', 'hgnn'] : undefined,
      };
      void coordinator.routeAndExecute(task);
      // Now and then the cache is warmed in bulk, as a coordinator does when a batch of work arrives.
      if (n % 25 === 0) void coordinator.bulkResolve(kinds.map((kind, i) => ({ id: `bulk-${n}-${i}`, kind, complexity: (i * 0.23) % 1 })));
    }, options.simulateEveryMs);
  }

  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    faults,
    close: async () => {
      clearInterval(timer);
      faults.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownTelemetry) await tel.shutdown();
    },
  };
}
