import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiCanRead, detectCoexistence, formatCoexistenceWarning, resolveApiCopy } from '../src/coexistence.js';

class NodeTracerProvider {}
class ProxyTracerProvider {
  constructor(private readonly delegate: unknown) {}
  getDelegate(): unknown {
    return this.delegate;
  }
}
class MeterProvider {}
class AsyncLocalStorageContextManager {}
class CompositePropagator {
  fields(): string[] {
    return ['traceparent', 'tracestate', 'baggage'];
  }
}

const own = { version: '1.10.0', path: '/app/node_modules/@opentelemetry/api' };

describe('coexistence: detectCoexistence()', () => {
  it('nothing registered and one API copy: no finding, otelkit owns every global', () => {
    const r = detectCoexistence({ registry: undefined, own, app: own });
    expect(r.findings).to.deep.equal([]);
    expect(r.owns).to.deep.equal({ metrics: true, trace: true, context: true, propagation: true });
  });

  it('a registry of the same version with only diag set: no finding', () => {
    const r = detectCoexistence({ registry: { version: '1.10.0', diag: {} }, own, app: own });
    expect(r.findings).to.deep.equal([]);
    expect(r.owns.trace).to.equal(true);
  });

  it('NodeSDK started first: names each registered global by its class, otelkit owns none of them', () => {
    const registry = {
      version: '1.10.0',
      trace: new ProxyTracerProvider(new NodeTracerProvider()),
      context: new AsyncLocalStorageContextManager(),
      propagation: new CompositePropagator(),
    };
    const r = detectCoexistence({ registry, own, app: own });
    expect(r.findings.map((f) => f.kind)).to.deep.equal(['tracer-provider', 'context-manager', 'propagator']);
    expect(r.findings[0]!.found).to.equal('a TracerProvider (NodeTracerProvider) is already registered');
    expect(r.findings[1]!.found).to.contain('AsyncLocalStorageContextManager');
    expect(r.findings[2]!.found).to.contain('CompositePropagator: traceparent, tracestate, baggage');
    expect(r.owns).to.deep.equal({ metrics: true, trace: false, context: false, propagation: false });
    for (const f of r.findings) expect(f.fix).to.be.a('string').and.not.equal('');
    // Only the TracerProvider takes something away from otelkit; the other two work as its own.
    expect(r.findings.map((f) => f.degrades)).to.deep.equal([true, false, false]);
  });

  it('a context manager that is not async-hooks based, a propagator without traceparent: both degrade', () => {
    class StackContextManager {}
    class B3Propagator {
      fields(): string[] {
        return ['b3'];
      }
    }
    const r = detectCoexistence({ registry: { version: '1.10.0', context: new StackContextManager(), propagation: new B3Propagator() }, own, app: own });
    expect(r.findings.map((f) => [f.kind, f.degrades])).to.deep.equal([
      ['context-manager', true],
      ['propagator', true],
    ]);
  });

  it('a MeterProvider already registered: says otelkit cannot own the global meter provider and that tel.meter() still works', () => {
    const r = detectCoexistence({ registry: { version: '1.10.0', metrics: new MeterProvider() }, own, app: own });
    expect(r.findings).to.have.length(1);
    expect(r.findings[0]!.kind).to.equal('meter-provider');
    expect(r.findings[0]!.found).to.equal('a MeterProvider (MeterProvider) is already registered');
    expect(r.findings[0]!.effect).to.contain('cannot become the global MeterProvider').and.contain('tel.meter()');
    expect(r.owns.metrics).to.equal(false);
    expect(r.owns.trace).to.equal(true);
  });

  it('globals created by another API version: api-registry, otelkit can register nothing', () => {
    const r = detectCoexistence({ registry: { version: '1.9.1', diag: {} }, own, app: own });
    expect(r.findings.map((f) => f.kind)).to.deep.equal(['api-registry']);
    expect(r.findings[0]!.found).to.contain('1.9.1').and.contain('1.10.0');
    expect(r.findings[0]!.fix).to.contain('npm ls @opentelemetry/api');
    expect(r.owns).to.deep.equal({ metrics: false, trace: false, context: false, propagation: false });
  });

  it('the nested-copy bug of issue 11: app on api 1.10.0, otelkit on a nested 1.9.1', () => {
    const nested = { version: '1.9.1', path: '/app/node_modules/@otelkit/telemetry/node_modules/@opentelemetry/api' };
    const r = detectCoexistence({ registry: undefined, own: nested, app: own });
    expect(r.findings.map((f) => f.kind)).to.deep.equal(['api-copy']);
    expect(r.findings[0]!.found).to.contain(nested.path).and.contain(own.path);
    expect(r.findings[0]!.effect).to.contain('ignores globals registered by 1.9.1');
  });

  it('an older app API reads a newer otelkit registry: still a finding (order-dependent), with that effect', () => {
    const r = detectCoexistence({ registry: undefined, own, app: { version: '1.9.0' } });
    expect(r.findings.map((f) => f.kind)).to.deep.equal(['api-copy']);
    expect(r.findings[0]!.effect).to.contain('only as long as otelkit registers first');
  });

  it('two copies of the same version share the globals: no finding', () => {
    const r = detectCoexistence({ registry: undefined, own, app: { version: '1.10.0', path: '/elsewhere/@opentelemetry/api' } });
    expect(r.findings).to.deep.equal([]);
  });

  it('unknown copies (not resolvable) are no finding', () => {
    expect(detectCoexistence({ registry: undefined, own: undefined, app: undefined }).findings).to.deep.equal([]);
  });

  it('names classes as written, without the `$1` suffix of bundled builds', () => {
    const Renamed = { ['TracerProvider$1']: class {} }['TracerProvider$1']!;
    const r = detectCoexistence({ registry: { version: '1.10.0', trace: new ProxyTracerProvider(new Renamed()) }, own, app: own });
    expect(r.findings[0]!.found).to.equal('a TracerProvider (TracerProvider) is already registered');
  });

  it('hostile registry contents never throw', () => {
    const throwing = { fields: () => { throw new Error('boom'); } };
    const r = detectCoexistence({ registry: { version: 7 as unknown as string, trace: Object.create(null), propagation: throwing }, own, app: own });
    expect(r.findings.map((f) => f.kind)).to.deep.equal(['api-registry', 'tracer-provider', 'propagator']);
  });
});

describe('coexistence: apiCanRead() follows @opentelemetry/api semver.ts', () => {
  const cases: [string, string, boolean][] = [
    ['1.10.0', '1.10.0', true],
    ['1.9.1', '1.10.0', true],
    ['1.10.0', '1.9.1', false],
    ['1.10.0', '2.0.0', false],
    ['0.3.1', '0.3.2', true],
    ['0.3.2', '0.3.1', false],
    ['0.3.0', '0.4.0', false],
    ['1.10.0', '1.10.0-rc.1', false],
    ['1.10.0-rc.1', '1.10.0-rc.1', true],
  ];
  for (const [reader, registered, ok] of cases) {
    it(`a ${reader} reader ${ok ? 'uses' : 'ignores'} ${registered} globals`, () => expect(apiCanRead(reader, registered)).to.equal(ok));
  }
});

describe('coexistence: formatCoexistenceWarning()', () => {
  it('one text naming every finding, its effect and its fix', () => {
    const r = detectCoexistence({ registry: { version: '1.10.0', trace: new ProxyTracerProvider(new NodeTracerProvider()), metrics: new MeterProvider() }, own, app: own });
    const text = formatCoexistenceWarning(r.findings);
    expect(text).to.match(/^otelkit: initTelemetry\(\) found another OpenTelemetry setup/);
    expect(text).to.contain('tracer-provider: a TracerProvider (NodeTracerProvider) is already registered');
    expect(text).to.contain('meter-provider: a MeterProvider (MeterProvider)');
    expect(text.match(/Fix:/g)).to.have.length(2);
    expect(text).to.contain("health() is 'degraded'");
  });

  it('says when nothing otelkit does is affected', () => {
    const r = detectCoexistence({ registry: { version: '1.10.0', context: new AsyncLocalStorageContextManager() }, own, app: own });
    expect(formatCoexistenceWarning(r.findings)).to.contain('nothing otelkit does is affected');
  });
});

describe('coexistence: resolveApiCopy()', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'otelkit-api-copy-'));
    // A package that, like api 1.10, does not export ./package.json.
    const api = join(dir, 'node_modules', '@opentelemetry', 'api');
    mkdirSync(join(api, 'dist'), { recursive: true });
    writeFileSync(join(api, 'package.json'), JSON.stringify({ name: '@opentelemetry/api', version: '1.42.0', exports: { '.': { require: './dist/index.cjs', default: './dist/index.cjs' } } }));
    writeFileSync(join(api, 'dist', 'index.cjs'), 'module.exports = {};');
    writeFileSync(join(dir, 'app.js'), '');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the version and package directory the given file resolves', () => {
    const copy = resolveApiCopy(join(dir, 'app.js'));
    expect(copy?.version).to.equal('1.42.0');
    expect(copy?.path).to.match(/node_modules[/\\]@opentelemetry[/\\]api$/);
  });

  it('undefined where no API resolves', () => {
    expect(resolveApiCopy(join(tmpdir(), 'surely-no-node-modules-here', 'x.js'))).to.equal(undefined);
  });

  it('otelkit resolves its own copy', () => {
    expect(resolveApiCopy(new URL('../src/coexistence.ts', import.meta.url).href)?.version).to.match(/^1\.\d+\.\d+$/);
  });
});
