import type { AttemptResult } from './http-transport.js';

/**
 * How {@link OTLPMetricExporter} delivers an encoded request: one attempt per `send()`,
 * classified, never retried here (the exporter's loop decides). {@link HttpTransport} is
 * OTLP/HTTP, {@link GrpcTransport} OTLP/gRPC; the exporter's `transport` option picks one.
 */
export interface OtlpTransport {
  /**
   * True when the transport compresses each message itself (gRPC: compressed flag plus
   * `grpc-encoding`): the exporter then hands it the plain encoding. Absent or false: the
   * exporter gzips the body (OTLP/HTTP `Content-Encoding: gzip`).
   */
  readonly compressesMessages?: boolean;
  /** One attempt, bounded by `timeoutMillis`; resolves with its outcome, never rejects. */
  send(body: Uint8Array, timeoutMillis: number): Promise<AttemptResult>;
  /** Releases connections; later sends fail. */
  close(): void;
}

/** What a transport factory gets: the exporter's resolved options plus the content type of its encoding. */
export interface TransportSettings {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  readonly gzip: boolean;
  readonly userAgent: string;
}

export type TransportFactory = (settings: TransportSettings) => OtlpTransport;
