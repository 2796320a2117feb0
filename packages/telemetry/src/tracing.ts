import type { Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { createRequire } from 'node:module';
import type { Resource } from '@opentelemetry/resources';
import type { ResolvedConfig } from './config.js';

// The OTLP trace exporters (with otlp-exporter-base and otlp-transformer, ~70 modules) load only
// when traces go to OTLP: startup time of every service that does not is part of the product.
const require = createRequire(import.meta.url);
type ProtoModule = typeof import('@opentelemetry/exporter-trace-otlp-proto');
type JsonModule = typeof import('@opentelemetry/exporter-trace-otlp-http');

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
  readonly provider: NodeTracerProvider;
  readonly exporters: { name: string; exporter: SpanExporter }[];
}

export function buildTracing(cfg: ResolvedConfig, resource: Resource): Tracing {
  const exporters: { name: string; exporter: SpanExporter }[] = [];
  const processors: SpanProcessor[] = [];
  if (!cfg.disabled) {
    if (cfg.otlpTraces !== undefined) {
      const o = cfg.otlpTraces;
      const common = {
        url: o.url,
        headers: o.headers,
        timeoutMillis: o.timeoutMillis,
        compression: o.compression === 'gzip' ? ('gzip' as never) : ('none' as never),
      };
      const exporter =
        o.protocol === 'http/json'
          ? new (require('@opentelemetry/exporter-trace-otlp-http') as JsonModule).OTLPTraceExporter(common)
          : new (require('@opentelemetry/exporter-trace-otlp-proto') as ProtoModule).OTLPTraceExporter(common);
      exporters.push({ name: 'otlp-traces', exporter });
      processors.push(new BatchSpanProcessor(exporter));
    }
    if (cfg.tracesExporters.includes('console')) {
      const exporter = new ConsoleSpanExporter();
      exporters.push({ name: 'console-traces', exporter });
      processors.push(new SimpleSpanProcessor(exporter));
    }
  }
  const provider = new NodeTracerProvider({
    resource,
    sampler: cfg.disabled ? new AlwaysOffSampler() : buildSampler(cfg.sampler, cfg.samplerArg),
    spanProcessors: processors,
  });
  return { provider, exporters };
}
