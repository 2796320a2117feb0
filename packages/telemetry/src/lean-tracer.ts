import {
  context as contextApi,
  diag,
  INVALID_SPAN_CONTEXT,
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
import { TracerProvider, type IdGenerator, type Sampler, type SpanLimits, type SpanProcessor, type TracerProviderOptions } from '@opentelemetry/sdk-trace';
import { LeanSpan } from './lean-span.js';

/** What sdk-trace 3.x's TracerProvider resolved for its tracers (its private `_tracerOptions`). */
export interface ResolvedTracerOptions {
  readonly resource: Resource;
  readonly sampler: Sampler;
  readonly spanLimits: Required<SpanLimits>;
  readonly idGenerator: IdGenerator;
  readonly spanProcessor: SpanProcessor;
}

/**
 * Whether sdk-trace's provider resolved its tracer options the way this tracer reads them
 * (a private field of sdk-trace 3.x): otherwise the provider hands out the SDK's own tracers.
 */
export function recognized(resolved: ResolvedTracerOptions | undefined): resolved is ResolvedTracerOptions {
  const ok =
    resolved !== undefined &&
    typeof resolved.spanProcessor?.onStart === 'function' &&
    typeof resolved.sampler?.shouldSample === 'function' &&
    typeof resolved.idGenerator?.generateSpanId === 'function' &&
    typeof resolved.spanLimits === 'object' &&
    resolved.resource !== undefined;
  if (!ok) diag.debug('otelkit: sdk-trace tracer options not recognized; using the SDK tracer');
  return ok;
}

const NO_ATTR_LIMITS = { attributeCountLimit: Infinity, attributeValueLengthLimit: Infinity };

/** How many attributes the last {@link primitiveAttributes} call returned (saves the span an `Object.keys()`). */
let leanCount = 0;

/**
 * The span's attributes when every value is a string, number or boolean under the limits: what
 * the SDK's two `cleanAttributes()` passes return then (a copy without the undefined values),
 * without `isAnyValue()`'s `new WeakSet()` per value (measured: the largest part of startSpan
 * with 10 attributes; bench/NOTES.md). One checking pass, then a spread copy when no value is
 * undefined (V8 clones the object's shape: ~5x cheaper than adding the keys one by one,
 * bench/NOTES.md), a key-by-key copy otherwise. undefined when anything else is there: the
 * caller takes the SDK's path.
 *
 * **Deviation**: a symbol-keyed property (not an attribute by the API's `Attributes` type) of a
 * plain object is carried into the copy by the spread; the SDK's `Object.entries()` drops it.
 * Exporters never see it (they read string keys), so the output is the same.
 */
function primitiveAttributes(input: Attributes | undefined, limits: Required<SpanLimits>): Attributes | undefined {
  leanCount = 0;
  // The SDK's second pass warns about an invalid length limit on every span: take it.
  if (!(limits.attributeValueLengthLimit > 0)) return undefined;
  if (input === undefined || input === null || typeof input !== 'object') return {};
  // for-in sees exactly the own enumerable string keys of a plain object (Object.prototype has none).
  if (Object.getPrototypeOf(input) !== Object.prototype) return undefined;
  const maxLength = limits.attributeValueLengthLimit;
  let count = 0;
  let undefinedValues = false;
  for (const key in input) {
    const value = input[key];
    const type = typeof value;
    if (type === 'string') {
      if ((value as string).length > maxLength) return undefined;
    } else if (type === 'undefined') {
      undefinedValues = true;
      continue;
    } else if (type !== 'number' && type !== 'boolean') return undefined;
    if (key.length === 0) return undefined;
    count++;
  }
  if (count > limits.attributeCountLimit) return undefined;
  leanCount = count;
  if (!undefinedValues) return { ...input };
  const out: Attributes = {};
  for (const key in input) {
    const value = input[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * A Tracer with less work per span than sdk-trace 3.1's Tracer: attributes checked in one pass
 * without allocation when they are primitives (the SDK's two passes otherwise), no
 * `otel.sdk.span.*` self-metrics bookkeeping, and otelkit's {@link LeanSpan} instead of the SDK's
 * span class (lean-span.ts: same behaviour, a cheaper time base).
 *
 * **Deviation** from sdk-trace's Tracer: no `otel.sdk.span.started` / `otel.sdk.span.live`
 * calls. otelkit never gave the TracerProvider a MeterProvider, so the SDK recorded them into a
 * no-op meter: nothing observable is lost; nor its two `diag.debug` lines for suppressed and
 * non-recording spans (one per span at debug level). Everything else — sampling, span limits, links,
 * suppression, parent resolution — is the SDK's logic, step for step (test/lean-tracer.test.ts
 * compares the spans' fields and both exporters' output span for span).
 */
export class LeanTracer implements Tracer {
  constructor(
    readonly instrumentationScope: InstrumentationScope,
    private readonly options: ResolvedTracerOptions,
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
    const links: Link[] = options.links == null ? [] : options.links.map((link) => ({
      context: link.context,
      ...cleanAttributes(link.attributes, {
        attributeCountLimit: spanLimits.attributePerLinkCountLimit,
        attributeValueLengthLimit: spanLimits.attributeValueLengthLimit,
      }),
    }));
    const lean = primitiveAttributes(options.attributes, spanLimits);
    // Read now: the sampler below may start spans of its own.
    const leanAttributesCount = leanCount;
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
    const count = finalAttributes === lean && lean !== undefined ? leanAttributesCount : Object.keys(finalAttributes).length;
    const { resource, spanProcessor } = this.options;
    return new LeanSpan(spanContext, spanProcessor, spanLimits, resource, this.instrumentationScope, ctx, name, kind, validParentSpanContext, finalAttributes, count, dropped, links, options.startTime);
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
    const resolved = (this as unknown as { _tracerOptions?: ResolvedTracerOptions })._tracerOptions;
    if (!recognized(resolved)) return super.getTracer(name, version, options);
    const key = `${name}@${version || ''}:${options?.schemaUrl || ''}`;
    let tracer = this.leanTracers.get(key);
    if (tracer === undefined) {
      tracer = new LeanTracer({ name, version, schemaUrl: options?.schemaUrl }, resolved);
      this.leanTracers.set(key, tracer);
    }
    return tracer;
  }
}
