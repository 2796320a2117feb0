import { bindAdd, bindRecord, createCounterFor, createHistogramFor, type AddHandle, type RecordHandle } from '../catalogue.js';
import { Dimension } from '../dimension.js';
import type { CoordinatorContext } from './context.js';
import {
  ENQUEUE_STATUSES,
  PERSISTENCE_DURATION,
  PERSISTENCE_OPERATIONS,
  PERSISTENCE_OUTBOX_ENQUEUES,
  PERSISTENCE_PROTO_PLAN_UPSERTS,
  UPSERT_STATUSES,
  enqueueStatusIndex,
  upsertStatusIndex,
  type EnqueueStatus,
  type UpsertStatus,
} from './definitions.js';

/** Persistence: proto-plan upserts, outbox enqueues, operation duration. */
export class PersistenceMeters {
  readonly #upserts: Dimension<UpsertStatus, AddHandle>;
  readonly #enqueues: Dimension<EnqueueStatus, AddHandle>;
  readonly #upsertDuration: RecordHandle;
  readonly #enqueueDuration: RecordHandle;

  /** @internal use {@link createCoordinatorMeters} */
  constructor(ctx: CoordinatorContext) {
    const { meter, warn } = ctx;
    const upserts = createCounterFor(meter, PERSISTENCE_PROTO_PLAN_UPSERTS);
    this.#upserts = new Dimension(warn, PERSISTENCE_PROTO_PLAN_UPSERTS.name, 'status', UPSERT_STATUSES, upsertStatusIndex, (status) => bindAdd(upserts, { status }));
    const enqueues = createCounterFor(meter, PERSISTENCE_OUTBOX_ENQUEUES);
    this.#enqueues = new Dimension(warn, PERSISTENCE_OUTBOX_ENQUEUES.name, 'status', ENQUEUE_STATUSES, enqueueStatusIndex, (status) => bindAdd(enqueues, { status }));
    const duration = createHistogramFor(meter, PERSISTENCE_DURATION, ctx.latencyBoundaries);
    const [upsertOp, enqueueOp] = PERSISTENCE_OPERATIONS;
    this.#upsertDuration = bindRecord(duration, { operation: upsertOp! });
    this.#enqueueDuration = bindRecord(duration, { operation: enqueueOp! });
  }

  /** Counts one proto-plan upsert and, when `seconds` is given, records its duration. */
  protoPlanUpsert(status: UpsertStatus, seconds?: number): void {
    this.#upserts.get(status).add(1);
    if (seconds !== undefined) this.#upsertDuration.record(seconds);
  }

  /** Counts one outbox enqueue and, when `seconds` is given, records its duration. */
  outboxEnqueue(status: EnqueueStatus, seconds?: number): void {
    this.#enqueues.get(status).add(1);
    if (seconds !== undefined) this.#enqueueDuration.record(seconds);
  }
}
