import type { AttemptResult } from './http-transport.js';

/**
 * What the exporter's retry loop needs from a transport: one attempt per `send`, its outcome
 * classified (success / retryable with an optional server-requested wait / failure), and
 * `close`. {@link HttpTransport} (OTLP/HTTP) and {@link GrpcTransport} (OTLP/gRPC) implement it.
 */
export interface OtlpTransport {
  /**
   * True when the transport compresses each message itself (gRPC): the exporter then hands it
   * the plain encoding. Absent or false: the exporter gzips the body (OTLP/HTTP).
   */
  readonly compressesMessages?: boolean;
  /** One attempt, bounded by `timeoutMillis`; resolves with the outcome, never rejects. */
  send(body: Uint8Array, timeoutMillis: number): Promise<AttemptResult>;
  /** Releases connections; later sends fail. */
  close(): void;
}
