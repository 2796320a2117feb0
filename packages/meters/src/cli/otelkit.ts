#!/usr/bin/env node
// The `otelkit` command of @otelkit/meters. Only `catalog` for now; it imports the generators (and
// through them the Grafana SDK) here, never from the package's main entry.
const [command, ...rest] = process.argv.slice(2);
if (command === 'catalog') {
  const { runCatalogCli } = await import('./catalog-command.js');
  process.exitCode = await runCatalogCli(rest, { cwd: process.cwd(), out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
} else {
  process.stderr.write(`Usage: otelkit catalog [--module ./my-catalog.js] [--out monitoring] [--check]   (otelkit catalog --help)\n`);
  process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}
