import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';

const FIXTURE = fileURLToPath(new URL('./fixtures/exit-job.mjs', import.meta.url));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs the fixture; `kill` is sent once it printed "ready". */
function runJob(mode: string, receiver: OtlpReceiver, kill?: NodeJS.Signals): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE], {
      env: { ...process.env, MODE: mode, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, CI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`job did not end in time:\n${output}`));
    }, 20_000);
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
      if (kill && output.includes('ready')) child.kill(kill);
    });
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

function exportedItems(reqs: Awaited<ReturnType<OtlpReceiver['requests']>>): number[] {
  const values: number[] = [];
  for (const r of reqs) {
    if (r.path !== '/v1/metrics' || !r.body) continue;
    for (const rm of r.body.resource_metrics ?? []) {
      for (const sm of rm.scope_metrics ?? []) {
        for (const m of sm.metrics ?? []) {
          if (m.name !== 'job.items') continue;
          for (const dp of m.sum?.data_points ?? []) values.push(Number(dp.as_double ?? dp.as_int));
        }
      }
    }
  }
  return values;
}

function spanNames(reqs: Awaited<ReturnType<OtlpReceiver['requests']>>): string[] {
  const names: string[] = [];
  for (const r of reqs) {
    if (r.path !== '/v1/traces' || !r.body) continue;
    for (const rs of r.body.resource_spans ?? []) for (const ss of rs.scope_spans ?? []) for (const sp of ss.spans ?? []) names.push(String(sp.name));
  }
  return names;
}

describe('exit hooks: the last data of a short-lived job is exported', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await startOtlpReceiver();
  });
  after(async () => receiver?.stop());
  beforeEach(async () => receiver.reset());

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: flushes metrics and spans exactly once, then dies by the same signal`, async () => {
      const ended = await runJob('signal', receiver, signal);
      expect(ended.signal, ended.output).to.equal(signal);
      const reqs = await receiver.requests();
      expect(exportedItems(reqs)).to.deep.equal([42]);
      expect(reqs.filter((r) => r.path === '/v1/traces')).to.have.length(1);
      expect(spanNames(reqs)).to.deep.equal(['job run']);
    });
  }

  it('event loop empties (beforeExit): flushes once and keeps process.exitCode', async () => {
    const ended = await runJob('natural', receiver);
    expect(ended.code, ended.output).to.equal(3);
    expect(exportedItems(await receiver.requests())).to.deep.equal([42]);
  });

  const syncCases: [string, string, number][] = [
    ['process.exit(4)', 'exit', 4],
    ['an uncaught exception', 'throw', 1],
    ['an unhandled rejection', 'reject', 1],
  ];
  for (const [what, mode, code] of syncCases) {
    it(`${what}: the last collection and the ended spans are exported synchronously, exactly once, and the exit code is kept`, async () => {
      const ended = await runJob(mode, receiver);
      expect(ended.code, ended.output).to.equal(code);
      if (mode !== 'exit') expect(ended.output).to.contain(mode === 'throw' ? 'job failed' : 'job rejected');
      const reqs = await receiver.requests();
      expect(exportedItems(reqs)).to.deep.equal([42]);
      // The batch span processor still held the job's span (5 s schedule): the exit path sends it.
      expect(spanNames(reqs)).to.deep.equal(['job run']);
    });
  }

  it('an application SIGTERM listener keeps ownership of the exit; the flush still happens', async () => {
    const ended = await runJob('own-handler', receiver, 'SIGTERM');
    expect(ended.code, ended.output).to.equal(7);
    expect(exportedItems(await receiver.requests())).to.deep.equal([42]);
  });
});
