import { diag } from '@opentelemetry/api';
import type * as Otlp from '@otelkit/otlp';
import type { OtlpTls } from '@otelkit/otlp';
import { importSync } from './import-sync.js';

/** One HTTP request the synchronous exit path must deliver; each component builds its own (`finalRequest`). */
export interface FinalRequest {
  readonly name: string;
  readonly url: string;
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
  /** `grpc`: an OTLP/gRPC call (one HTTP/2 request, status in the `grpc-status` trailer). */
  readonly protocol?: 'grpc';
  /** TLS settings (CA, client certificate) the request needs: sent with node:https / node:http2, never fetch(). */
  readonly tls?: OtlpTls;
}

/**
 * Sends requests from a short-lived child process and waits for it: the only way to do network
 * I/O once the process is in its 'exit' event or dying of an uncaught exception, where the event
 * loop no longer runs. The child gets the requests on stdin (never on its command line, where
 * tokens in headers would be visible to `ps`).
 */
const senderSource = (): string => {
  // @otelkit/otlp on the exit path only (import-sync.ts).
  const { SEND_GRPC_SOURCE, SEND_HTTPS_SOURCE } = importSync<typeof Otlp>('@otelkit/otlp');
  return `${SEND_GRPC_SOURCE}${SEND_HTTPS_SOURCE}
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const { requests, timeoutMs } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  let failed = 0;
  await Promise.all(requests.map(async (r) => {
    if (r.protocol === 'grpc') {
      const err = await sendGrpc(r, Buffer.from(r.body, 'base64'), timeoutMs);
      if (err) { failed++; process.stderr.write(r.name + ': ' + err + '\\n'); }
      return;
    }
    if (r.tls) {
      const err = await sendHttps(r, Buffer.from(r.body, 'base64'), timeoutMs);
      if (err) { failed++; process.stderr.write(r.name + ': ' + err + '\\n'); }
      return;
    }
    try {
      const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.method === 'DELETE' ? undefined : Buffer.from(r.body, 'base64'), redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status > 299) { failed++; process.stderr.write(r.name + ': HTTP ' + res.status + '\\n'); }
    } catch (e) {
      failed++;
      process.stderr.write(r.name + ': ' + (e && e.message) + '\\n');
    }
  }));
  process.exitCode = failed ? 1 : 0;
});
`;
};

/** Delivers `requests` synchronously, bounded by `timeoutMs`; returns the failures (never throws). */
export function sendSync(requests: readonly FinalRequest[], timeoutMs: number): string[] {
  if (requests.length === 0) return [];
  const input = JSON.stringify({
    timeoutMs,
    requests: requests.map((r) => ({ ...r, body: Buffer.from(r.body).toString('base64') })),
  });
  // node:child_process on the exit path only: importing it costs ~1.5 ms of every process start.
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const r = spawnSync(process.execPath, ['-e', senderSource()], { input, timeout: timeoutMs + 2000, encoding: 'utf8', stdio: ['pipe', 'ignore', 'pipe'] });
  if (r.error) return [`final export: ${r.error.message}`];
  if (r.status === 0) return [];
  return (r.stderr || `sender exited with ${r.status ?? r.signal}`).trim().split('\n');
}

/** Logs the failures of the exit path (the process is ending: diag is all that is left). */
export function reportFinal(failures: readonly string[]): void {
  for (const f of failures) diag.error(`otelkit: final export on exit failed: ${f}`);
}
