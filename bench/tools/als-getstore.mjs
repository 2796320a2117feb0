// node bench/tools/als-getstore.mjs
// What reading the active context costs on this Node line: AsyncLocalStorage.getStore() (what
// the AsyncLocalStorage context manager's active() does, once per record for the exemplar
// filter) and run() (once per context.with()), after an await as in a service, against an
// empty loop. Node 24's AsyncContextFrame makes both dearer than Node 22's async_hooks
// storage (bench/NOTES.md, exemplars).
import { AsyncLocalStorage } from 'node:async_hooks';

const als = new AsyncLocalStorage();
als.enterWith(undefined);
let sink;
const store = { s: 1 };
const time = (fn, n = 200_000) => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t) / n;
};
const ten = () => {
  for (let k = 0; k < 10; k++) sink = als.getStore();
};
const empty = () => {
  for (let k = 0; k < 10; k++) sink = k;
};
const res = { getStore: [], run: [] };
for (let round = 0; round < 7; round++) {
  await new Promise((r) => setTimeout(r, 3));
  const base = time(empty);
  res.getStore.push((time(ten) - base) / 10);
  res.run.push(time(() => als.run(store, empty)) - base);
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`node ${process.version}: getStore() ${med(res.getStore).toFixed(1)} ns, run() ${med(res.run).toFixed(0)} ns (medians of 7 rounds, over an empty loop)`);
