import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@otelkit/metrics';
import type { AnyCatalog } from '../catalog/declaration.js';
import { generateMonitoring } from '../catalog/generate/generate-monitoring.js';
import type { GenerateOptions } from '../catalog/generate/options.js';
import { OTELKIT_CATALOGS } from '../catalog/otelkit-catalogs.js';
import { MetersConfigError } from '../errors.js';

export const CATALOG_USAGE = `Usage: otelkit catalog [--module ./my-catalog.js] [--out monitoring] [--check]

Writes Grafana dashboards, Prometheus rules, promtool tests, the metrics table and the runbook
generated from metrics catalogs (defineCatalog() of @otelkit/meters).

  --module <file>          catalog module: its default export, or its \`catalogs\` / \`catalog\` export,
                           is one catalog or an array of them (default: otelkit's own meter sets)
  --with-otelkit           also generate otelkit's own catalogs next to the module's
  --out <dir>              output directory (default: monitoring)
  --runbook <file>         where the runbook goes (default: <out>/RUNBOOK.md)
  --runbook-url <url>      base URL the alerts' runbook_url link to (default: the runbook file's path
                           for --module, otelkit's docs/RUNBOOK.md otherwise)
  --selector <matchers>    extra PromQL matchers for every rule, e.g. 'job=~"api|worker"'
  --trace-datasource-type <type>  Grafana type of the trace datasource (default: tempo)
  --check                  write nothing; exit 1 with a diff when a file differs from what the
                           catalogs generate (for CI)
`;

export interface CliIo {
  readonly cwd: string;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

interface Args {
  module?: string;
  withOtelkit: boolean;
  out: string;
  runbook?: string;
  runbookUrl?: string;
  selector?: string;
  traceType?: string;
  check: boolean;
}

function parse(argv: readonly string[]): Args {
  const a: Args = { withOtelkit: false, out: 'monitoring', check: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.startsWith('--') && flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new MetersConfigError('otelkit catalog', name, 'needs a value', `${name} <value>`);
      return v;
    };
    switch (name) {
      case '--module':
        a.module = value();
        break;
      case '--out':
        a.out = value();
        break;
      case '--runbook':
        a.runbook = value();
        break;
      case '--runbook-url':
        a.runbookUrl = value();
        break;
      case '--selector':
        a.selector = value();
        break;
      case '--trace-datasource-type':
        a.traceType = value();
        break;
      case '--with-otelkit':
        a.withOtelkit = true;
        break;
      case '--check':
        a.check = true;
        break;
      default:
        throw new MetersConfigError('otelkit catalog', name, 'is not an option', '--module ./my-catalog.js --out monitoring');
    }
  }
  return a;
}

async function loadCatalogs(file: string): Promise<AnyCatalog[]> {
  if (!existsSync(file)) throw new MetersConfigError('otelkit catalog', '--module', `"${file}" does not exist`, '--module ./my-catalog.js');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new MetersConfigError('otelkit catalog', '--module', `"${file}" could not be imported (${e instanceof Error ? e.message : String(e)})`, '--module ./my-catalog.js (an ES module; TypeScript: compile it first, or run with tsx)');
  }
  const value = mod.default ?? mod.catalogs ?? mod.catalog;
  if (value === undefined) throw new MetersConfigError('otelkit catalog', '--module', `"${file}" exports no default, \`catalogs\` or \`catalog\``, 'export default defineCatalog({ … })');
  return (Array.isArray(value) ? value : [value]) as AnyCatalog[];
}

/** A unified-style diff of the first changed region of two texts (enough to show what drifted). */
export function shortDiff(path: string, committed: string | undefined, generated: string): string {
  if (committed === undefined) return `--- ${path} (missing)\n+++ ${path} (generated)\n@@ new file, ${generated.split('\n').length} lines @@\n`;
  const a = committed.split('\n');
  const b = generated.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let ea = a.length;
  let eb = b.length;
  while (ea > start && eb > start && a[ea - 1] === b[eb - 1]) {
    ea--;
    eb--;
  }
  const ctx = 3;
  const from = Math.max(0, start - ctx);
  const removed = a.slice(start, ea);
  const added = b.slice(start, eb);
  const limit = 40;
  const lines = [
    `--- ${path} (committed)`,
    `+++ ${path} (generated)`,
    `@@ -${from + 1},${ea - from} +${from + 1},${eb - from} @@`,
    ...a.slice(from, start).map((l) => ` ${l}`),
    ...removed.slice(0, limit).map((l) => `-${l}`),
    ...(removed.length > limit ? [`… ${removed.length - limit} more removed lines`] : []),
    ...added.slice(0, limit).map((l) => `+${l}`),
    ...(added.length > limit ? [`… ${added.length - limit} more added lines`] : []),
    ...a.slice(ea, ea + ctx).map((l) => ` ${l}`),
  ];
  return lines.join('\n') + '\n';
}

function listFiles(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, base));
    else out.push(relative(base, p));
  }
  return out;
}

/**
 * `otelkit catalog …`: returns the exit code (0 done / up to date, 1 drift under --check,
 * 2 a usage or catalog error, whose message names the field).
 */
export async function runCatalogCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(CATALOG_USAGE);
    return 0;
  }
  try {
    const args = parse(argv);
    const abs = (p: string): string => (isAbsolute(p) ? p : resolve(io.cwd, p));
    const outDir = abs(args.out);
    const runbookPath = abs(args.runbook ?? join(args.out, 'RUNBOOK.md'));
    const catalogs = args.module === undefined ? [...OTELKIT_CATALOGS] : [...(await loadCatalogs(abs(args.module))), ...(args.withOtelkit ? OTELKIT_CATALOGS : [])];
    const options: GenerateOptions = {
      ...(args.runbookUrl !== undefined ? { runbookUrl: args.runbookUrl } : args.module !== undefined ? { runbookUrl: relative(outDir, runbookPath).split('\\').join('/') } : {}),
      ...(args.selector !== undefined ? { selector: args.selector } : {}),
      ...(args.traceType !== undefined ? { traceDatasourceType: args.traceType } : {}),
    };
    const { files } = await generateMonitoring(catalogs, options);
    const targets = new Map<string, string>();
    for (const [rel, content] of Object.entries(files)) targets.set(rel === 'RUNBOOK.md' ? runbookPath : join(outDir, rel), content);
    if (args.check) {
      let drift = 0;
      for (const [path, content] of targets) {
        const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
        if (current !== content) {
          drift++;
          io.err(shortDiff(relative(io.cwd, path), current, content));
        }
      }
      // A generated file the catalogs no longer make (a renamed catalog) is drift too.
      for (const sub of ['dashboards', 'rules', 'tests']) {
        for (const f of listFiles(join(outDir, sub))) {
          const p = join(outDir, sub, f);
          if (!targets.has(p)) {
            drift++;
            io.err(`--- ${relative(io.cwd, p)} is not generated by any catalog (remove it)\n`);
          }
        }
      }
      if (drift > 0) {
        io.err(`otelkit catalog --check: ${drift} file(s) differ from what the catalogs generate; run \`npx otelkit catalog${argv.filter((x) => x !== '--check').map((x) => ` ${x}`).join('')}\` and commit the result\n`);
        return 1;
      }
      io.out(`otelkit catalog --check: ${targets.size} files up to date\n`);
      return 0;
    }
    for (const [path, content] of targets) {
      mkdirSync(dirname(path), { recursive: true });
      if (!existsSync(path) || readFileSync(path, 'utf8') !== content) writeFileSync(path, content);
    }
    io.out(`otelkit catalog: wrote ${targets.size} files for ${catalogs.map((c) => c.id).join(', ')} under ${relative(io.cwd, outDir) || '.'}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`otelkit catalog: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
