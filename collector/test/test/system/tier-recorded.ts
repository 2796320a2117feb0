/** What one tier-service.ts process recorded, as it reports it over IPC. */
export interface TierRecorded {
  readonly instance: string;
  /** jobs.done by queue */
  jobs: Record<string, number>;
  /** job.duration observations */
  observations: number;
  durationSum: number;
  /** The sampled span active at each job.duration record, with the value recorded in it. */
  spans: { traceId: string; spanId: string; value: number }[];
}

/** Durations (seconds) are exact binary fractions, so `_sum` compares exactly. */
export const DURATIONS = [0.0625, 0.25, 0.75, 2];
/** job.duration bucket boundaries. */
export const BOUNDARIES = [0.1, 0.5, 1];
