/**
 * The exit-path sender for a {@link GrpcPreparedRequest}, as source for a `node -e` child process
 * (the shape of packages/telemetry/src/final-export.ts' SENDER): node:http2 only, no grpc-js (its
 * ~95 ms import would eat the exit budget). Used by packages/telemetry/src/final-export.ts, where `r.protocol === 'grpc'` requests go through `sendGrpc`
 * instead of fetch() (which speaks HTTP/1.1 and cannot read trailers).
 * Resolves with an error message, or undefined when the server answered grpc-status 0.
 */
export const SEND_GRPC_SOURCE = `
const http2 = require('node:http2');
function sendGrpc(r, body, timeoutMs) {
  return new Promise((resolve) => {
    const u = new URL(r.url);
    let session;
    let settled = false;
    const done = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (session) session.destroy();
      resolve(err);
    };
    const timer = setTimeout(() => done('timed out after ' + timeoutMs + ' ms'), timeoutMs);
    // TLS settings of the exporter (CA, client certificate and key): the same connection the
    // exporter's own channel makes. Node omits SNI for an IP host by itself.
    session = http2.connect(u.origin, r.tls ? { ca: r.tls.ca, cert: r.tls.cert, key: r.tls.key } : undefined);
    session.on('error', (e) => done(e.message));
    const req = session.request({ ':method': 'POST', ':path': u.pathname, 'grpc-timeout': Math.max(1, Math.round(timeoutMs)) + 'm', ...r.headers });
    let status;
    let message = '';
    const read = (h) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
    };
    req.on('response', read);
    req.on('trailers', read);
    req.on('error', (e) => done(e.message));
    req.on('close', () => done(status === '0' ? undefined : 'gRPC status ' + (status ?? 'missing') + (message ? ': ' + message : '')));
    req.resume();
    req.end(body);
  });
}
`;

/**
 * The exit-path sender for an OTLP/HTTP {@link PreparedRequest} that carries `tls` (a CA to trust
 * instead of Node's store, a client certificate): `fetch()` in a plain Node cannot take either
 * (it would need undici's Agent, not a public module of Node), so such a request goes through
 * node:https with the same options as the exporter's agent. Same contract as `sendGrpc`:
 * resolves with an error message, or undefined on a 2xx answer.
 */
export const SEND_HTTPS_SOURCE = `
const https = require('node:https');
function sendHttps(r, body, timeoutMs) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(err);
    };
    const req = https.request(r.url, { method: r.method, headers: { ...r.headers, 'content-length': String(body.length) }, ca: r.tls.ca, cert: r.tls.cert, key: r.tls.key }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode >= 200 && res.statusCode <= 299 ? undefined : 'HTTP ' + res.statusCode));
      res.on('error', (e) => done(e.message));
    });
    const timer = setTimeout(() => { done('timed out after ' + timeoutMs + ' ms'); req.destroy(); }, timeoutMs);
    req.on('error', (e) => done(e.message));
    req.end(body);
  });
}
`;
