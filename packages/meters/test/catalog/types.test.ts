import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const DIR = fileURLToPath(new URL('./types/', import.meta.url));

describe('catalog types (compile time)', function () {
  this.timeout(120_000);

  it('tsc rejects every wrong attribute value / instrument key (@ts-expect-error lines of types/typed-catalog.ts) and reports a directive on a right one', () => {
    const source = readFileSync(`${DIR}typed-catalog.ts`, 'utf8');
    expect((source.match(/@ts-expect-error/g) ?? []).length).to.equal(9);
    const r = spawnSync(process.execPath, [TSC, '--noEmit', '--pretty', 'false', '-p', `${DIR}tsconfig.json`], { encoding: 'utf8', timeout: 110_000 });
    const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    // typed-catalog.ts compiles: each of its 9 directives sits on a line with a type error.
    // negative.ts puts a directive on a correct line: tsc must report exactly that (the check can fail).
    expect(errors, r.stdout + r.stderr).to.have.length(1);
    expect(errors[0]).to.match(/negative\.ts\(\d+,\d+\): error TS2578: Unused '@ts-expect-error' directive/);
  });
});
