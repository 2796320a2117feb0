import { context, diag, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type TracerProvider,
  type BatchSpanProcessorOptions,
  type Sampler,
  type SpanExporter,
  type SpanLimits,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { Resource } from '@opentelemetry/resources';
import type * as Otlp from '@otelkit/otlp';
import { importSync } from './import-sync.js';
import type { ResolvedConfig } from './config.js';
import { ExitSafeBatchSpanProcessor } from './exit-safe-span-processor.js';
import { EncodingBatchSpanProcessor } from './encoding-span-processor.js';
import { FastIdGenerator } from './fast-id-generator.js';
import { LeanTracerProvider } from './lean-tracer.js';

/** https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration */
export function buildSampler(name: ResolvedConfig['sampler'], arg: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(arg);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(arg) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

export interface Tracing {
  readonly provider: TracerProvider;
  readonly exporters: { name: string; exporter: SpanExporter }[];
  /** The OTLP span export, when configured: its health and the exit path's pending spans. */
  readonly otlp?: { readonly exporter: Otlp.OTLPTraceExporter; readonly processor: ExitSafeBatchSpanProcessor | EncodingBatchSpanProcessor };
}

/** `env`: the variables initTelemetry() reads (its `env` option, else `process.env`), for `OTEL_BSP_*` and the span limits. */
export function buildTracing(cfg: ResolvedConfig, resource: Resource, env: Env = process.env): Tracing {
  const exporters: { name: string; exporter: SpanExporter }[] = [];
  const processors: SpanProcessor[] = [];
  let otlp: Tracing['otlp'];
  if (!cfg.disabled) {
    if (cfg.otlpTraces !== undefined) {
      // otelkit's span exporter: the same transports as metrics (HTTP protobuf/JSON or gRPC, TLS,
      // gzip, retries); it loads the span serializers (otlp-transformer) on its first export.
      // @otelkit/otlp only when OTLP traces are configured (import-sync.ts).
      const { OTLPTraceExporter, SpanRequestBuilder } = importSync<typeof Otlp>('@otelkit/otlp');
      const exporter = new OTLPTraceExporter(cfg.otlpTraces);
      exporters.push({ name: 'otlp-traces', exporter });
      // The batch processor, keeping what it has not handed off for the exit path. Over protobuf
      // (HTTP or gRPC) spans are encoded as they end and the batch held as bytes
      // (encoding-span-processor.ts); over JSON, sdk-trace's BatchSpanProcessor holds the spans.
      const processor = exporter.encodesProtobuf
        ? new EncodingBatchSpanProcessor({ exporter, Builder: SpanRequestBuilder, ...batchOptionsFromEnv(env) })
        : new ExitSafeBatchSpanProcessor({ exporter, ...batchOptionsFromEnv(env) });
      processors.push(processor);
      otlp = { exporter, processor };
    }
    if (cfg.tracesExporters.includes('console')) {
      const exporter = new ConsoleSpanExporter();
      exporters.push({ name: 'console-traces', exporter });
      processors.push(new SimpleSpanProcessor({ exporter }));
    }
  }
  // sdk-trace's provider and processors, with otelkit's leaner span creation and ids
  // (lean-tracer.ts, fast-id-generator.ts): the spans are the SDK's own class.
  const provider = new LeanTracerProvider({
    resource,
    idGenerator: new FastIdGenerator(),
    sampler: cfg.disabled ? new AlwaysOffSampler() : buildSampler(cfg.sampler, cfg.samplerArg),
    spanLimits: spanLimitsFromEnv(env),
    spanProcessors: processors,
  });
  return otlp === undefined ? { provider, exporters } : { provider, exporters, otlp };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A number from `env`, as core's `getNumberFromEnv` reads one from `process.env` (unset or blank:
 * undefined; not a number: one diag warning, undefined) — from the variables initTelemetry() was
 * given: its `env` option was ignored for these before.
 */
function numberFromEnv(env: Env, key: string): number | undefined {
  const raw = env[key];
  if (raw == null || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (Number.isNaN(value)) {
    diag.warn(`Unknown value '${raw}' for ${key}, expected a number, using defaults`);
    return undefined;
  }
  return value;
}

/**
 * The batch span processor's settings from `OTEL_BSP_*`
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#batch-span-processor).
 * sdk-trace 3.x no longer reads the environment itself (sdk-trace-base 2.x did, in a shim over
 * it): otelkit, which configures the SDK, reads it, so that these variables keep working.
 */
export function batchOptionsFromEnv(env: Env = process.env): Omit<BatchSpanProcessorOptions, 'exporter'> {
  const options: Omit<BatchSpanProcessorOptions, 'exporter'> = {};
  const maxExportBatchSize = numberFromEnv(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE');
  const maxQueueSize = numberFromEnv(env, 'OTEL_BSP_MAX_QUEUE_SIZE');
  const scheduledDelayMillis = numberFromEnv(env, 'OTEL_BSP_SCHEDULE_DELAY');
  const exportTimeoutMillis = numberFromEnv(env, 'OTEL_BSP_EXPORT_TIMEOUT');
  if (maxExportBatchSize !== undefined) options.maxExportBatchSize = maxExportBatchSize;
  if (maxQueueSize !== undefined) options.maxQueueSize = maxQueueSize;
  if (scheduledDelayMillis !== undefined) options.scheduledDelayMillis = scheduledDelayMillis;
  if (exportTimeoutMillis !== undefined) options.exportTimeoutMillis = exportTimeoutMillis;
  return options;
}

/**
 * Span limits from `OTEL_SPAN_*` falling back to the general `OTEL_ATTRIBUTE_*` limits, with the
 * spec's defaults (128; no value length limit), exactly as sdk-trace-base 2.x resolved them
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#span-limits).
 */
export function spanLimitsFromEnv(env: Env = process.env): SpanLimits {
  const n = (...names: string[]): number | undefined => {
    for (const name of names) {
      const v = numberFromEnv(env, name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  return {
    attributeCountLimit: n('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT') ?? 128,
    attributeValueLengthLimit: n('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? Infinity,
    linkCountLimit: n('OTEL_SPAN_LINK_COUNT_LIMIT') ?? 128,
    eventCountLimit: n('OTEL_SPAN_EVENT_COUNT_LIMIT') ?? 128,
    attributePerEventCountLimit: n('OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT') ?? 128,
    attributePerLinkCountLimit: n('OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT') ?? 128,
  };
}

/** What registerTracing() set, so that shutdown releases exactly that. */
export interface TracingRegistration {
  readonly trace: boolean;
  readonly context: boolean;
  readonly propagation: boolean;
}

/**
 * Registers the TracerProvider, the context manager (AsyncLocalStorage) and the W3C
 * trace-context + baggage propagator globally, each only where asked: the caller passes `false`
 * when an application registered its own before (a second registration is a diag error and would
 * not replace it anyway). Returns what the API accepted. sdk-trace 3.x has no `register()`: this is what sdk-trace-node 2.x's
 * `NodeTracerProvider.register()` did, with `null` for "do not register".
 */
export function registerTracing(provider: TracerProvider, owns: TracingRegistration): TracingRegistration {
  const traceSet = owns.trace && trace.setGlobalTracerProvider(provider);
  const contextSet = owns.context && context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const propagationSet =
    owns.propagation &&
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
  return { trace: traceSet, context: contextSet, propagation: propagationSet };
}
