/**
 * IPv4 and IPv6 addresses and CIDR ranges, for the `/metrics` allowlist. Every address is held as
 * 16 bytes; an IPv4 address is stored as its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`, RFC 4291
 * §2.5.5.2) and an IPv4 prefix `/n` as `/96+n`, so `10.0.0.0/8` matches both `10.1.2.3` and
 * `::ffff:10.1.2.3` (what a dual-stack `::` listener reports for an IPv4 peer).
 *
 * Parsing is strict on purpose: no octal or hex IPv4 parts, no leading zeros, no shortened
 * `10.1` forms, no zone in ranges. An allowlist decision must never depend on a lenient reading
 * of an address that an attacker chose (an `X-Forwarded-For` entry, for one).
 */

/** A parsed CIDR range: 16 network bytes and a prefix length in the 128-bit space. */
export interface CidrRange {
  readonly bytes: Uint8Array;
  readonly prefix: number;
  /** The range as given, for messages. */
  readonly source: string;
}

const V4_PART = /^(?:0|[1-9][0-9]{0,2})$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4Into(text: string, out: Uint8Array, offset: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!V4_PART.test(p)) return false;
    const n = Number(p);
    if (n > 255) return false;
    out[offset + i] = n;
  }
  return true;
}

function parseV6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups = [...head, ...tail];
  // An embedded IPv4 address may only be the last element (RFC 4291 §2.2, form 3).
  const last = groups[groups.length - 1];
  const hasV4 = last !== undefined && last.includes('.');
  if (hasV4 && halves.length === 2 && tail.length === 0) return undefined;
  const groupCount = groups.length + (hasV4 ? 1 : 0);
  if (halves.length === 1 ? groupCount !== 8 : groupCount > 7) return undefined;
  const words: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (hasV4 && i === groups.length - 1) continue;
    if (!V6_GROUP.test(g)) return undefined;
    words.push(parseInt(g, 16));
  }
  const headWords = hasV4 && tail.length === 0 ? head.length - 1 : head.length;
  const tailWords = words.length - headWords;
  const v4Bytes = hasV4 ? 4 : 0;
  for (let i = 0; i < headWords; i++) {
    out[i * 2] = words[i]! >> 8;
    out[i * 2 + 1] = words[i]! & 0xff;
  }
  const tailStart = 16 - v4Bytes - tailWords * 2;
  for (let i = 0; i < tailWords; i++) {
    out[tailStart + i * 2] = words[headWords + i]! >> 8;
    out[tailStart + i * 2 + 1] = words[headWords + i]! & 0xff;
  }
  if (hasV4 && !parseV4Into(last!, out, 12)) return undefined;
  return out;
}

/**
 * Parses an IPv4 or IPv6 address into 16 bytes (IPv4 as IPv4-mapped IPv6). A `%zone` suffix on an
 * IPv6 address is dropped (Node reports link-local peers as `fe80::1%eth0`). Returns `undefined`
 * for anything that is not a plain address.
 */
export function parseIp(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return undefined;
  if (text.includes(':')) {
    const zone = text.indexOf('%');
    const addr = zone >= 0 ? text.slice(0, zone) : text;
    if (zone >= 0 && zone === text.length - 1) return undefined;
    return parseV6(addr);
  }
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  return parseV4Into(text, out, 12) ? out : undefined;
}

/**
 * Parses `a.b.c.d/n`, `x::y/n` or a single address (a /32 or /128 range). Host bits beyond the
 * prefix must be zero (`10.1.2.3/8` is refused: it usually means a typo, not `10.0.0.0/8`).
 */
export function parseCidr(text: string): CidrRange | undefined {
  if (typeof text !== 'string') return undefined;
  const source = text.trim();
  const slash = source.indexOf('/');
  const addrText = slash >= 0 ? source.slice(0, slash) : source;
  if (addrText.includes('%')) return undefined;
  const isV6 = addrText.includes(':');
  const bytes = parseIp(addrText);
  if (bytes === undefined) return undefined;
  const max = isV6 ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const p = source.slice(slash + 1);
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  const prefix128 = isV6 ? prefix : 96 + prefix;
  for (let bit = prefix128; bit < 128; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) return undefined;
  }
  return { bytes, prefix: prefix128, source };
}

/** Whether the 16-byte address `ip` lies in `range`. */
export function cidrContains(range: CidrRange, ip: Uint8Array): boolean {
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (range.bytes[i] !== ip[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (range.bytes[full]! & mask) === (ip[full]! & mask);
}

/** Whether `ip` lies in any of `ranges`. */
export function anyContains(ranges: readonly CidrRange[], ip: Uint8Array): boolean {
  for (const r of ranges) if (cidrContains(r, ip)) return true;
  return false;
}
