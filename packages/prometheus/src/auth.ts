import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { diag } from '@opentelemetry/api';
import { ConfigError } from '@otelkit/metrics';
import { anyContains, parseCidr, parseIp, type CidrRange } from './cidr.js';
import { exampleOf } from './errors.js';

/** Access control for `/metrics`: a bearer token, an IP allowlist, or both. */
export interface MetricsAuthOptions {
  /** The token clients send as `Authorization: Bearer <token>` (RFC 6750 b64token characters). */
  readonly bearerToken?: string;
  /** Name of an environment variable holding the token, read once when the guard is made. */
  readonly bearerTokenEnv?: string;
  /** CIDR ranges or single addresses, IPv4 or IPv6, allowed to read `/metrics`. */
  readonly allow?: string[];
  /**
   * CIDR ranges of reverse proxies. Only when the connecting peer is one of them is
   * `X-Forwarded-For` read, right to left, skipping trusted hops. Requires `allow`.
   */
  readonly trustedProxies?: string[];
  /** `realm` in `WWW-Authenticate`; default `metrics`. */
  readonly realm?: string;
}

/** What the guard decided for one request; a denial carries the whole response to send. */
export type AccessDecision =
  | { allowed: true }
  | { allowed: false; status: 401 | 403; headers: Record<string, string>; body: string };

export type AccessGuard = (req: IncomingMessage) => AccessDecision;

/**
 * A bad `MetricsAuthOptions` value. The message names the field and a correct example, never a
 * token. A {@link ConfigError}: `initTelemetry()` lets it through as one.
 */
export class MetricsAuthConfigError extends ConfigError {
  constructor(field: string, message: string) {
    super(field, message, exampleOf(message), { message: `otelkit/prometheus: auth.${field} ${message}` });
    this.name = 'MetricsAuthConfigError';
  }
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 7230 §3.2.6 qdtext without the obs-text range: a realm we can put in a quoted-string as is.
const REALM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const CIDR_EXAMPLE = 'e.g. "10.0.0.0/8", "192.168.1.7", "fd00::/8" or "::1"';

const ALLOWED: AccessDecision = Object.freeze({ allowed: true }) as AccessDecision;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function resolveToken(options: MetricsAuthOptions): string | undefined {
  const { bearerToken, bearerTokenEnv } = options;
  if (bearerToken !== undefined && bearerTokenEnv !== undefined) {
    throw new MetricsAuthConfigError('bearerToken', 'and auth.bearerTokenEnv are both set; set one, e.g. { bearerTokenEnv: "METRICS_TOKEN" }');
  }
  let token: string | undefined;
  let field = 'bearerToken';
  if (bearerTokenEnv !== undefined) {
    if (typeof bearerTokenEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(bearerTokenEnv)) {
      throw new MetricsAuthConfigError('bearerTokenEnv', 'must be the name of an environment variable, e.g. "METRICS_TOKEN"');
    }
    field = 'bearerTokenEnv';
    token = process.env[bearerTokenEnv];
    if (token === undefined || token === '') {
      throw new MetricsAuthConfigError('bearerTokenEnv', `names ${bearerTokenEnv}, which is unset or empty; export a token, e.g. ${bearerTokenEnv}=$(openssl rand -hex 32)`);
    }
  } else if (bearerToken !== undefined) {
    if (typeof bearerToken !== 'string' || bearerToken === '') {
      throw new MetricsAuthConfigError('bearerToken', 'is empty; an empty token would let anyone in. Use e.g. the output of `openssl rand -hex 32`');
    }
    token = bearerToken;
  }
  if (token !== undefined && !B64TOKEN.test(token)) {
    // The value itself is never quoted: it is a secret.
    throw new MetricsAuthConfigError(field, 'holds characters outside the RFC 6750 token set [A-Za-z0-9-._~+/] with optional trailing "=" (a trailing newline or space?); use e.g. the output of `openssl rand -hex 32`');
  }
  return token;
}

function parseRanges(field: 'allow' | 'trustedProxies', values: unknown): CidrRange[] {
  if (!Array.isArray(values)) throw new MetricsAuthConfigError(field, `must be an array of CIDR ranges, ${CIDR_EXAMPLE}`);
  if (values.length === 0) {
    throw new MetricsAuthConfigError(field, `is empty${field === 'allow' ? ', so no client could ever read /metrics; omit it to allow every address' : ''}; ${CIDR_EXAMPLE}`);
  }
  return values.map((v, i) => {
    const range = typeof v === 'string' ? parseCidr(v) : undefined;
    if (range === undefined) {
      throw new MetricsAuthConfigError(`${field}[${i}]`, `${JSON.stringify(v)} is not a CIDR range or address with zero host bits; ${CIDR_EXAMPLE}`);
    }
    return range;
  });
}

/** One `X-Forwarded-For` element: an address, optionally `a.b.c.d:port` or `[v6]:port`. */
function parseHop(entry: string): Uint8Array | undefined {
  const hop = entry.trim();
  if (hop.startsWith('[')) {
    const end = hop.indexOf(']');
    if (end < 0 || !/^(?::\d{1,5})?$/.test(hop.slice(end + 1))) return undefined;
    return parseIp(hop.slice(1, end));
  }
  const v4Port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(hop);
  return parseIp(v4Port ? v4Port[1]! : hop);
}

function headerCount(req: IncomingMessage, lowerName: string): number {
  let n = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === lowerName) n++;
  return n;
}

/**
 * Makes the access check for `/metrics`. Options are validated here (a
 * {@link MetricsAuthConfigError} names the field; its message never contains the token) and the
 * token is kept only as a SHA-256 digest.
 *
 * Order: the IP allowlist is decided first. A client outside it gets a bare 403 whatever it sends,
 * with no `WWW-Authenticate`, so it learns neither the scheme nor whether a token it holds is
 * valid; only allowed addresses reach the token check (401 + `WWW-Authenticate: Bearer`).
 *
 * @example
 * const guard = createAccessGuard({ bearerTokenEnv: 'METRICS_TOKEN', allow: ['10.0.0.0/8', '::1'] });
 * const d = guard(req);
 * if (!d.allowed) { res.writeHead(d.status, d.headers).end(d.body); return; }
 */
export function createAccessGuard(options: MetricsAuthOptions): AccessGuard {
  if (options === null || typeof options !== 'object') {
    throw new MetricsAuthConfigError('options', 'must be an object, e.g. { bearerTokenEnv: "METRICS_TOKEN" }');
  }
  const token = resolveToken(options);
  const allow = options.allow === undefined ? undefined : parseRanges('allow', options.allow);
  const trusted = options.trustedProxies === undefined ? [] : parseRanges('trustedProxies', options.trustedProxies);
  if (options.trustedProxies !== undefined && allow === undefined) {
    throw new MetricsAuthConfigError('trustedProxies', 'only matters with auth.allow; add e.g. allow: ["10.0.0.0/8"]');
  }
  if (token === undefined && allow === undefined) {
    throw new MetricsAuthConfigError('options', 'enforce nothing; set bearerToken, bearerTokenEnv or allow, e.g. { bearerTokenEnv: "METRICS_TOKEN" }');
  }
  const realm = options.realm ?? 'metrics';
  if (typeof realm !== 'string' || !REALM.test(realm)) {
    throw new MetricsAuthConfigError('realm', 'must be printable ASCII without `"` or `\\`, e.g. "metrics"');
  }

  const expected = token === undefined ? undefined : digest(token);
  const forbidden: AccessDecision = {
    allowed: false,
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: 'Forbidden\n',
  };
  const unauthorized = (presented: boolean): AccessDecision => ({
    allowed: false,
    status: 401,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      // RFC 6750 §3.1: no error code when the request carried no bearer credentials.
      'www-authenticate': presented ? `Bearer realm="${realm}", error="invalid_token"` : `Bearer realm="${realm}"`,
    },
    body: 'Unauthorized\n',
  });
  const noCredentials = unauthorized(false);
  const badCredentials = unauthorized(true);

  const clientAddress = (req: IncomingMessage): Uint8Array | undefined => {
    const peer = parseIp(req.socket?.remoteAddress ?? '');
    if (peer === undefined || trusted.length === 0 || !anyContains(trusted, peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    if (header === undefined) return peer;
    const hops = (Array.isArray(header) ? header.join(',') : header).split(',');
    let ip: Uint8Array | undefined = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      ip = parseHop(hops[i]!);
      // An unreadable hop leaves the client unknown: deny rather than guess.
      if (ip === undefined || !anyContains(trusted, ip)) return ip;
    }
    return ip;
  };

  const deny = (decision: AccessDecision, req: IncomingMessage, reason: string): AccessDecision => {
    diag.debug(`otelkit/prometheus: /metrics ${reason} from ${req.socket?.remoteAddress ?? 'unknown peer'}`);
    return decision;
  };

  return (req) => {
    if (allow !== undefined) {
      const ip = clientAddress(req);
      if (ip === undefined || !anyContains(allow, ip)) return deny(forbidden, req, 'denied (403): address not allowed');
    }
    if (expected === undefined) return ALLOWED;
    const header = req.headers.authorization;
    if (header === undefined) return deny(noCredentials, req, 'denied (401): no credentials');
    // Node keeps only the first of repeated Authorization headers; two credentials are ambiguous.
    if (headerCount(req, 'authorization') !== 1) return deny(badCredentials, req, 'denied (401): repeated Authorization header');
    const space = header.indexOf(' ');
    const scheme = space < 0 ? header : header.slice(0, space);
    // RFC 7235 §2.1: the scheme is case-insensitive; the token is not.
    if (scheme.toLowerCase() !== 'bearer') return deny(noCredentials, req, 'denied (401): not a Bearer credential');
    const credential = space < 0 ? '' : header.slice(space + 1);
    if (!B64TOKEN.test(credential)) return deny(badCredentials, req, 'denied (401): malformed Bearer credential');
    // Equal-length digests: the comparison time depends on neither the token nor its length.
    if (!timingSafeEqual(digest(credential), expected)) return deny(badCredentials, req, 'denied (401): wrong token');
    return ALLOWED;
  };
}
