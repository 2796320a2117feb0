import type { OtlpTls } from './tls-settings.js';

/** The outcome of one attempt to deliver an export, before any retry decision (retry-policy.ts decides). */
export type AttemptResult =
  | { readonly kind: 'success'; readonly status: number; readonly body: Buffer; readonly contentType: string }
  | {
      readonly kind: 'retryable';
      /** Absent for network errors. */
      readonly status?: number;
      readonly retryAfterMs?: number;
      readonly error: string;
    }
  | { readonly kind: 'failure'; readonly status?: number; readonly body?: string; readonly error: string };

/** One HTTP request, described for a sender other than the transport (the synchronous exit path). */
export interface PreparedRequest {
  readonly url: string;
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
  /** `grpc`: an HTTP/2 gRPC call (length-prefixed message, `grpc-status` trailer); absent: HTTP/1.1 OTLP/HTTP. */
  readonly protocol?: 'grpc';
  /**
   * The TLS settings the request needs (trusted CA, client certificate and key, PEM): a sender
   * that cannot apply them (`fetch()`) must not send it, or it would trust other CAs or present
   * no client certificate.
   */
  readonly tls?: OtlpTls;
}

/**
 * How {@link OTLPMetricExporter} delivers an encoded (and, with gzip, compressed) request: one
 * attempt per `send()`, classified, never retried here. `HttpTransport` is OTLP/HTTP; another
 * protocol is another implementation, chosen with the exporter's `transport` option.
 */
export interface OtlpTransport {
  /**
   * True when the transport compresses each message itself (gRPC: compressed flag plus
   * `grpc-encoding`): the exporter then hands it the plain encoding. Absent or false: the
   * exporter gzips the body (OTLP/HTTP `Content-Encoding: gzip`).
   */
  readonly compressesMessages?: boolean;
  /** One attempt; resolves with its outcome, never rejects. */
  send(body: Uint8Array, timeoutMillis: number): Promise<AttemptResult>;
  /**
   * The request `send(body)` would make, for the synchronous exit path (a child process sends
   * it); undefined when this transport cannot be replayed as one plain HTTP request.
   */
  prepare(body: Uint8Array): PreparedRequest | undefined;
  /** Releases connections. */
  close(): void;
}

/** What a transport factory gets: the exporter's resolved options plus the content type of its encoding. */
export interface TransportSettings {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  readonly gzip: boolean;
  readonly userAgent: string;
  /** Which OTLP service: selects the gRPC method. Default `metrics`. */
  readonly signal?: 'metrics' | 'traces';
  /** CA, client certificate and key (PEM), from the exporter's certificate settings. */
  readonly tls?: OtlpTls;
}

export type TransportFactory = (settings: TransportSettings) => OtlpTransport;
