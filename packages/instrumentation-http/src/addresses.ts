import type { IncomingHttpHeaders } from 'node:http';
import parseForwarded from 'forwarded-parse';

/** A host and port as a header gives them (the port as its text). */
export interface HostPort {
  readonly host: string;
  readonly port?: string;
}

/**
 * `server.address` / `server.port` for a server span: `Forwarded: host=`, then
 * `X-Forwarded-Host` (with `X-Forwarded-Proto`), then `Host`
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#setting-serveraddress-and-serverport-attributes),
 * parsed exactly as instrumentation-http 0.301 does, so that both emit the same values.
 */
export function serverAddress(headers: IncomingHttpHeaders, scheme: string): HostPort | undefined {
  const forwarded = headers['forwarded'];
  if (forwarded !== undefined) {
    for (const entry of forwardedEntries(forwarded)) if (entry['host']) return parseHostHeader(entry['host'], entry['proto']);
  }
  const xHost = headers['x-forwarded-host'];
  const xProto = headers['x-forwarded-proto'];
  const proto = typeof xProto === 'string' ? xProto : Array.isArray(xProto) ? xProto[0] : undefined;
  if (typeof xHost === 'string') return parseHostHeader(xHost, proto);
  if (Array.isArray(xHost) && typeof xHost[0] === 'string' && xHost[0].length > 0) return parseHostHeader(xHost[0], proto);
  const host = headers.host;
  if (typeof host === 'string' && host.length > 0) return parseHostHeader(host, scheme);
  return undefined;
}

/** `client.address`: `Forwarded: for=`, then the first `X-Forwarded-For`, then the peer. */
export function clientAddress(headers: IncomingHttpHeaders, remoteAddress: string | undefined): string | undefined {
  const forwarded = headers['forwarded'];
  if (forwarded !== undefined) {
    for (const entry of forwardedEntries(forwarded)) if (entry['for']) return removePort(entry['for']);
  }
  const xff = headers['x-forwarded-for'];
  if (xff) {
    const first = typeof xff === 'string' ? xff : Array.isArray(xff) ? xff[0] : undefined;
    if (typeof first === 'string') return removePort(first.split(',')[0]!.trim());
  }
  return remoteAddress ? remoteAddress : undefined;
}

function forwardedEntries(header: string | string[]): Record<string, string>[] {
  try {
    return parseForwarded(String(header));
  } catch {
    return [];
  }
}

function removePort(input: string): string {
  try {
    const { hostname } = new URL(`http://${input}`);
    return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  } catch {
    return input;
  }
}

/** instrumentation-http's `parseHostHeader`, including its IPv6 cases. */
export function parseHostHeader(hostHeader: string, proto: string | undefined): HostPort {
  const colon = hostHeader.indexOf(':');
  // The common case, first: `host` or `host:port`, without a split array.
  if (colon === -1) {
    if (proto === 'http') return { host: hostHeader, port: '80' };
    if (proto === 'https') return { host: hostHeader, port: '443' };
    return { host: hostHeader };
  }
  if (hostHeader.indexOf(':', colon + 1) === -1) return { host: hostHeader.slice(0, colon), port: hostHeader.slice(colon + 1) };
  const parts = hostHeader.split(':');
  if (parts[0]!.startsWith('[')) {
    if (parts[parts.length - 1]!.endsWith(']')) {
      if (proto === 'http') return { host: hostHeader, port: '80' };
      if (proto === 'https') return { host: hostHeader, port: '443' };
    } else if (parts[parts.length - 2]!.endsWith(']')) {
      return { host: parts.slice(0, -1).join(':'), port: parts[parts.length - 1]! };
    }
  }
  return { host: hostHeader };
}
