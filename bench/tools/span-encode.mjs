// node bench/tools/span-encode.mjs [rounds=30]
// CPU per span of the OTLP span export's encoding, interleaved in one process: otelkit's
// encodeSpansProtobuf (@otelkit/otlp) against otlp-transformer's ProtobufTraceSerializer (what
// @opentelemetry/exporter-trace-otlp-proto sends), on batches of 512 spans shaped like the HTTP
// overhead scenario's (otelkit's lean tracer and id pool, a SERVER span with the 13 attributes
// @otelkit/instrumentation-http sets, ids and paths that vary per request). Checks both encoders
// give the same bytes. The profile of the HTTP scenario's server puts the span export at about
// half of otelkit's cost per request (bench/NOTES.md); this isolates its encoding part.
import { SpanKind } from '@opentelemetry/api';
import { encodeSpansProtobuf } from '@otelkit/otlp';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const rounds = Number(process.argv[2] ?? 30);
const require = createRequire(import.meta.url);
// otlp-transformer as the upstream exporter resolves it (a dependency of the exporter, not of bench/).
const { ProtobufTraceSerializer } = createRequire(require.resolve('@opentelemetry/exporter-trace-otlp-proto'))('@opentelemetry/otlp-transformer');
const tdist = join(dirname(require.resolve('@otelkit/telemetry/package.json')), 'dist');
const { LeanTracerProvider } = await import(join(tdist, 'lean-tracer.js'));
const { FastIdGenerator } = await import(join(tdist, 'fast-id-generator.js'));

const ended = [];
const tracer = new LeanTracerProvider({
  idGenerator: new FastIdGenerator(),
  spanProcessors: [{ onStart() {}, onEnd: (s) => ended.push(s), forceFlush: async () => {}, shutdown: async () => {} }],
}).getTracer('@otelkit/instrumentation-http', '0.1.0');
for (let i = 0; i < 512; i++) {
  const s = tracer.startSpan('GET', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': `/api/users/${i * 7}/orders`,
      'url.query': `page=${i % 5}`,
      'server.address': '127.0.0.1',
      'server.port': 38411,
      'client.address': '127.0.0.1',
      'network.peer.address': '127.0.0.1',
      'network.peer.port': 50000 + (i % 32),
      'network.protocol.version': '1.1',
      'user_agent.original': 'autocannon/8.0.0',
    },
  });
  s.setAttribute('http.response.status_code', 200);
  s.setAttribute('http.route', '/api/users/:id/orders');
  s.updateName('GET /api/users/:id/orders');
  s.end();
}
const contestants = { otelkit: (b) => encodeSpansProtobuf(b), 'otlp-transformer': (b) => ProtobufTraceSerializer.serializeRequest(b) };
const same = Buffer.from(contestants.otelkit(ended)).equals(Buffer.from(contestants['otlp-transformer'](ended)));
if (!same) throw new Error('the two encoders disagree');
const times = { otelkit: [], 'otlp-transformer': [] };
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
for (let r = 0; r < rounds; r++) {
  for (const name of r & 1 ? ['otelkit', 'otlp-transformer'] : ['otlp-transformer', 'otelkit']) {
    const n = 40;
    const t = cpu();
    for (let k = 0; k < n; k++) contestants[name](ended);
    times[name].push(((cpu() - t) * 1000) / n / ended.length);
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const bytes = contestants.otelkit(ended).length;
console.log(`node ${process.version}, ${rounds} rounds × 40 batches of 512 spans, ${(bytes / 512).toFixed(0)} B per span, same bytes: ${same}`);
for (const [name, t] of Object.entries(times)) console.log(`${name.padEnd(18)} ${med(t).toFixed(0).padStart(6)} ns per span (min ${Math.min(...t).toFixed(0)}, max ${Math.max(...t).toFixed(0)})`);
console.log(`otelkit / otlp-transformer: ${(med(times.otelkit) / med(times['otlp-transformer'])).toFixed(2)}×`);
