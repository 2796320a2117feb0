import {
  diag,
  SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import {
  AddAttributeDecision,
  cleanAttributes,
  cleanSimpleAttributes,
  hrTime,
  hrTimeDuration,
  isTimeInput,
  isTimeInputHrTime,
  maybeAddAttribute,
  millisToHrTime,
  type InstrumentationScope,
} from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanLimits, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';
import { addMillis, hrTimeToEpochMillis, millisToDuration, wallTimeAt } from './span-clock.js';

/** https://opentelemetry.io/docs/specs/semconv/exceptions/exceptions-spans/ (sdk-trace's `ExceptionEventName` and semconv keys). */
const EXCEPTION_EVENT = 'exception';
const EXCEPTION_TYPE = 'exception.type';
const EXCEPTION_MESSAGE = 'exception.message';
const EXCEPTION_STACKTRACE = 'exception.stacktrace';

const UNSET_STATUS_CODE = SpanStatusCode.UNSET;

/**
 * A recording span: the API's `Span` and sdk-trace's `ReadableSpan`, with the behaviour of
 * sdk-trace 3.1.1's `SpanImpl` (node_modules/@opentelemetry/sdk-trace/dist/Span.mjs) call for
 * call — limits, `cleanAttributes` semantics, warnings, processor calls (`onStart` at the end of
 * construction; at `end()`: `onEnding` while still mutable, then `ended`, then `onEnd`) — with
 * less work per span:
 *
 * - time from {@link wallTimeAt}: one `performance.now()` per start and end (the SDK reads
 *   `Date.now()` + `performance.now()` at start, and `hrTime()` re-adds `timeOrigin` each time);
 * - `setAttribute` of a string, number or boolean checks it inline (the SDK's `isAnyValue()`
 *   allocates a `WeakSet` per value); anything else goes through core's `maybeAddAttribute`, as
 *   in the SDK;
 * - the attribute count comes from the tracer's pass instead of `Object.keys()`;
 * - `duration`, `ended` and the dropped counts are plain fields, not getters.
 *
 * **Deviation** from sdk-trace: the time base (span-clock.ts); numeric `performance.now()`-based
 * time inputs are converted with that clock's offset instead of the span's own `Date.now()`
 * reading (the same to within its millisecond); no `otel.sdk.span.live` end bookkeeping
 * (lean-tracer.ts). test/lean-tracer.test.ts compares every `ReadableSpan` field and the
 * exported output against the SDK's span for the same operations.
 */
export class LeanSpan implements Span, ReadableSpan {
  name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  duration: HrTime = [-1, -1];
  status: SpanStatus = { code: UNSET_STATUS_CODE };
  readonly attributes: Attributes;
  links: Link[];
  readonly events: TimedEvent[] = [];
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  droppedAttributesCount: number;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  ended = false;
  /** Attributes held (the count limit applies to it). */
  private attributesCount: number;
  /** `performance.now()` at start: the default end time is start + elapsed. */
  private readonly perfStart: number;
  /** As the SDK: with an explicit start time, default times later are `Date.now()`. */
  private readonly startTimeProvided: boolean;

  constructor(
    private readonly spanContextValue: SpanContext,
    private readonly processor: SpanProcessor,
    private readonly limits: Required<SpanLimits>,
    resource: Resource,
    scope: InstrumentationScope,
    context: Context,
    name: string,
    kind: SpanKind,
    parentSpanContext: SpanContext | undefined,
    attributes: Attributes,
    attributesCount: number,
    droppedAttributesCount: number,
    links: Link[],
    startTime: TimeInput | undefined,
  ) {
    this.name = name;
    this.kind = kind;
    this.parentSpanContext = parentSpanContext;
    this.resource = resource;
    this.instrumentationScope = scope;
    this.attributes = attributes;
    this.attributesCount = attributesCount;
    this.droppedAttributesCount = droppedAttributesCount;
    this.perfStart = performance.now();
    this.startTimeProvided = startTime != null;
    this.startTime = startTime == null ? wallTimeAt(this.perfStart) : this.timeOf(startTime);
    const { linkCountLimit } = limits;
    if (links.length > linkCountLimit) {
      this.links = links.slice(links.length - linkCountLimit);
      this.droppedLinksCount = links.length - linkCountLimit;
    } else {
      this.links = links;
    }
    processor.onStart(this, context);
  }

  spanContext(): SpanContext {
    return this.spanContextValue;
  }

  setAttribute(key: string, value?: AttributeValue): this {
    if (this.ended) return this.warnEnded();
    const type = typeof value;
    const limits = this.limits;
    if ((type === 'string' || type === 'number' || type === 'boolean') && key.length > 0 && limits.attributeValueLengthLimit > 0) {
      const attributes = this.attributes;
      const isNew = !Object.hasOwn(attributes, key);
      if (isNew && this.attributesCount >= limits.attributeCountLimit) return this.dropAttribute();
      attributes[key] = type === 'string' && (value as string).length > limits.attributeValueLengthLimit ? (value as string).substring(0, limits.attributeValueLengthLimit) : value;
      if (isNew) this.attributesCount++;
      return this;
    }
    // Everything else exactly as the SDK (arrays, maps, byte arrays, null, invalid values and keys).
    const decision = maybeAddAttribute({ key, value, attributes: this.attributes, limits, currentAttributesCount: this.attributesCount });
    if (decision === AddAttributeDecision.DROP_LIMIT_REACHED) return this.dropAttribute();
    if (decision === AddAttributeDecision.ADD_NEW) this.attributesCount++;
    return this;
  }

  private dropAttribute(): this {
    if (++this.droppedAttributesCount === 1) diag.warn('Dropping extra attributes.');
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) this.setAttribute(key, attributes[key]);
    }
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, timeStamp?: TimeInput): this {
    if (this.ended) return this.warnEnded();
    const { eventCountLimit } = this.limits;
    if (eventCountLimit === 0) {
      diag.warn('No events allowed.');
      this.droppedEventsCount++;
      return this;
    }
    if (eventCountLimit !== undefined && this.events.length >= eventCountLimit) {
      if (this.droppedEventsCount === 0) diag.debug('Dropping extra events.');
      this.events.shift();
      this.droppedEventsCount++;
    }
    if (isTimeInput(attributesOrStartTime)) {
      if (!isTimeInput(timeStamp)) timeStamp = attributesOrStartTime;
      attributesOrStartTime = undefined;
    }
    this.events.push({
      name,
      time: this.timeOf(timeStamp),
      ...cleanSimpleAttributes(attributesOrStartTime as Attributes | undefined, {
        attributeCountLimit: this.limits.attributePerEventCountLimit,
        attributeValueLengthLimit: this.limits.attributeValueLengthLimit,
      }),
    } as TimedEvent);
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this.warnEnded();
    const { linkCountLimit } = this.limits;
    if (linkCountLimit === 0) {
      this.droppedLinksCount++;
      return this;
    }
    if (linkCountLimit !== undefined && this.links.length >= linkCountLimit) {
      if (this.droppedLinksCount === 0) diag.debug('Dropping extra links.');
      this.links.shift();
      this.droppedLinksCount++;
    }
    this.links.push({
      context: link.context,
      ...cleanAttributes(link.attributes, {
        attributeCountLimit: this.limits.attributePerLinkCountLimit,
        attributeValueLengthLimit: this.limits.attributeValueLengthLimit,
      }),
    } as Link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended) return this.warnEnded();
    if (status.code === SpanStatusCode.UNSET) return this;
    // https://opentelemetry.io/docs/specs/otel/trace/api/#set-status: Ok is final.
    if (this.status.code === SpanStatusCode.OK) return this;
    const next: SpanStatus = { code: status.code };
    if (status.code === SpanStatusCode.ERROR) {
      if (typeof status.message === 'string') next.message = status.message;
      else if (status.message != null) diag.warn(`Dropping invalid status.message of type '${typeof status.message}', expected 'string'`);
    }
    this.status = next;
    return this;
  }

  updateName(name: string): this {
    if (this.ended) return this.warnEnded();
    this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) {
      this.warnEnded();
      diag.error(`${this.name} ${this.spanContextValue.traceId}-${this.spanContextValue.spanId} - You can only call end() on a span once.`);
      return;
    }
    if (endTime === undefined && !this.startTimeProvided) {
      // The common case: elapsed monotonic time, never negative.
      const elapsed = performance.now() - this.perfStart;
      this.endTime = addMillis(this.startTime, elapsed);
      this.duration = millisToDuration(elapsed);
    } else {
      this.endTime = this.timeOf(endTime);
      this.duration = hrTimeDuration(this.startTime, this.endTime);
      if (this.duration[0] < 0) {
        diag.warn('Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.', this.startTime, this.endTime);
        this.endTime = this.startTime.slice() as HrTime;
        this.duration = [0, 0];
      }
    }
    if (this.droppedEventsCount > 0) diag.warn(`Dropped ${this.droppedEventsCount} events because eventCountLimit reached`);
    if (this.droppedLinksCount > 0) diag.warn(`Dropped ${this.droppedLinksCount} links because linkCountLimit reached`);
    // https://opentelemetry.io/docs/specs/otel/trace/sdk/#onending: the span is still mutable.
    if (this.processor.onEnding) this.processor.onEnding(this);
    this.ended = true;
    this.processor.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes[EXCEPTION_MESSAGE] = exception;
    else if (exception) {
      if (exception.code) attributes[EXCEPTION_TYPE] = exception.code.toString();
      else if (exception.name) attributes[EXCEPTION_TYPE] = exception.name;
      if (exception.message) attributes[EXCEPTION_MESSAGE] = exception.message;
      if (exception.stack) attributes[EXCEPTION_STACKTRACE] = exception.stack;
    }
    if (attributes[EXCEPTION_TYPE] || attributes[EXCEPTION_MESSAGE]) this.addEvent(EXCEPTION_EVENT, attributes, time);
    else diag.warn(`Failed to record an exception ${String(exception)}`);
  }

  /** sdk-trace's `_getTime()`, on this span's time base. */
  private timeOf(input: TimeInput | undefined): HrTime {
    if (typeof input === 'number' && input <= performance.now()) {
      // A performance.now()-based time: the offset between that clock and this span's start.
      const offset = hrTimeToEpochMillis(wallTimeAt(this.perfStart)) - (this.perfStart + performance.timeOrigin);
      return hrTime(input + offset);
    }
    if (typeof input === 'number') return millisToHrTime(input);
    if (input instanceof Date) return millisToHrTime(input.getTime());
    if (isTimeInputHrTime(input)) return input;
    if (this.startTimeProvided) return millisToHrTime(Date.now());
    return addMillis(this.startTime, performance.now() - this.perfStart);
  }

  private warnEnded(): this {
    const { traceId, spanId } = this.spanContextValue;
    const error = new Error(`Operation attempted on ended Span {traceId: ${traceId}, spanId: ${spanId}}`);
    diag.warn(`Cannot execute the operation on ended Span {traceId: ${traceId}, spanId: ${spanId}}`, error);
    return this;
  }

  /** What `util.inspect` / `console.log` show, as sdk-trace's span does. */
  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return {
      name: this.name,
      kind: this.kind,
      spanContext: this.spanContextValue,
      parentSpanContext: this.parentSpanContext,
      status: this.status,
      startTime: this.startTime,
      endTime: this.endTime,
      duration: this.duration,
      ended: this.ended,
      attributes: this.attributes,
      events: this.events,
      links: this.links,
      droppedAttributesCount: this.droppedAttributesCount,
      droppedEventsCount: this.droppedEventsCount,
      droppedLinksCount: this.droppedLinksCount,
      instrumentationScope: this.instrumentationScope,
    };
  }
}
