// node bench/tools/context-entry.mjs
// What entering a request's context costs, per way of doing it (CPU ns per request, interleaved):
// `context.with()` around the handler (what @otelkit/instrumentation-http does, plus one per
// request/response event that has listeners), `AsyncLocalStorage.enterWith()` from the channel
// subscriber, and `context.bind()` of the request and response emitters (instrumentation-http).
// Each "request" also schedules one promise continuation, as a handler does. For bench/NOTES.md.
import { context, ROOT_CONTEXT, createContextKey } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { EventEmitter } from 'node:events';

const manager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(manager);
const als = manager._asyncLocalStorage;
const key = createContextKey('request');
let sink = 0;
const handler = () => {
  sink += context.active() === ROOT_CONTEXT ? 0 : 1;
  Promise.resolve().then(() => (sink += 1));
};
const ways = {
  'nothing (baseline)': () => handler(),
  'context.with(ctx, handler)': (ctx) => context.with(ctx, handler),
  'context.with × 4 (handler + 3 events with listeners)': (ctx) => {
    context.with(ctx, handler);
    for (let k = 0; k < 3; k++) context.with(ctx, () => (sink += 1));
  },
  'AsyncLocalStorage.enterWith(ctx), then handler': (ctx) => {
    als.enterWith(ctx);
    handler();
  },
  'context.bind(ctx, req) + context.bind(ctx, res), context.with(handler)': (ctx) => {
    const req = new EventEmitter();
    const res = new EventEmitter();
    context.bind(ctx, req);
    context.bind(ctx, res);
    req.on('end', () => (sink += 1));
    res.on('finish', () => (sink += 1));
    context.with(ctx, handler);
    req.emit('end');
    res.emit('finish');
  },
};
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
async function batch(fn, n) {
  const t0 = cpu();
  for (let i = 0; i < n; i++) {
    fn(ROOT_CONTEXT.setValue(key, i));
    if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r));
  }
  return (cpu() - t0) / n;
}
const results = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
for (const fn of Object.values(ways)) await batch(fn, 50_000);
for (let r = 0; r < 7; r++) for (const [k, fn] of Object.entries(ways).sort(() => Math.random() - 0.5)) results[k].push(await batch(fn, 100_000));
console.log(`Node ${process.version}`);
for (const [k, xs] of Object.entries(results)) console.log(`${k.padEnd(72)} ${xs.sort((a, b) => a - b)[3].toFixed(0).padStart(6)} ns`);
