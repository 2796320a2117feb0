import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { readStringField } from './protobuf-reader.js';
import { parseRetryAfter } from './retry-after.js';

/** The outcome of one HTTP attempt, before any retry decision. */
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

/** Response bodies above this are cut off (a collector answers a few bytes; upstream uses 4 MiB too). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * https://opentelemetry.io/docs/specs/otlp/#failures-1 — 429, 502, 503, 504 are retryable; every
 * other non-2xx is not.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

// Transient network conditions: the receiver is restarting, a proxy dropped the connection, DNS
// is briefly down. The same set as @opentelemetry/otlp-exporter-base, plus ECONNABORTED.
const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);

export interface HttpTransportOptions {
  readonly url: string;
  /** Sent on every request, after the content headers (so they can be overridden). */
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  readonly gzip: boolean;
  readonly userAgent: string;
}

/**
 * One POST per call, no retry: the retry policy lives in the exporter, which needs every attempt's
 * status and Retry-After (upstream's transport is not exported, and its retrying wrapper hides
 * both). Keep-alive agent: one TCP connection is reused across exports.
 */
export class HttpTransport {
  readonly #url: URL;
  readonly #request: typeof httpRequest;
  readonly #agent: HttpAgent;
  readonly #headers: Record<string, string>;

  constructor(options: HttpTransportOptions) {
    this.#url = new URL(options.url);
    const https = this.#url.protocol === 'https:';
    this.#request = https ? httpsRequest : httpRequest;
    this.#agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 4 }) : new HttpAgent({ keepAlive: true, maxSockets: 4 });
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
      const req = this.#request(this.#url, {
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
      });
      // A whole-request deadline (req.setTimeout is an idle timeout and would let a trickling
      // response run past the export deadline).
      const timer = setTimeout(() => {
        finish({ kind: 'retryable', error: `request timed out after ${timeoutMillis} ms` });
        req.destroy();
      }, Math.max(1, timeoutMillis));
      req.on('error', (e: NodeJS.ErrnoException) => {
        const code = e.code ?? '';
        const error = `${code || e.name}: ${e.message}`;
        finish(RETRYABLE_NETWORK_CODES.has(code) ? { kind: 'retryable', error } : { kind: 'failure', error });
      });
      req.end(body);
    });
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
