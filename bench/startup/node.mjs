// Baseline: Node itself starting an ESM module with an HTTP server answering one request, no
// metrics library.
import { createServer } from 'node:http';
import { scrapeOnceAndExit } from './first-scrape.mjs';

const server = createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => scrapeOnceAndExit(`http://127.0.0.1:${server.address().port}/metrics`));
