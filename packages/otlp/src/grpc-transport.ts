import { isIP } from 'node:net';
import { checkServerIdentity, createSecureContext } from 'node:tls';
import { gzipSync } from 'node:zlib';
import type { Client, Metadata } from '@grpc/grpc-js';
import { OtlpConfigError } from './errors.js';
import { parseGrpcEndpoint, type GrpcEndpoint } from './grpc-endpoint.js';
import { classifyGrpcStatus, GrpcStatus } from './grpc-status.js';
import type { OtlpTls } from './tls-settings.js';
import type { AttemptResult } from './transport.js';
import { CONTENT_TYPE_PROTOBUF } from './otlp-types.js';

/** https://github.com/open-telemetry/opentelemetry-proto/blob/v1.5.0/opentelemetry/proto/collector/metrics/v1/metrics_service.proto */
export const METRICS_EXPORT_METHOD = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
/** https://github.com/open-telemetry/opentelemetry-proto/blob/v1.5.0/opentelemetry/proto/collector/trace/v1/trace_service.proto */
export const TRACES_EXPORT_METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

// Measured (node 20, 2 shared cores): importing @grpc/grpc-js takes 69–180 ms (median 94) and
// +13 MB RSS; services on OTLP/HTTP must not pay it, so it is loaded on the first export only.
// A CommonJS package: Node puts its module.exports on the namespace's `default`; loaders that
// honour its `__esModule` marker (tsx, bundlers) give the named exports only.
type GrpcJs = typeof import('@grpc/grpc-js');
const importGrpcJs = async (): Promise<GrpcJs> => {
  const m: unknown = await import('@grpc/grpc-js');
  return ((m as { default?: GrpcJs }).default ?? m) as GrpcJs;
};
let grpcJs: ReturnType<typeof importGrpcJs> | undefined;
function loadGrpcJs(): ReturnType<typeof importGrpcJs> {
  grpcJs ??= importGrpcJs();
  return grpcJs;
}

/** grpc-js `connectivityState.TRANSIENT_FAILURE` (a const enum there, so restated). */
const TRANSIENT_FAILURE = 3;

/** `grpc.default_compression_algorithm` value of gzip (grpc-js `compressionAlgorithms.gzip`). */
const GZIP = 2;

// gRPC metadata keys and ASCII values (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests);
// checked here so that a bad header is a configuration error at construction, not a throw from
// grpc-js on every export.
const METADATA_KEY = /^[0-9a-z_.-]+$/;
const METADATA_VALUE = /^[ -~]*$/;

const identity = (b: Buffer): Buffer => b;

/** What {@link grpcTransport} adds to the exporter's transport settings. */
export interface GrpcChannelOptions {
  /** For an endpoint without a scheme: plaintext when true (`OTEL_EXPORTER_OTLP_INSECURE`). Default false. */
  readonly insecure?: boolean;
  /** PEM roots that replace Node's trust store for TLS (`OTEL_EXPORTER_OTLP_CERTIFICATE`). `tls.ca` wins over it. */
  readonly rootCertificates?: Buffer;
}

/**
 * The OTLP/gRPC transport as the exporter's `transport` option: the one-line choice between
 * OTLP/HTTP (the default) and OTLP/gRPC. The exporter's `url` is the gRPC endpoint
 * (`http://collector:4317`), its `protocol` must be `http/protobuf` (gRPC carries protobuf only).
 *
 * @example
 * const exporter = new OTLPMetricExporter({ url: 'http://collector:4317', compression: 'gzip' }, { transport: grpcTransport() });
 */
export function grpcTransport(channel: GrpcChannelOptions = {}): (settings: Omit<GrpcTransportOptions, keyof GrpcChannelOptions> & { readonly contentType?: string }) => GrpcTransport {
  return ({ contentType, ...settings }) => {
    if (contentType !== undefined && contentType !== CONTENT_TYPE_PROTOBUF) {
      throw new OtlpConfigError('protocol', `OTLP/gRPC carries protobuf only, not ${contentType}`, "'http/protobuf' (with the gRPC transport)");
    }
    return new GrpcTransport({ ...settings, ...channel });
  };
}

/** {@link GrpcTransport.prepare}'s answer: an HTTP/2 request (see there for how to send it). */
export interface GrpcPreparedRequest {
  /** `http(s)://host:port/opentelemetry.proto.collector.metrics.v1.MetricsService/Export` */
  readonly url: string;
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  /** The length-prefixed gRPC message. */
  readonly body: Uint8Array;
  /** Tells a sender that this needs HTTP/2 and a `grpc-status` check. */
  readonly protocol: 'grpc';
  /** CA / client certificate / key the connection needs (https only). */
  readonly tls?: OtlpTls;
}

export interface GrpcTransportOptions extends GrpcChannelOptions {
  /** `http://host:4317` (plaintext), `https://host:4317` (TLS), or `host:4317` (see `insecure`). */
  readonly url: string;
  /** Sent as metadata on every call; names are lowercased. A `-bin` name takes a base64 value. */
  readonly headers: Readonly<Record<string, string>>;
  /** gRPC message compression (`grpc-encoding: gzip`). */
  readonly gzip: boolean;
  readonly userAgent: string;
  /** The OTLP service called: `metrics` (default) or `traces`. */
  readonly signal?: 'metrics' | 'traces';
  /** CA (replacing Node's trust store), client certificate and key for mTLS, PEM. */
  readonly tls?: OtlpTls;
}

/**
 * OTLP/gRPC: one unary `MetricsService/Export` (or `TraceService/Export`) call per {@link send}, no retry — the same shape
 * as {@link HttpTransport}, so the exporter's retry loop drives both. The request is the
 * `ExportMetricsServiceRequest` bytes otelkit already encodes (metrics-protobuf.ts), passed
 * through identity (de)serializers: no protobuf codegen, no proto files, and the response goes
 * to the same partial-success reader as OTLP/HTTP's.
 * https://opentelemetry.io/docs/specs/otlp/#otlpgrpc
 *
 * Unlike HTTP, gzip is done by the transport, per message (gRPC's compressed flag plus
 * `grpc-encoding`), so {@link compressesMessages} is true and the exporter must hand it the
 * plain encoding. One channel (one HTTP/2 connection) per transport, opened on the first
 * send, closed by {@link close}.
 *
 * @example
 * const t = new GrpcTransport({ url: 'http://localhost:4317', headers: {}, gzip: false, userAgent: 'me/1' });
 * const r = await t.send(encodeMetricsProtobuf(resourceMetrics), 10_000); // r.kind: 'success' | 'retryable' | 'failure'
 * t.close();
 */
export class GrpcTransport {
  /** The endpoint, parsed. */
  readonly endpoint: GrpcEndpoint;
  /** True when gzip is on: the transport compresses each message itself. */
  readonly compressesMessages: boolean;
  /** Header pairs, validated and lowercased; turned into a grpc-js Metadata once loaded. */
  readonly #headers: ReadonlyArray<readonly [string, string]>;
  readonly #userAgent: string;
  /** The unary method called, by signal. */
  readonly #method: string;
  /** https only. */
  readonly #tls: OtlpTls | undefined;
  /** The channel and its metadata, created on the first send. */
  #client: Promise<{ client: Client; metadata: Metadata } | undefined> | undefined;
  #closed = false;

  constructor(options: GrpcTransportOptions) {
    this.endpoint = parseGrpcEndpoint(options.url, options.insecure ?? false, 'url');
    this.compressesMessages = options.gzip;
    this.#userAgent = options.userAgent;
    this.#method = options.signal === 'traces' ? TRACES_EXPORT_METHOD : METRICS_EXPORT_METHOD;
    const ca = options.tls?.ca ?? options.rootCertificates?.toString('utf8');
    const tls = { ...(ca === undefined ? {} : { ca }), ...(options.tls?.cert === undefined ? {} : { cert: options.tls.cert, key: options.tls.key }) };
    this.#tls = this.endpoint.secure && Object.keys(tls).length > 0 ? tls : undefined;
    const headers: Array<[string, string]> = [];
    for (const [name, value] of Object.entries(options.headers)) {
      const key = name.toLowerCase();
      if (!METADATA_KEY.test(key) || key.startsWith('grpc-')) {
        throw new OtlpConfigError(`headers.${name}`, 'gRPC metadata names are lowercase letters, digits, "_", "." and "-", and not grpc-*', "{ 'api-key': 'abc' }");
      }
      if (key.endsWith('-bin') ? !/^[A-Za-z0-9+/]*={0,2}$/.test(value) : !METADATA_VALUE.test(value)) {
        throw new OtlpConfigError(`headers.${name}`, key.endsWith('-bin') ? 'a -bin metadata value must be base64' : 'gRPC metadata values are printable ASCII', "{ 'api-key': 'abc' }");
      }
      headers.push([key, value]);
    }
    this.#headers = headers;
  }

  /** Sends the encoded request; resolves with the outcome, never rejects. */
  async send(body: Uint8Array, timeoutMillis: number): Promise<AttemptResult> {
    // The deadline covers loading grpc-js and connecting, as the export budget does.
    const deadline = Date.now() + Math.max(1, timeoutMillis);
    let ready: { client: Client; metadata: Metadata } | undefined;
    try {
      ready = await (this.#client ??= this.#open());
    } catch (e) {
      return { kind: 'failure', error: `OTLP/gRPC channel to ${this.endpoint.url} could not be created: ${(e as Error).message}` };
    }
    if (ready === undefined) return { kind: 'failure', error: 'OTLP/gRPC transport is closed' };
    const { client, metadata } = ready;
    const message = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return new Promise((resolve) => {
      client.makeUnaryRequest(this.#method, identity, identity, message, metadata.clone(), { deadline }, (err, response) => {
        if (err) {
          // After a failed connect, a grpc-js channel waits out its own reconnect backoff (1 s ×
          // 1.6 per failure, up to 120 s) and fails every call meanwhile: exports resumed 1 to 16 s
          // after a receiver came back from a 30 s outage (measured here), minutes after a long
          // one. A channel that could not connect is dropped instead, so the next attempt connects
          // at once and the exporter's retry policy alone paces reconnection.
          if (err.code === GrpcStatus.UNAVAILABLE && client.getChannel().getConnectivityState(false) === TRANSIENT_FAILURE) this.#drop(ready);
          resolve(classifyGrpcStatus(err.code, err.details, err.metadata));
        } else resolve({ kind: 'success', status: 0, body: response ?? Buffer.alloc(0), contentType: CONTENT_TYPE_PROTOBUF });
      });
    });
  }

  async #open(): Promise<{ client: Client; metadata: Metadata } | undefined> {
    const grpc = await loadGrpcJs();
    if (this.#closed) return undefined;
    // Node's own trust store (bundled roots plus NODE_EXTRA_CA_CERTS), the one every other TLS
    // client of the service uses, unless a CA is configured (it replaces the store, as for
    // OTLP/HTTP); the client certificate and key (mTLS) go into the same secure context. grpc-js's createSsl(null) does not honour NODE_EXTRA_CA_CERTS
    // (checked with grpc-js 1.14.7, node 20: "self-signed certificate" where node:tls trusts it).
    // Deviation (IP-address endpoints over TLS): grpc-js 1.14.7 passes the host as the TLS
    // `servername` even when it is an IP address, which SNI cannot carry (RFC 6066 §3): Node < 26
    // dropped it with DEP0123, Node 26 throws ("Setting the TLS ServerName to an IP address is
    // not permitted") and every export fails. For an IP host the SNI name is set to a reserved
    // name that matches nothing (`.invalid`, RFC 2606) — the server then presents its default
    // certificate, as it did without SNI — and the certificate is still checked against the IP
    // address itself (its IP subjectAltName), exactly as node:tls would.
    const host = this.endpoint.target.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const ipHost = this.endpoint.secure && isIP(host) !== 0;
    const credentials = this.endpoint.secure
      ? grpc.credentials.createFromSecureContext(
          createSecureContext(this.#tls ?? {}),
          ipHost ? { checkServerIdentity: (_name: string, cert: Parameters<typeof checkServerIdentity>[1]) => checkServerIdentity(host, cert) } : {},
        )
      : grpc.credentials.createInsecure();
    const client = new grpc.Client(this.endpoint.target, credentials, {
      ...(ipHost ? { 'grpc.ssl_target_name_override': 'ip-address-endpoint.invalid' } : {}),
      'grpc.primary_user_agent': this.#userAgent,
      ...(this.compressesMessages ? { 'grpc.default_compression_algorithm': GZIP } : {}),
    });
    const metadata = new grpc.Metadata();
    for (const [k, v] of this.#headers) {
      if (k.endsWith('-bin')) metadata.add(k, Buffer.from(v, 'base64'));
      else metadata.add(k, v);
    }
    return { client, metadata };
  }

  /**
   * The gRPC call `send(body)` makes, as one HTTP/2 request, for the synchronous exit path (a
   * child process sends it; it cannot load grpc-js in time, and needs not: a unary call is one
   * POST of a length-prefixed message, answered with a `grpc-status` trailer).
   * `body` is the plain encoding; with gzip the message is compressed here, flag set.
   * The sender must speak HTTP/2 (node:http2), check `grpc-status` (in trailers, or in the
   * headers of a trailers-only answer) and treat anything but 0 as a failure; `fetch()` cannot.
   * https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md
   */
  prepare(body: Uint8Array): GrpcPreparedRequest {
    const message = this.compressesMessages ? gzipSync(body) : body;
    const frame = Buffer.allocUnsafe(5 + message.byteLength);
    frame[0] = this.compressesMessages ? 1 : 0;
    frame.writeUInt32BE(message.byteLength, 1);
    frame.set(message, 5);
    const headers: Record<string, string> = {
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': this.#userAgent,
      ...(this.compressesMessages ? { 'grpc-encoding': 'gzip' } : {}),
    };
    for (const [k, v] of this.#headers) headers[k] = v;
    return { url: `${this.endpoint.url}${this.#method}`, method: 'POST', headers, body: frame, protocol: 'grpc', ...(this.#tls === undefined ? {} : { tls: this.#tls }) };
  }

  /** Forgets a channel that could not connect (the next send opens a new one) and closes it. */
  #drop(ready: { client: Client; metadata: Metadata }): void {
    void this.#client?.then((current) => {
      if (current !== ready || this.#closed) return;
      this.#client = undefined;
      ready.client.close();
    });
  }

  /** Closes the channel once the calls in flight have ended; sends after this fail. */
  close(): void {
    this.#closed = true;
    void this.#client?.then((r) => r?.client.close(), () => {});
  }
}
