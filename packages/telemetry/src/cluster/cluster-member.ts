import type { Attributes } from '@opentelemetry/api';
import type { AnyCell } from '@otelkit/metrics';
import type { WireBase, WireData, WireDescriptor } from './protocol.js';

/** One instrument of one member: what the member sent, and where its series go in the aggregate. */
export interface MemberInstrument {
  readonly key: string;
  readonly desc: WireDescriptor;
  readonly attrs: Attributes[];
  data: WireData | undefined;
  /** Aggregate cell of each series, for `generation` (made on first merge). */
  cells: (AnyCell | undefined)[];
  generation: number;
  /** Departed accumulator only: series index by attribute key. */
  index?: Map<string, number>;
}

export type ClusterMemberState = 'starting' | 'ready' | 'unresponsive' | 'exited';

/** A worker (or the primary itself, or the departed accumulator) as the merge sees it. */
export class ClusterMember {
  readonly label: string;
  pid: number | undefined;
  instanceId: string | undefined;
  state: ClusterMemberState = 'starting';
  lastCollectMs: number | undefined;
  lastError: string | undefined;
  exitedAtMs = 0;
  readonly instruments: MemberInstrument[] = [];
  /** The outstanding collection request, at most one. */
  pendingId = 0;
  pending: Promise<void> | undefined;
  resolvePending: (() => void) | undefined;

  constructor(label: string, pid?: number) {
    this.label = label;
    this.pid = pid;
  }

  /** What this member's next collection is relative to. */
  base(): WireBase {
    return { instruments: this.instruments.length, series: this.instruments.map((i) => i.attrs.length) };
  }
}
