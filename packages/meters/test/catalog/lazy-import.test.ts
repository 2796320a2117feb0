import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '@otelkit/testkit';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

// The Grafana SDK is a tooling dependency: the meter sets (and so initTelemetry()) must not load
// it; only the generator does, on its first call. A resolve hook (module.registerHooks, Node
// >= 22.15) records every module resolved in a fresh process.
describe('the Grafana SDK stays off the runtime import path', function () {
  this.timeout(60_000);

  async function resolvedAfter(code: string): Promise<string[]> {
    const dir = await tempDir('otelkit-lazy-');
    try {
      const script = join(dir.path, 'probe.mts');
      writeFileSync(
        script,
        `import { registerHooks } from 'node:module';
const seen: string[] = [];
registerHooks({ resolve(specifier, context, next) { seen.push(specifier); return next(specifier, context); } });
${code}
console.log(JSON.stringify(seen));
`,
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 50_000 });
      expect(r.status, r.stderr).to.equal(0);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
    } finally {
      await dir.remove();
    }
  }

  it('importing @otelkit/meters and creating the meter sets resolves no @grafana module', async () => {
    const seen = await resolvedAfter(`const m = await import(${JSON.stringify(SRC + 'index.ts')});
const { MeterProvider } = await import(${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('@otelkit/metrics')).href)});
m.createCoordinatorMeters(new MeterProvider().getMeter('c'));`);
    expect(seen.some((s) => s.includes('coordinator'))).to.equal(true);
    expect(seen.filter((s) => s.includes('@grafana'))).to.deep.equal([]);
  });

  it('importing @otelkit/meters/catalog does not either; generateMonitoring() does', async () => {
    const before = await resolvedAfter(`await import(${JSON.stringify(SRC + 'catalog-entry.ts')});`);
    expect(before.filter((s) => s.includes('@grafana'))).to.deep.equal([]);
    const after = await resolvedAfter(`const c = await import(${JSON.stringify(SRC + 'catalog-entry.ts')});
await c.generateMonitoring(c.OTELKIT_CATALOGS);`);
    expect(after.filter((s) => s.includes('@grafana')).length).to.be.greaterThan(0);
  });
});
