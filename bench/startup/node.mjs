// Baseline: Node itself starting an ESM module with an HTTP server, no metrics library.
import { createServer } from 'node:http';

const server = createServer((req, res) => res.end());
server.listen(0, '127.0.0.1', () => process.exit(0));
