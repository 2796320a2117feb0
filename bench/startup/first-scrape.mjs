// Shared by the startup contestants (bench/scenarios/startup.mjs): the first scrape, as Prometheus
// would send it, then exit. The measure is process start to the first *served* scrape:
// work deferred past `listen` still counts, and so does the first collection.
import { get } from 'node:http';

export function scrapeOnceAndExit(url) {
  get(url, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } }, (res) => {
    let bytes = 0;
    res.on('data', (c) => (bytes += c.length));
    res.on('end', () => {
      if (res.statusCode !== 200 || bytes === 0) {
        process.stderr.write(`first scrape: HTTP ${res.statusCode}, ${bytes} bytes\n`);
        process.exit(1);
      }
      process.exit(0);
    });
  }).on('error', (e) => {
    process.stderr.write(`first scrape: ${e.message}\n`);
    process.exit(1);
  });
}
