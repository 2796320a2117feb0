import {
  context as contextApi,
  diag,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SamplingDecision,
  SpanKind,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { cleanAttributes, isTracingSuppressed, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { AlwaysOnSampler, TracerProvider, type IdGenerator, type Sampler, type SpanLimits, type SpanProcessor, type TracerProviderOptions } from '@opentelemetry/sdk-trace';

/** What sdk-trace 3.x's TracerProvider resolved for its tracers (its private `_tracerOptions`). */
interface ResolvedTracerOptions {
  readonly resource: Resource;
  readonly sampler: Sampler;
  readonly spanLimits: Required<SpanLimits>;
  readonly idGenerator: IdGenerator;
  readonly spanProcessor: SpanProcessor;
}

/** The options sdk-trace 3.x's `SpanImpl` constructor takes (Tracer.startSpan builds them). */
interface SpanImplOptions {
  resource: Resource;
  scope: InstrumentationScope;
  context: Context;
  spanContext: { traceId: string; spanId: string; traceFlags: number; traceState: unknown };
  name: string;
  kind: SpanKind;
  links: Link[];
  parentSpanContext: unknown;
  attributes: Attributes;
  droppedAttributesCount: number;
  startTime: SpanOptions['startTime'];
  spanProcessor: SpanProcessor;
  spanLimits: Required<SpanLimits>;
  recordEndMetrics: undefined;
}
type SpanImplConstructor = new (options: SpanImplOptions) => Span;

let spanImpl: SpanImplConstructor | null | undefined;

/**
 * sdk-trace's span class, which it does not export: taken from one span of a throwaway provider
 * (no processor: the probe span is never seen or exported). The spans otelkit's tracer creates
 * are that class, so every processor and exporter handles them exactly as the SDK's own.
 * `null` when the SDK's shape changed: the provider then hands out the SDK's tracers.
 */
function spanImplementation(): SpanImplConstructor | null {
  if (spanImpl !== undefined) return spanImpl;
  try {
    const probe = new TracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('@otelkit/telemetry probe').startSpan('probe', { root: true }, ROOT_CONTEXT);
    const fields = probe as unknown as Record<string, unknown>;
    const ok = probe.isRecording() && typeof fields['_spanProcessor'] === 'object' && typeof fields['attributes'] === 'object' && '_spanLimits' in fields;
    spanImpl = ok ? (probe.constructor as SpanImplConstructor) : null;
  } catch {
    spanImpl = null;
  }
  if (spanImpl === null) diag.debug('otelkit: sdk-trace span class not recognized; using the SDK tracer');
  return spanImpl;
}

const NO_ATTR_LIMITS = { attributeCountLimit: Infinity, attributeValueLengthLimit: Infinity };

/**
 * The span's attributes in one pass when every value is a string, number or boolean under the
 * limits: what the SDK's two `cleanAttributes()` passes return then (they drop undefined values
 * and copy the rest), without `isAnyValue()`'s `new WeakSet()` per value (measured: the largest
 * part of startSpan with 10 attributes; bench/NOTES.md). undefined when anything else is there:
 * the caller takes the SDK's path.
 */
function primitiveAttributes(input: Attributes | undefined, limits: Required<SpanLimits>): Attributes | undefined {
  const out: Attributes = {};
  if (input === undefined || input === null || typeof input !== 'object') return out;
  const keys = Object.keys(input);
  let count = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = input[key];
    if (value === undefined) continue;
    const type = typeof value;
    if (key.length === 0 || (type !== 'string' && type !== 'number' && type !== 'boolean')) return undefined;
    if (type === 'string' && (value as string).length > limits.attributeValueLengthLimit) return undefined;
    if (++count > limits.attributeCountLimit) return undefined;
    out[key] = value;
  }
  return out;
}

/**
 * A Tracer that creates sdk-trace's own spans with less work per span than sdk-trace 3.1's
 * Tracer: attributes checked in one pass without allocation when they are primitives (the SDK's
 * two passes otherwise), and no `otel.sdk.span.*` self-metrics bookkeeping.
 *
 * **Deviation** from sdk-trace's Tracer: no `otel.sdk.span.started` / `otel.sdk.span.live`
 * calls. otelkit never gave the TracerProvider a MeterProvider, so the SDK recorded them into a
 * no-op meter: nothing observable is lost. Everything else — sampling, span limits, links,
 * suppression, parent resolution, the span itself — is the SDK's logic, step for step
 * (test/lean-tracer.test.ts compares both exporters' output span for span).
 */
export class LeanTracer implements Tracer {
  constructor(
    readonly instrumentationScope: InstrumentationScope,
    private readonly options: ResolvedTracerOptions,
    private readonly SpanImpl: SpanImplConstructor,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = contextApi.active()): Span {
    if (options.root) ctx = trace.deleteSpan(ctx);
    const parentSpan = trace.getSpan(ctx);
    if (isTracingSuppressed(ctx)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const { idGenerator, sampler, spanLimits } = this.options;
    const parentSpanContext = parentSpan?.spanContext();
    const spanId = idGenerator.generateSpanId();
    let validParentSpanContext;
    let traceId: string;
    let traceState;
    if (parentSpanContext === undefined || !trace.isSpanContextValid(parentSpanContext)) {
      traceId = idGenerator.generateTraceId();
    } else {
      traceId = parentSpanContext.traceId;
      traceState = parentSpanContext.traceState;
      validParentSpanContext = parentSpanContext;
    }
    const kind = options.kind ?? SpanKind.INTERNAL;
    const links = (options.links ?? []).map((link) => ({
      context: link.context,
      ...cleanAttributes(link.attributes, {
        attributeCountLimit: spanLimits.attributePerLinkCountLimit,
        attributeValueLengthLimit: spanLimits.attributeValueLengthLimit,
      }),
    }));
    const lean = primitiveAttributes(options.attributes, spanLimits);
    const first = lean === undefined ? cleanAttributes(options.attributes, NO_ATTR_LIMITS) : undefined;
    const attributes = lean ?? first!.attributes ?? {};
    const sampling = sampler.shouldSample(ctx, traceId, name, kind, attributes, links);
    traceState = sampling.traceState ?? traceState;
    const spanContext = {
      traceId,
      spanId,
      traceFlags: sampling.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      traceState,
    };
    if (sampling.decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(spanContext);
    let finalAttributes = attributes;
    let dropped = first?.droppedAttributesCount ?? 0;
    // The second pass only matters when the sampler added attributes or the first was not lean.
    if (lean === undefined || (sampling.attributes !== undefined && Object.keys(sampling.attributes).length > 0)) {
      const second = cleanAttributes(Object.assign(attributes, sampling.attributes), spanLimits);
      finalAttributes = second.attributes ?? {};
      dropped += second.droppedAttributesCount ?? 0;
    }
    return new this.SpanImpl({
      resource: this.options.resource,
      scope: this.instrumentationScope,
      context: ctx,
      spanContext,
      name,
      kind,
      links,
      parentSpanContext: validParentSpanContext,
      attributes: finalAttributes,
      droppedAttributesCount: dropped,
      startTime: options.startTime,
      spanProcessor: this.options.spanProcessor,
      spanLimits,
      recordEndMetrics: undefined,
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, opts: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, opts: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, arg2?: SpanOptions | F, arg3?: Context | F, arg4?: F): ReturnType<F> | undefined {
    let opts: SpanOptions | undefined;
    let ctx: Context | undefined;
    let fn: F;
    if (arguments.length < 2) return undefined;
    if (arguments.length === 2) fn = arg2 as F;
    else if (arguments.length === 3) {
      opts = arg2 as SpanOptions;
      fn = arg3 as F;
    } else {
      opts = arg2 as SpanOptions;
      ctx = arg3 as Context;
      fn = arg4 as F;
    }
    const parentContext = ctx ?? contextApi.active();
    const span = this.startSpan(name, opts, parentContext);
    return contextApi.with(trace.setSpan(parentContext, span), fn as (s: Span) => ReturnType<F>, undefined, span);
  }
}

/**
 * sdk-trace's TracerProvider (processors, forceFlush, shutdown, resource: all its own) whose
 * tracers are {@link LeanTracer}s sharing the provider's resolved options.
 */
export class LeanTracerProvider extends TracerProvider {
  private readonly leanTracers = new Map<string, Tracer>();

  constructor(options: TracerProviderOptions) {
    super(options);
  }

  override getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    const SpanImpl = spanImplementation();
    const resolved = (this as unknown as { _tracerOptions?: ResolvedTracerOptions })._tracerOptions;
    if (SpanImpl === null || resolved?.spanProcessor === undefined || resolved.sampler === undefined) return super.getTracer(name, version, options);
    const key = `${name}@${version || ''}:${options?.schemaUrl || ''}`;
    let tracer = this.leanTracers.get(key);
    if (tracer === undefined) {
      tracer = new LeanTracer({ name, version, schemaUrl: options?.schemaUrl }, resolved, SpanImpl);
      this.leanTracers.set(key, tracer);
    }
    return tracer;
  }
}
