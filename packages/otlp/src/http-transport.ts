import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { readStringField } from './protobuf-reader.js';
import { parseRetryAfter } from './retry-after.js';
import { isRetryableNetworkError, isRetryableStatus } from './retry-policy.js';
import type { OtlpTls } from './tls-settings.js';
import type { AttemptResult, OtlpTransport, PreparedRequest, TransportSettings } from './transport.js';

export type { AttemptResult } from './transport.js';

/** Response bodies above this are cut off (a collector answers a few bytes; upstream uses 4 MiB too). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** @deprecated name kept for compatibility: {@link TransportSettings}. */
export type HttpTransportOptions = TransportSettings;

/**
 * OTLP/HTTP: one POST per `send()`. Whether an answer is retryable is asked of retry-policy.ts;
 * the retry loop (which needs every attempt's status and Retry-After — upstream's transport is
 * not exported, and its retrying wrapper hides both) is the exporter's. Keep-alive agent: one TCP
 * connection is reused across exports.
 */
export class HttpTransport implements OtlpTransport {
  readonly #url: URL;
  readonly #request: typeof httpRequest;
  readonly #agent: HttpAgent;
  readonly #headers: Record<string, string>;
  readonly #tls: OtlpTls | undefined;

  constructor(options: TransportSettings) {
    this.#url = new URL(options.url);
    const https = this.#url.protocol === 'https:';
    this.#request = https ? httpsRequest : httpRequest;
    // TLS settings: `ca` replaces Node's trust store for this agent only (as upstream's
    // exporter does with its httpAgentOptions); `cert` + `key` are presented for mTLS.
    this.#tls = https && options.tls !== undefined ? { ...options.tls } : undefined;
    this.#agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 4, ...(this.#tls ?? {}) }) : new HttpAgent({ keepAlive: true, maxSockets: 4 });
    this.#headers = {
      'Content-Type': options.contentType,
      'User-Agent': options.userAgent,
      ...(options.gzip ? { 'Content-Encoding': 'gzip' } : {}),
      ...options.headers,
    };
  }

  /** Sends `body` (already compressed when gzip is on); resolves with the outcome, never rejects. */
  send(body: Uint8Array, timeoutMillis: number): Promise<AttemptResult> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: AttemptResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(r);
      };
      // Tracing suppressed: an HTTP client instrumentation (otelkit's, instrumentation-http) must
      // not trace the export itself — each export would produce a span to export.
      const req = context.with(suppressTracing(context.active()), () => this.#request(this.#url, {
        method: 'POST',
        agent: this.#agent,
        headers: { ...this.#headers, 'Content-Length': String(body.byteLength) },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            res.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', () => {
          // The request was answered; a broken body only loses the partial-success details.
          finish(classify(res.statusCode ?? 0, res.headers, Buffer.concat(chunks)));
        });
        res.on('close', () => finish(classify(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
      }));
      // A whole-request deadline (req.setTimeout is an idle timeout and would let a trickling
      // response run past the export deadline).
      // Its expiry is classified as ETIMEDOUT by the retry policy, like the socket's own.
      const timer = setTimeout(() => {
        const error = `request timed out after ${timeoutMillis} ms`;
        finish(isRetryableNetworkError('ETIMEDOUT') ? { kind: 'retryable', error } : { kind: 'failure', error });
        req.destroy();
      }, Math.max(1, timeoutMillis));
      req.on('error', (e: NodeJS.ErrnoException) => {
        const code = e.code ?? '';
        const error = `${code || e.name}: ${e.message}`;
        finish(isRetryableNetworkError(code) ? { kind: 'retryable', error } : { kind: 'failure', error });
      });
      req.end(body);
    });
  }

  /** The request {@link send} makes, to be sent by someone else (the synchronous exit path). */
  prepare(body: Uint8Array): PreparedRequest {
    return { url: this.#url.href, method: 'POST', headers: { ...this.#headers }, body, ...(this.#tls === undefined ? {} : { tls: this.#tls }) };
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#agent.destroy();
  }
}

function classify(status: number, headers: IncomingHttpHeaders, body: Buffer): AttemptResult {
  if (status >= 200 && status < 300) return { kind: 'success', status, body, contentType: String(headers['content-type'] ?? '') };
  const detail = statusMessage(body, String(headers['content-type'] ?? ''));
  const error = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (isRetryableStatus(status)) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return retryAfterMs === undefined ? { kind: 'retryable', status, error } : { kind: 'retryable', status, retryAfterMs, error };
  }
  return { kind: 'failure', status, body: body.toString('utf8', 0, Math.min(body.length, 1024)), error };
}

/**
 * The message of the google.rpc.Status a failing OTLP receiver answers with, or a short snippet
 * of the body when it is not one. https://opentelemetry.io/docs/specs/otlp/#failures-1
 */
function statusMessage(body: Buffer, contentType: string): string {
  if (body.length === 0) return '';
  if (contentType.includes('json')) {
    try {
      const o = JSON.parse(body.toString('utf8')) as { message?: unknown };
      if (typeof o.message === 'string') return o.message;
    } catch {
      // fall through to the snippet
    }
  } else if (contentType.includes('protobuf')) {
    const m = readStringField(body, 2);
    if (m !== undefined) return m;
  }
  return body.toString('utf8', 0, Math.min(body.length, 200)).replace(/\s+/g, ' ').trim();
}
