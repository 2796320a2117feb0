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
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import type { Resource } from '@opentelemetry/resources';
import type { ResolvedConfig } from './config.js';

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
      const exporter = o.protocol === 'http/json' ? new OTLPTraceExporterJson(common) : new OTLPTraceExporterProto(common);
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
