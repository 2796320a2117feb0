import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { otlpToFileCollectorConfig, type RunningCollector, startCollector, waitFor } from '@otelkit/testkit';

// OTEL_EXPORTER_OTLP_PROTOCOL=grpc through initTelemetry(), end to end: the real Collector with a
// gRPC-only OTLP receiver and a file exporter. Both exit paths: the asynchronous one (the event
// loop empties: shutdown() exports through grpc-js) and the synchronous one (process.exit(): the
// exporter's final request, an HTTP/2 gRPC call sent by the exit-path child).
const FIXTURE = fileURLToPath(new URL('../fixtures/exit-job.mjs', import.meta.url));

const CONFIG = otlpToFileCollectorConfig(['grpc']);

function runJob(mode: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, ...env, MODE: mode, CI: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`job did not end in time:\n${output}`));
    }, 30_000);
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('initTelemetry() with OTEL_EXPORTER_OTLP_PROTOCOL=grpc, to the real Collector', function () {
  this.timeout(120_000);
  let collector: RunningCollector;

  before(async function () {
    this.timeout(900_000); // the first run may build the collector
    collector = await startCollector({ configYaml: CONFIG });
  });
  after(async () => collector?.stop());

  /** job.items values of the requests from the job with this service.instance.id. */
  const itemsOf = async (instance: string): Promise<number[]> =>
    waitFor(`job.items from ${instance} in the collector's file`, async () => {
      const values: number[] = [];
      for (const line of await collector.readTraceFile()) {
        for (const rm of line.resourceMetrics ?? []) {
          if (!rm.resource?.attributes?.some((a: any) => a.key === 'service.instance.id' && a.value.stringValue === instance)) continue;
          for (const sm of rm.scopeMetrics ?? []) {
            for (const m of sm.metrics ?? []) if (m.name === 'job.items') for (const dp of m.sum.dataPoints) values.push(Number(dp.asInt ?? dp.asDouble));
          }
        }
      }
      return values.length > 0 ? values : undefined;
    }, 15_000, 100);

  for (const [mode, code] of [['natural', 3], ['exit', 4]] as const) {
    it(`${mode === 'exit' ? 'process.exit() (synchronous exit path)' : 'the event loop empties (asynchronous shutdown)'}: the job's total arrives exactly once over gRPC`, async () => {
      const instance = `grpc-${mode}-${Date.now()}`;
      const r = await runJob(mode, {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://${collector.otlpGrpcEndpoint}`,
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instance}`,
      });
      expect(r.code, r.output).to.equal(code);
      expect(r.output).not.to.match(/final export on exit failed|not supported/);
      expect(await itemsOf(instance)).to.deep.equal([42]);
    });
  }
});
