import * as grpc from '@grpc/grpc-js';
import { ProtobufWriter } from '../src/protobuf-writer.js';
import { METRICS_EXPORT_METHOD } from '../src/index.js';

/** What the scripted server answers to one call. */
export interface GrpcAnswer {
  /** gRPC status; 0 (default) answers `response`. */
  readonly code?: number;
  readonly details?: string;
  /** Trailers sent with an error status (e.g. `grpc-retry-pushback-ms`, `grpc-status-details-bin`). */
  readonly trailers?: Readonly<Record<string, string | Buffer>>;
  /** Bytes of the ExportMetricsServiceResponse (default empty: full success). */
  readonly response?: Buffer;
  /** Answer after this long (deadline tests). */
  readonly delayMs?: number;
}

export interface ReceivedCall {
  readonly atMs: number;
  readonly body: Buffer;
  readonly metadata: Record<string, string | Buffer>;
}

/**
 * A real OTLP/gRPC server (grpc-js, plaintext, loopback, OS-chosen port) that records each call
 * and answers from a script, then OK. The Export method is registered with identity
 * (de)serializers, like the client: the tests see the exact request bytes.
 */
export interface GrpcPeer {
  readonly url: string;
  calls(): readonly ReceivedCall[];
  script(answers: readonly GrpcAnswer[]): void;
  reset(): void;
  stop(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

export async function startGrpcPeer(credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(), port = 0, path: string = METRICS_EXPORT_METHOD): Promise<GrpcPeer> {
  const server = new grpc.Server();
  let answers: GrpcAnswer[] = [];
  let calls: ReceivedCall[] = [];
  server.addService(
    {
      Export: {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        calls.push({ atMs: Date.now(), body: call.request, metadata: call.metadata.getMap() });
        const a = answers.shift() ?? {};
        const answer = (): void => {
          if ((a.code ?? 0) === 0) {
            callback(null, a.response ?? Buffer.alloc(0));
            return;
          }
          const trailers = new grpc.Metadata();
          for (const [k, v] of Object.entries(a.trailers ?? {})) trailers.set(k, v);
          callback({ code: a.code, details: a.details ?? '', metadata: trailers });
        };
        if (a.delayMs) setTimeout(answer, a.delayMs);
        else answer();
      },
    },
  );
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    url: `http://127.0.0.1:${bound}`,
    calls: () => calls,
    script: (a) => {
      answers = [...a];
    },
    reset: () => {
      answers = [];
      calls = [];
    },
    stop: () => new Promise<void>((resolve) => {
      server.tryShutdown(() => resolve());
      // A client that keeps its channel open must not hold the suite.
      setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000).unref();
    }),
  };
}

/** A serialized `google.rpc.Status` carrying one `google.rpc.RetryInfo { retry_delay }`. */
export function statusWithRetryInfo(code: number, message: string, seconds: number, nanos: number): Buffer {
  const duration = new ProtobufWriter(32);
  if (seconds) duration.uint32Field(1, seconds);
  if (nanos) duration.uint32Field(2, nanos);
  const retryInfo = new ProtobufWriter(32);
  retryInfo.bytes(1, duration.finish());
  const any = new ProtobufWriter(64);
  any.string(1, 'type.googleapis.com/google.rpc.RetryInfo');
  any.bytes(2, retryInfo.finish());
  const status = new ProtobufWriter(128);
  status.uint32Field(1, code);
  status.string(2, message);
  status.bytes(3, any.finish());
  return Buffer.from(status.finish());
}

/** A serialized `ExportMetricsServiceResponse` with a partial_success. */
export function partialSuccessResponse(rejected: number, message: string): Buffer {
  const ps = new ProtobufWriter(64);
  ps.uint32Field(1, rejected);
  ps.string(2, message);
  const r = new ProtobufWriter(64);
  r.bytes(1, ps.finish());
  return Buffer.from(r.finish());
}
