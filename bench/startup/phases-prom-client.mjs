// Phases of bench/startup/prom-client.mjs inside the process (bench/tools/startup-phases.mjs prints them).
const t0 = performance.now();
const { createServer, get } = await import('node:http');
const { default: client } = await import('prom-client');
const t1 = performance.now();
client.collectDefaultMetrics();
const server = createServer(async (req, res) => {
  res.setHeader('content-type', client.register.contentType);
  res.end(await client.register.metrics());
});
const t2 = performance.now();
server.listen(0, '127.0.0.1', () => {
  const t3 = performance.now();
  get(`http://127.0.0.1:${server.address().port}/metrics`, (res) => {
    res.resume();
    res.on('end', () => {
      process.stdout.write(JSON.stringify({ bootstrap: t0, import: t1 - t0, init: t2 - t1, listen: t3 - t2, scrape: performance.now() - t3 }) + '\n');
      process.exit(0);
    });
  });
});
