import { spawnSync, type SpawnOptions } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { onFreePort, startProcess, tempDir, waitFor } from './peers.js';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust auth: no password). */
  readonly connectionString: string;
  readonly dataDir: string;
  /** Everything the server logged so far. */
  output(): string;
  /** `pg_ctl stop -m immediate`, then removes the temp dir. */
  stop(): Promise<void>;
}

/** The `bin` dir of the highest PostgreSQL installed under /usr/lib/postgresql (Debian layout). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `peer "postgresql" is not installed (no ${root}/<version>/bin/initdb); run \`npm test\` (it provisions peers with apt-get) or \`apt-get install postgresql\``,
    );
  }
  return join(root, versions[0]!, 'bin');
}

/** Runs as the `postgres` OS user when we are root: the server refuses to run as root. */
function asPostgresUser(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0 || gid.status !== 0) throw new Error('running as root, but there is no `postgres` OS user to run PostgreSQL as (apt-get install postgresql creates it)');
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Starts a throw-away PostgreSQL: `initdb` into a temp dir, trust auth, listening on 127.0.0.1 at a
 * free port with its unix socket inside the temp dir. The server process is bound to the test run
 * (killed at exit whatever happens); call `stop()` in an `after` hook. A port taken before
 * PostgreSQL binds it is replaced by a new one ({@link onFreePort}); `choosePort` is for tests of
 * that retry.
 */
export async function startPostgres(options: { choosePort?: () => Promise<number> } = {}): Promise<PostgresServer> {
  return onFreePort(startPostgresOn, options.choosePort);
}

async function startPostgresOn(port: number): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const user = asPostgresUser();
  const dir = await tempDir('pg');
  if (user.uid !== undefined) chownSync(dir.path, user.uid, user.gid!);
  const dataDir = join(dir.path, 'data');
  const run: SpawnOptions = { ...user, cwd: dir.path, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' } };
  const init = spawnSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    ...run,
    encoding: 'utf8',
  });
  if (init.status !== 0) {
    await dir.remove();
    throw new Error(`initdb failed (exit ${init.status}): ${init.stderr || init.stdout}`);
  }
  const proc = startProcess(
    join(bin, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-k', dir.path, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    run,
  );
  try {
    await waitFor(
      `PostgreSQL on 127.0.0.1:${port}`,
      () => {
        if (proc.child.exitCode !== null) throw new Error(`postgres exited with code ${proc.child.exitCode}: ${proc.output()}`);
        return /ready to accept connections/.test(proc.output());
      },
      30_000,
      100,
    );
  } catch (e) {
    await proc.stop(1000);
    await dir.remove();
    throw e;
  }
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    output: () => proc.output(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      spawnSync(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10'], { ...run, stdio: 'ignore' });
      await proc.stop(2000);
      await dir.remove();
    },
  };
}
