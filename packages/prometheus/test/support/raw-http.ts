import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (request line + header lines, without the final blank line) byte for byte over a
 * fresh TCP connection and reads the whole response. Nothing is normalised on the way: the server
 * sees exactly the path, spacing and repeated headers written here.
 */
export async function rawRequest(port: number, head: string, options: { host?: string; localAddress?: string } = {}): Promise<RawResponse> {
  const host = options.host ?? '127.0.0.1';
  const text = `${head.replace(/\r?\n$/, '').split('\n').join('\r\n')}\r\nConnection: close\r\n\r\n`;
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port, localAddress: options.localAddress }, () => socket.write(text));
    socket.setTimeout(5000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (b) => chunks.push(b));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
  const raw = Buffer.concat(chunks).toString('latin1');
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no HTTP response: ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = raw.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    let out = '';
    for (let rest = body; ;) {
      const nl = rest.indexOf('\r\n');
      const size = parseInt(rest.slice(0, nl), 16);
      if (!size) break;
      out += rest.slice(nl + 2, nl + 2 + size);
      rest = rest.slice(nl + 2 + size + 2);
    }
    body = out;
  }
  return { status, headers, body };
}
