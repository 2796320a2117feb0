import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The value of the first sample `name{labels…}` whose labels include `labels`, in a text 0.0.4
 * exposition; undefined when there is none.
 */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have[l[1]!] = l[2]!;
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/**
 * The arguments of a package's `start` script (`node <args…>`), so a test runs the very command a
 * user runs, as its own child process (no npm or shell in between).
 */
export function startScriptArgs(packageRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const start = pkg.scripts?.start ?? '';
  const [bin, ...args] = start.split(' ');
  if (bin !== 'node') throw new Error(`the start script of ${packageRoot} must be "node …", got ${JSON.stringify(start)}`);
  return args;
}
