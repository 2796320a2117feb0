import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/*
 * Regression (found measuring issue 14's request path): `import http from 'node:http'` in this
 * package's ES modules built node:http's facade, which reads every export — the lazy `WebSocket`,
 * `CloseEvent` and `MessageEvent` getters among them — so enabling the HTTP instrumentation loaded
 * Node's bundled undici (a 770 KB source), worker_threads, http2 and ~110 internal modules in all:
 * ~10 MB more heap in a server (18.8 vs 7.4 MB after a full GC, bench/NOTES.md) and their load
 * time at startup. Builtins are now taken with `process.getBuiltinModule()`.
 *
 * Checked on what ships (the package's built entry, in a fresh process), with every part enabled.
 */
const entry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

function loadedAfter(code: string): { undici: boolean; http2: boolean } {
  const script = `
    const before = process.moduleLoadList.length;
    const m = await import(${JSON.stringify(entry)});
    for (const C of [m.HttpInstrumentation, m.HttpClientInstrumentation, m.UndiciInstrumentation]) new C().enable();
    ${code}
    const added = process.moduleLoadList.slice(before);
    console.log(JSON.stringify({ undici: added.some((x) => x.includes('internal/deps/undici')), http2: added.includes('NativeModule http2') }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })) as { undici: boolean; http2: boolean };
}

describe('regression: importing the instrumentation loaded Node\'s bundled undici', function () {
  this.timeout(30_000);

  it('importing and enabling every part loads neither undici nor http2 (both came with node:http\'s facade)', () => {
    expect(loadedAfter('')).to.deep.equal({ undici: false, http2: false });
  });

  it('the check sees undici when something does load it (the first use of a web global)', () => {
    expect(loadedAfter('new Headers();').undici).to.equal(true);
  });
});
