import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootDir = join(benchDir, '..');

/** Packages whose versions the report names. */
export const PACKAGES = [
  'prom-client',
  '@opentelemetry/api',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/exporter-prometheus',
  '@opentelemetry/exporter-metrics-otlp-proto',
  '@opentelemetry/sdk-trace',
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/instrumentation-http',
  'autocannon',
  '@otelkit/metrics',
  '@otelkit/prometheus',
  '@otelkit/otlp',
  '@otelkit/telemetry',
  '@otelkit/instrumentation-http',
];

/** Version from the installed package.json (not the range in ours): what actually ran. */
export function installedVersion(name) {
  for (const dir of [join(benchDir, 'node_modules'), join(rootDir, 'node_modules')]) {
    const p = join(dir, name, 'package.json');
    if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')).version;
  }
  return 'not installed';
}

function git(...args) {
  try {
    return execFileSync('git', args, { cwd: rootDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export async function environment() {
  const cpu = cpus();
  const dirty = git('status', '--porcelain', '--', 'packages', 'bench') !== '';
  return {
    date: new Date().toISOString(),
    cpu: `${cpu[0]?.model.trim() ?? 'unknown'}${cpu[0]?.speed ? ` @ ${cpu[0].speed} MHz` : ''}`,
    cores: cpu.length,
    memoryGiB: totalmem() / 2 ** 30,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    v8: process.versions.v8,
    load: loadavg(),
    commit: `${git('rev-parse', '--short', 'HEAD') || 'unknown'}${dirty ? ' (with uncommitted changes)' : ''}`,
    packages: Object.fromEntries(PACKAGES.map((p) => [p, installedVersion(p)])),
  };
}

export function environmentMarkdown(env) {
  const pk = Object.entries(env.packages)
    .map(([n, v]) => `\`${n}\` ${v}`)
    .join(', ');
  return [
    `- Machine: ${env.cpu}, ${env.cores} cores, ${env.memoryGiB.toFixed(1)} GiB RAM, ${env.os}`,
    `- Node ${env.node} (V8 ${env.v8})`,
    `- Load average at start (1/5/15 min): ${env.load.map((l) => l.toFixed(2)).join(' / ')}`,
    `- Packages: ${pk}`,
    `- otelkit commit ${env.commit}, ${env.date}`,
  ].join('\n');
}
