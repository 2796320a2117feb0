import { PushgatewayConfigError } from './pushgateway-errors.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Values made only of RFC 3986 unreserved characters travel as they are; anything else is sent
// in the `@base64` form. Measured on Pushgateway 1.5.1: `%2F` is decoded before the path is split
// (400 "odd number of components"), a raw `/` silently shifts the labels (`v=a/b/c` became
// `{v="a",b="c"}`), and an empty value in the middle gives `//`, which Go's mux answers with 301.
// `.` and `..` are dot-segments that URL resolution removes (RFC 3986 §5.2.4): encoded too.
const PLAIN_VALUE = /^(?!\.{1,2}$)[A-Za-z0-9._~-]+$/;

/** URL-safe base64 (RFC 4648 §5) with padding; the empty string is `=`, as the Pushgateway documents. */
function base64url(value: string): string {
  if (value === '') return '=';
  return Buffer.from(value, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function segment(name: string, value: string): string {
  return PLAIN_VALUE.test(value) ? `${name}/${value}` : `${name}@base64/${base64url(value)}`;
}

/**
 * The Pushgateway path of a grouping key: `/metrics/job/<job>{/<label>/<value>}`, with the
 * `<label>@base64/<value>` form for values that are empty or hold anything but unreserved
 * characters. Throws {@link PushgatewayConfigError} for an empty job or an invalid label name.
 *
 * @example
 * groupingPath('backup', { host: 'db-1', path: '/var/lib' })
 * // '/metrics/job/backup/host/db-1/path@base64/L3Zhci9saWI='
 */
export function groupingPath(job: string, labels: Readonly<Record<string, string>> = {}): string {
  if (typeof job !== 'string' || job === '') {
    throw new PushgatewayConfigError('job', 'must be a non-empty string, e.g. "nightly-backup"');
  }
  let path = `/metrics/${segment('job', job)}`;
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new PushgatewayConfigError(`groupingLabels.${name}`, 'is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, no "__" prefix); use e.g. "instance" or "shard"');
    }
    if (name === 'job') {
      throw new PushgatewayConfigError('groupingLabels.job', 'duplicates the job; pass it as the `job` option, e.g. { job: "nightly-backup" }');
    }
    if (typeof value !== 'string') {
      throw new PushgatewayConfigError(`groupingLabels.${name}`, `must be a string, e.g. { ${name}: "eu-1" }`);
    }
    path += `/${segment(name, value)}`;
  }
  return path;
}
