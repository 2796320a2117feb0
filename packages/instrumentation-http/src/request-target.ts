import { REDACTED } from './semconv.js';

/** `url.path` and `url.query` of a request, as instrumentation-http derives them. */
export interface RequestTarget {
  /** undefined when the target does not parse as a URL (instrumentation-http then sets neither). */
  readonly path: string | undefined;
  /** The query with sensitive values redacted; undefined when there is none. */
  readonly query: string | undefined;
}

/**
 * Characters a WHATWG URL parser copies unchanged into a path: RFC 3986 `pchar` without `%`
 * (a `%2e` is a dot segment) — unreserved, sub-delims, `:`, `@`, plus `/`. A path made only of
 * these, without a `/.` (a dot segment starts with one), is its own `pathname`: no `new URL()`
 * (~1 µs per request, measured in bench/NOTES.md) is needed to get the result the URL would give.
 */
const PATH_SAFE = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/") PATH_SAFE[c.charCodeAt(0)] = 1;

/**
 * `url.path` / `url.query` for `req.url`, equal to instrumentation-http's
 * `new URL(req.url, `${scheme}://${host}`)` then `URLSearchParams` re-serialization with the
 * sensitive parameters redacted. The fast path covers origin-form targets (`/a/b?x=1`) whose
 * path needs no normalization; anything else (absolute-form, `//`, dot segments, `%`, `#`,
 * characters a URL would percent-encode) goes through the URL parser exactly as upstream does.
 */
export function requestTarget(url: string | undefined, scheme: string, host: string | undefined, redact: readonly string[]): RequestTarget {
  if (url !== undefined && url.length > 0 && url.charCodeAt(0) === 0x2f && url.charCodeAt(1) !== 0x2f) {
    let end = url.length;
    let fast = true;
    for (let i = 1; i < url.length; i++) {
      const c = url.charCodeAt(i);
      if (c === 0x3f /* ? */) {
        end = i;
        break;
      }
      if (c >= 128 || PATH_SAFE[c] === 0 || (c === 0x2e /* . */ && url.charCodeAt(i - 1) === 0x2f)) {
        fast = false;
        break;
      }
    }
    if (fast) {
      if (end === url.length) return { path: url, query: undefined };
      const rawQuery = url.slice(end + 1);
      if (rawQuery.length === 0) return { path: url.slice(0, end), query: undefined };
      if (queryIsPlain(rawQuery)) return { path: url.slice(0, end), query: redactQuery(rawQuery, redact) };
    }
  }
  return slowTarget(url, scheme, host, redact);
}

/** A query the URL parser would pass through as is: no fragment, no control or non-ASCII characters. */
function queryIsPlain(q: string): boolean {
  for (let i = 0; i < q.length; i++) {
    const c = q.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x23 /* # */) return false;
  }
  return true;
}

function slowTarget(url: string | undefined, scheme: string, host: string | undefined, redact: readonly string[]): RequestTarget {
  try {
    const parsed = new URL(url ?? '/', `${scheme}://${host !== undefined && host.length > 0 ? host : 'localhost'}`);
    return { path: parsed.pathname, query: parsed.search.length > 0 ? redactQuery(parsed.search.slice(1), redact) : undefined };
  } catch {
    return { path: undefined, query: undefined };
  }
}

/**
 * The query re-serialized by `URLSearchParams` (as instrumentation-http's `url.query`: the
 * serialization normalizes the encoding), with the values of sensitive parameters replaced.
 */
export function redactQuery(query: string, redact: readonly string[]): string {
  if (serializesToItself(query) && !redact.some((name) => query.includes(name))) return query;
  const params = new URLSearchParams(query);
  for (const name of redact) if (params.has(name)) params.set(name, REDACTED);
  return params.toString();
}

/**
 * Characters `URLSearchParams.toString()` writes as they are (application/x-www-form-urlencoded
 * serializer: ASCII alphanumerics, `*`, `-`, `.`, `_`).
 */
const FORM_SAFE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._') FORM_SAFE[c.charCodeAt(0)] = 1;

/**
 * True when `new URLSearchParams(query).toString() === query`, checked without building it: every
 * `&`-separated pair is non-empty, has exactly one `=`, and only form-safe characters. The common
 * query (`page=2&sort=name`) then skips the parse and re-serialization (~1 µs per request,
 * bench/tools/http-client-cost.mjs profile); anything else goes through URLSearchParams.
 */
function serializesToItself(query: string): boolean {
  let equals = 0;
  let pairLength = 0;
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c === 0x26 /* & */) {
      if (equals !== 1 || pairLength === 0) return false;
      equals = 0;
      pairLength = 0;
      continue;
    }
    pairLength++;
    if (c === 0x3d /* = */) equals++;
    else if (c >= 128 || FORM_SAFE[c] === 0) return false;
  }
  return equals === 1 && pairLength > 0;
}
