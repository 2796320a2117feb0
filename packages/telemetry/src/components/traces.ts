import { NO_HEALTH, type ComponentContext, type TelemetryComponent } from './component.js';

/** The TracerProvider's span processors (built in tracing.ts): flushed and shut down with the rest. */
export function traces(ctx: ComponentContext): TelemetryComponent {
  const provider = ctx.tracerProvider;
  return {
    name: 'traces',
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
    health: () => NO_HEALTH,
  };
}
