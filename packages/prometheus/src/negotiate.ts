import { OPENMETRICS_CONTENT_TYPE } from './openmetrics-serializer.js';
import { TEXT_CONTENT_TYPE } from './text-serializer.js';

/** The two exposition formats otelkit serves. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** Content-Type of a format's response. */
export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE;
}

interface Match {
  q: number;
  /** 3 exact type with matching version, 2 exact type without version, 1 `type/*`, 0 `*\/*`. */
  specificity: number;
  /** Position in the header: earlier wins a tie. */
  order: number;
}

function parseQ(v: string): number {
  const q = Number(v);
  return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 1;
}

/**
 * Chooses the exposition format from an `Accept` header, honouring `q` weights (RFC 9110 §12.5.1:
 * the most specific matching range sets an offer's weight). OpenMetrics is chosen only when asked
 * for by name (`application/openmetrics-text`, versions 1.0.0 and 0.0.1 or none, or
 * `application/*`) with a weight above text's; no header, `*\/*`, or anything unparseable gives
 * text 0.0.4. Prometheus 2.42 sends
 * `application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`
 * → OpenMetrics.
 *
 * @example
 * negotiate(req.headers.accept) // 'openmetrics' for Prometheus, 'text' for curl
 */
export function negotiate(accept: string | string[] | undefined): ExpositionFormat {
  if (accept === undefined) return 'text';
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  if (header.trim() === '') return 'text';
  let om: Match | undefined;
  let text: Match | undefined;
  const ranges = header.split(',');
  for (let order = 0; order < ranges.length; order++) {
    const parts = ranges[order]!.split(';');
    const mediaType = parts[0]!.trim().toLowerCase();
    let q = 1;
    let version: string | undefined;
    for (let i = 1; i < parts.length; i++) {
      const eq = parts[i]!.indexOf('=');
      if (eq < 0) continue;
      const key = parts[i]!.slice(0, eq).trim().toLowerCase();
      const value = parts[i]!.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (key === 'q') q = parseQ(value);
      else if (key === 'version') version = value;
    }
    let forOm = -1;
    let forText = -1;
    if (mediaType === 'application/openmetrics-text') {
      if (version === undefined) forOm = 2;
      else if (version === '1.0.0' || version === '0.0.1') forOm = 3;
    } else if (mediaType === 'text/plain') {
      if (version === undefined) forText = 2;
      else if (version === '0.0.4') forText = 3;
    } else if (mediaType === 'application/*') forOm = 1;
    else if (mediaType === 'text/*') forText = 1;
    else if (mediaType === '*/*') forText = 0;
    if (forOm >= 0 && (om === undefined || forOm > om.specificity)) om = { q, specificity: forOm, order };
    if (forText >= 0 && (text === undefined || forText > text.specificity)) text = { q, specificity: forText, order };
  }
  const omQ = om?.q ?? 0;
  const textQ = text?.q ?? 0;
  if (omQ > 0 && (omQ > textQ || (omQ === textQ && om!.order < text!.order))) return 'openmetrics';
  return 'text';
}

/**
 * Whether the client takes a gzip body (`Accept-Encoding: gzip`, `x-gzip` or `*` with q > 0, and
 * gzip not refused with `q=0`).
 */
export function acceptsGzip(acceptEncoding: string | string[] | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  const header = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding;
  let gzip: number | undefined;
  let star: number | undefined;
  for (const item of header.split(',')) {
    const parts = item.split(';');
    const coding = parts[0]!.trim().toLowerCase();
    let q = 1;
    for (let i = 1; i < parts.length; i++) {
      const [k, v] = parts[i]!.split('=');
      if (k?.trim().toLowerCase() === 'q' && v !== undefined) q = parseQ(v.trim());
    }
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (coding === '*') star = q;
  }
  if (gzip !== undefined) return gzip > 0;
  return star !== undefined && star > 0;
}
