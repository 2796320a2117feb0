import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { OTLPMetricExporter, OtlpConfigError, resolveOtlpOptions } from '../src/index.js';

// Certificates made with the openssl CLI for this run: a self-signed certificate with its key,
// and a second key that does not match it.
describe('TLS settings (OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_CERTIFICATE, _CLIENT_KEY)', () => {
  let dir: string;
  let cert: string;
  let key: string;
  let otherKey: string;

  before(function () {
    this.timeout(30_000);
    dir = mkdtempSync(join(tmpdir(), 'otelkit-tls-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=otelkit-unit');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'other-key.pem');
    [cert, key, otherKey] = ['cert.pem', 'key.pem', 'other-key.pem'].map((f) => join(dir, f)) as [string, string, string];
    writeFileSync(join(dir, 'not-pem.txt'), 'hello');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('per-signal variables win over generic ones, each on its own; options win over both', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4318',
      OTEL_EXPORTER_OTLP_CERTIFICATE: join(dir, 'missing.pem'),
      OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: cert,
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: cert,
      OTEL_EXPORTER_OTLP_CLIENT_KEY: key,
    };
    const tls = resolveOtlpOptions('metrics', env).options.tls!;
    expect(tls.ca).to.contain('BEGIN CERTIFICATE');
    expect(tls.cert).to.contain('BEGIN CERTIFICATE');
    expect(tls.key).to.contain('PRIVATE KEY');
    // traces read the generic CA, which is missing:
    expect(() => resolveOtlpOptions('traces', env)).to.throw(OtlpConfigError).that.deep.includes({ field: 'OTEL_EXPORTER_OTLP_CERTIFICATE' });
    expect(resolveOtlpOptions('traces', env, { certificateFile: cert }).options.tls?.ca).to.contain('BEGIN CERTIFICATE');
  });

  it('what cannot work is an OtlpConfigError naming the variable or option', () => {
    const cases: Array<[Record<string, string>, object, string | RegExp]> = [
      [{ OTEL_EXPORTER_OTLP_CERTIFICATE: join(dir, 'nope.pem') }, {}, 'OTEL_EXPORTER_OTLP_CERTIFICATE'],
      [{ OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: join(dir, 'not-pem.txt') }, {}, 'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE'],
      [{ OTEL_EXPORTER_OTLP_CLIENT_KEY: key }, {}, 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE'],
      [{ OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: cert }, {}, 'OTEL_EXPORTER_OTLP_CLIENT_KEY'],
      [{ OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: cert, OTEL_EXPORTER_OTLP_CLIENT_KEY: otherKey }, {}, 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_KEY'],
      [{}, { clientKeyFile: join(dir, 'nope.pem') }, 'clientKeyFile'],
      [{}, { tls: { ca: 'not a pem' } }, 'tls.ca'],
    ];
    for (const [env, overrides, field] of cases) {
      const signal = Object.keys(env).some((k) => k.includes('TRACES')) ? 'traces' : 'metrics';
      expect(() => resolveOtlpOptions(signal, env, overrides), String(field)).to.throw(OtlpConfigError).that.deep.includes({ field });
    }
    expect(() => new OTLPMetricExporter({ certificateFile: join(dir, 'nope.pem') })).to.throw(OtlpConfigError, /certificateFile: cannot read .*nope\.pem.*ENOENT/);
  });

  it('the private key never shows in JSON or util.inspect of the resolved options', () => {
    const { options } = resolveOtlpOptions('metrics', { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4318', OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: cert, OTEL_EXPORTER_OTLP_CLIENT_KEY: key });
    expect(JSON.stringify(options)).not.to.contain('PRIVATE KEY');
    expect(inspect(options, { depth: 5 })).not.to.contain('PRIVATE KEY');
    expect(JSON.stringify(options)).to.match(/"key":"\[PEM, \d+ characters\]"/);
    // The usable copy keeps it, and so does the exit path's request.
    expect({ ...options.tls }.key).to.contain('PRIVATE KEY');
    const exporter = new OTLPMetricExporter(options);
    const prepared = exporter.finalRequest({ resource: { attributes: {} } as never, scopeMetrics: [] });
    expect(JSON.parse(JSON.stringify(prepared)).tls.key).to.contain('PRIVATE KEY');
    void exporter.shutdown();
  });

  it('certificates with a plaintext endpoint: one warning that they are not used', () => {
    const seen: string[] = [];
    resolveOtlpOptions('metrics', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_CERTIFICATE: cert }, {}, (_v, m) => seen.push(m));
    expect(seen).to.have.length(1);
    expect(seen[0]).to.match(/OTEL_EXPORTER_OTLP_CERTIFICATE set, but the OTLP metrics endpoint http:\/\/c:4318\/v1\/metrics is plaintext/);
  });
});
