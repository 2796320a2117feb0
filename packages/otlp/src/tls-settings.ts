import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { OtlpConfigError } from './errors.js';

/**
 * The PEM texts of an OTLP exporter's TLS settings, read once at configuration time (a file that
 * cannot be read is a configuration error at startup, not a failed export every interval).
 * Plain strings so that the exit path can hand them to its child process as JSON.
 */
export interface OtlpTls {
  /** Trusted CA certificate(s): replace Node's trust store for this exporter (`OTEL_EXPORTER_OTLP_CERTIFICATE`). */
  readonly ca?: string;
  /** Client certificate chain for mTLS (`OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`). */
  readonly cert?: string;
  /** Private key of the client certificate (`OTEL_EXPORTER_OTLP_CLIENT_KEY`). */
  readonly key?: string;
}

/** One TLS input: PEM text, or a file to read; `field` is what an error names (an option or a variable). */
export interface TlsSource {
  readonly pem?: string | Buffer;
  readonly file?: string;
  readonly field: string;
}

const EXAMPLES = {
  ca: '/etc/otel/ca.pem (a PEM file of the CA that signed the receiver\'s certificate)',
  cert: '/etc/otel/client.pem (a PEM certificate, set together with the client key)',
  key: '/etc/otel/client-key.pem (the PEM private key of the client certificate)',
} as const;

function read(source: TlsSource | undefined, which: keyof typeof EXAMPLES): string | undefined {
  if (source === undefined) return undefined;
  if (source.pem !== undefined) {
    const text = typeof source.pem === 'string' ? source.pem : source.pem.toString('utf8');
    if (!text.includes('-----BEGIN ')) throw new OtlpConfigError(source.field, 'is not PEM text (no "-----BEGIN" line)', EXAMPLES[which]);
    return text;
  }
  if (source.file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(source.file, 'utf8');
  } catch (e) {
    throw new OtlpConfigError(source.field, `cannot read ${JSON.stringify(source.file)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give the path of a readable PEM file`, EXAMPLES[which]);
  }
  if (!text.includes('-----BEGIN ')) throw new OtlpConfigError(source.field, `${JSON.stringify(source.file)} is not a PEM file (no "-----BEGIN" line)`, EXAMPLES[which]);
  return text;
}

/**
 * Reads and checks the three TLS inputs: each must be PEM, the client key and certificate come
 * together, and Node must accept them (`tls.createSecureContext`: a key that does not match its
 * certificate, a corrupt PEM). Undefined when none is set. Throws {@link OtlpConfigError} naming
 * the option or variable at fault.
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/#configuration-options
 */
export function loadOtlpTls(ca: TlsSource | undefined, cert: TlsSource | undefined, key: TlsSource | undefined): OtlpTls | undefined {
  const tls = { ca: read(ca, 'ca'), cert: read(cert, 'cert'), key: read(key, 'key') };
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const missing = tls.cert === undefined ? cert?.field ?? 'clientCertificateFile' : key?.field ?? 'clientKeyFile';
    const given = tls.cert === undefined ? key?.field ?? 'clientKeyFile' : cert?.field ?? 'clientCertificateFile';
    throw new OtlpConfigError(missing, `is missing: ${given} is set, and a client certificate needs both its certificate and its key`, EXAMPLES[tls.cert === undefined ? 'cert' : 'key']);
  }
  if (tls.ca === undefined && tls.cert === undefined) return undefined;
  try {
    createSecureContext(definedOnly(tls));
  } catch (e) {
    const fields = [ca, cert, key].filter((s) => s !== undefined && (s.pem !== undefined || s.file !== undefined)).map((s) => s!.field).join(', ');
    throw new OtlpConfigError(fields, `Node's TLS refused these certificates: ${(e as Error).message}`, 'a CA certificate, client certificate and matching key in PEM');
  }
  return redacted(definedOnly(tls));
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * The settings with a private key inside must not end up in a log: `JSON.stringify` and
 * `util.inspect` of them (and so of the resolved options, `tel.config`) show sizes only. The
 * PEM fields stay plain enumerable strings, so `{ ...tls }` is the usable copy (what the
 * transports and the exit path's request take).
 */
function redacted(tls: OtlpTls): OtlpTls {
  const summary = (): Record<string, string> =>
    Object.fromEntries(Object.entries(tls).map(([k, v]) => [k, `[PEM, ${String(v).length} characters]`]));
  const out = { ...tls };
  Object.defineProperty(out, 'toJSON', { value: summary, enumerable: false });
  Object.defineProperty(out, INSPECT, { value: summary, enumerable: false });
  return Object.freeze(out);
}

function definedOnly(t: { ca?: string; cert?: string; key?: string }): OtlpTls {
  const out: { ca?: string; cert?: string; key?: string } = {};
  if (t.ca !== undefined) out.ca = t.ca;
  if (t.cert !== undefined) out.cert = t.cert;
  if (t.key !== undefined) out.key = t.key;
  return out;
}
