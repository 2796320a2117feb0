import { spawnSync } from 'node:child_process';
const pkgs = process.argv.slice(2);
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
const time = (code) => { const r = []; for (let i = 0; i < 9; i++) { const t = process.hrtime.bigint(); spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd() }); r.push(Number(process.hrtime.bigint() - t) / 1e6); } return med(r); };
const base = time('');
console.log('bare node', base.toFixed(0), 'ms');
for (const p of pkgs) console.log((time(p.split('+').map((x) => `await import('${x}');`).join('')) - base).toFixed(0).padStart(5), 'ms', p);
