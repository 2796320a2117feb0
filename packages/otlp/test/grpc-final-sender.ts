import { SEND_GRPC_SOURCE } from '../src/grpc-final-sender.js';

/** A whole child: the request on stdin as `{ request, timeoutMs }` (body base64), exit 0 on success. */
export const GRPC_FINAL_CHILD = `${SEND_GRPC_SOURCE}
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const { request, timeoutMs } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const err = await sendGrpc(request, Buffer.from(request.body, 'base64'), timeoutMs);
  if (err) process.stderr.write('otlp-metrics: ' + err + '\\n');
  process.exitCode = err ? 1 : 0;
});
`;
