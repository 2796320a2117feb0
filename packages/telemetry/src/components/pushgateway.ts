import { PushgatewayConfigError, PushgatewayPusher } from '@otelkit/prometheus';
import { ConfigError } from '../errors.js';
import type { ComponentContext, TelemetryComponent } from './component.js';

/**
 * Pushgateway (batch jobs): pushed on forceFlush, periodically with `intervalMs`, at shutdown and
 * on every exit path — deleted instead at the end of a job that succeeded, with `deleteOnSuccess`.
 */
export function pushgateway(ctx: ComponentContext): TelemetryComponent | undefined {
  const { config } = ctx;
  const pg = config.disabled ? undefined : config.pushgateway;
  if (pg === undefined) return undefined;
  let pusher: PushgatewayPusher;
  try {
    pusher = new PushgatewayPusher({
      url: pg.url,
      job: pg.job,
      groupingLabels: pg.groupingLabels,
      method: pg.method,
      // A push never outlives the shutdown budget: a hanging gateway must not hold the exit.
      timeoutMs: Math.min(pg.timeoutMs ?? 5000, config.shutdownTimeoutMillis),
      headers: pg.headers,
      gzip: pg.gzip,
      intervalMs: pg.intervalMs,
      store: ctx.meterProvider.store,
      resource: ctx.resource,
    });
  } catch (e) {
    // Already a ConfigError; re-thrown with the option's full path (`pushgateway.url`) and initTelemetry()'s wording.
    if (e instanceof PushgatewayConfigError) throw new ConfigError(`pushgateway.${e.field}`, e.message, "pushgateway: { url: 'http://127.0.0.1:9091', job: 'nightly-import' }", { cause: e });
    throw e;
  }
  if (pg.intervalMs !== undefined) pusher.start();
  const deleteAtEnd = (exitCode?: number): boolean => pg.deleteOnSuccess === true && ctx.succeeded(exitCode);
  return {
    name: 'pushgateway',
    forceFlush: () => pusher.push(),
    /** Last push: stops periodic pushes, then pushes — or deletes the group of a job that succeeded. */
    shutdown: async () => {
      await pusher.stop().catch(() => undefined);
      if (deleteAtEnd()) await pusher.delete();
      else await pusher.push();
    },
    health: () => {
      const report = pusher.health();
      const failing = report.consecutiveFailures > 0;
      return { kind: 'pushgateway', report, failing };
    },
    finalRequest: ({ exitCode }) => ({ name: 'pushgateway', ...pusher.finalRequest(deleteAtEnd(exitCode) ? 'DELETE' : undefined) }),
  };
}
