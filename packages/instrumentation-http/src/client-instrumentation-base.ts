import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { metrics, trace, type Histogram, type Tracer } from '@opentelemetry/api';
import { CLIENT_INSTRUMENTATION_NAME, createClientDuration } from './client-duration.js';
import type { ClientInstrumentationOptions } from './http-client-instrumentation.js';
import { DEFAULT_REDACTED_QUERY_PARAMS } from './semconv.js';
import { VERSION } from './version.js';

/**
 * What the node:http and the undici client instrumentations share: the options, the tracer and
 * the `http.client.request.duration` histogram taken from the providers when enabled, and the
 * subscription of their handlers to their diagnostics channels (enable/disable are idempotent;
 * requests already started still end their spans after disable()).
 */
export abstract class ChannelClientInstrumentation {
  protected readonly options: ClientInstrumentationOptions;
  protected readonly redact: readonly string[];
  protected tracer: Tracer | undefined;
  protected duration: Histogram | undefined;

  constructor(options: ClientInstrumentationOptions = {}) {
    this.options = options;
    this.redact = options.redactedQueryParams ?? DEFAULT_REDACTED_QUERY_PARAMS;
  }

  /** Channel name → handler; read at enable()/disable() (the handlers are fields of the subclass). */
  protected abstract channels(): readonly (readonly [string, (message: unknown) => void])[];

  /** Starts instrumenting the requests this instrumentation sees (idempotent). */
  enable(): void {
    if (this.tracer !== undefined) return;
    this.tracer = (this.options.tracerProvider ?? trace.getTracerProvider()).getTracer(CLIENT_INSTRUMENTATION_NAME, VERSION);
    this.duration = createClientDuration(this.options.meterProvider ?? metrics.getMeterProvider());
    for (const [name, handler] of this.channels()) subscribe(name, handler);
  }

  /** Stops: requests already started still end their spans. */
  disable(): void {
    if (this.tracer === undefined) return;
    for (const [name, handler] of this.channels()) unsubscribe(name, handler);
    this.tracer = undefined;
  }

  get enabled(): boolean {
    return this.tracer !== undefined;
  }
}
