import type { BoundCounter, BoundHistogram, Meter } from '@otelkit/metrics';

/** Sources with their own series; any other source is counted as `other` (bounded cardinality). */
export const SOURCES = ['rss', 'webhook', 'reddit', 'twitter', 'email'] as const;
export type Source = (typeof SOURCES)[number];

/** Why a submitted signal was not ingested. */
export const REJECT_REASONS = ['invalid_json', 'invalid_signal', 'invalid_trust'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Trust scores are 0 … 1: ten equal buckets. */
export const TRUST_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

export interface IngestMeters {
  /** Counts one ingested signal and records its trust score, under its source (or `other`). */
  ingested(source: string, trust: number): void;
  rejected(reason: RejectReason): void;
}

/**
 * Pulse's core metrics, on bound handles: one counter and one histogram series per known source,
 * bound once here, so ingesting is a Map lookup and two property updates.
 */
export function createIngestMeters(meter: Meter): IngestMeters {
  const ingested = meter.createCounter('pulse.signals.ingested', { unit: '{signal}', description: 'Signals ingested, by source.' });
  const trust = meter.createHistogram('pulse.signal.trust_score', {
    unit: '1',
    description: 'Trust score of ingested signals (0 … 1), by source.',
    advice: { explicitBucketBoundaries: TRUST_BUCKETS },
  });
  const rejected = meter.createCounter('pulse.signals.rejected', { unit: '{signal}', description: 'Signals refused at ingest, by reason.' });
  const handles = (source: string): [BoundCounter, BoundHistogram] => [ingested.bind({ source }), trust.bind({ source })];
  const bySource = new Map<string, [BoundCounter, BoundHistogram]>(SOURCES.map((s) => [s, handles(s)]));
  let other: [BoundCounter, BoundHistogram] | undefined;
  const byReason = new Map<RejectReason, BoundCounter>(REJECT_REASONS.map((reason) => [reason, rejected.bind({ reason })]));
  return {
    ingested(source, score) {
      const [count, hist] = bySource.get(source) ?? (other ??= handles('other'));
      count.add(1);
      hist.record(score);
    },
    rejected(reason) {
      byReason.get(reason)!.add(1);
    },
  };
}
