import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The `trace_based` exemplar filter costs nothing when no span can exist: it caches the API's
 * global registry and reads its context manager, instead of reading the global on every record
 * (exemplar-filter.ts). The cache must not miss a context manager registered after otelkit
 * loaded (an app that calls NodeSDK.start() after initTelemetry()), whether or not the API's
 * registry existed when otelkit loaded; a deleted and re-made registry (test suites resetting the
 * API) is seen from the next collection on.
 *
 * Each case in a fresh process: what matters is the global state when otelkit's module loads.
 */
describe('regression: exemplar filter sees a context manager registered after otelkit loaded', () => {
  const script = fileURLToPath(new URL('../support/late-registration.ts', import.meta.url));

  const run = (mode: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(t);
        if (code === 0) resolve(JSON.parse(out) as Record<string, unknown>);
        else reject(new Error(`exit ${code}: ${out}${err}`));
      });
    });

  const id = (n: number) => n.toString(16).padStart(32, '0');

  it('nothing registered when otelkit loads: the registry the API makes later is the one read', async () => {
    const r = await run('nothing-before');
    expect(r.registryAtLoad, 'no registry at load').to.equal(false);
    expect(r.noManager, 'no context manager: the span is not active, no exemplar').to.equal(null);
    expect(r.registryMade, 'the API still makes its registry').to.equal(true);
    expect(r.descriptor, 'as a plain writable property').to.equal(true);
    expect(r.meterProviderOnly).to.equal(null);
    expect(r.managerLater, 'context manager registered later: exemplar from the active span').to.equal(id(3));
  });

  it('a registry existing when otelkit loads (another global registered first)', async () => {
    const r = await run('registry-before');
    expect(r.registryAtLoad).to.equal(true);
    expect(r.noManager).to.equal(null);
    expect(r.meterProviderOnly).to.equal(null);
    expect(r.managerLater).to.equal(id(3));
  });

  it('two copies of the filter module (two installs, or a bundle next to the package) both see it', async () => {
    const r = await run('two-copies');
    expect(r.registryAtLoad).to.equal(false);
    expect(r.managerLater).to.equal(id(3));
    expect(r.distinctCopy, 'a second module instance').to.equal(true);
    expect(r.secondCopy, 'the second copy').to.equal(id(4));
  });

  it('context disabled, registry deleted and made again: seen from the next collection', async () => {
    const r = await run('reset');
    expect(r.managerLater).to.equal(id(3));
    expect(r.disabled, 'disabled manager').to.equal(null);
    expect(r.afterResetAndCollect).to.equal(id(6));
    expect(r.expectedLast).to.equal(id(6));
  });
});
