import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BoundCounter, BoundHistogram, Meter } from '@otelkit/metrics';

/** The operations of the API; anything else is counted as `other` (paths never become labels). */
export const OPERATIONS = ['create_key', 'sign', 'verify', 'other'] as const;
export type Operation = (typeof OPERATIONS)[number];
type Outcome = 'ok' | 'client_error' | 'server_error';

interface OperationMetrics {
  readonly requests: Record<Outcome, BoundCounter>;
  readonly duration: BoundHistogram;
}

/** Latency buckets in seconds: an in-memory HMAC is sub-millisecond, a slow body read is not. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const MAX_BODY = 64 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'body too large');
    chunks.push(chunk);
  }
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'body must be a JSON object');
  }
}

function field(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '') throw new HttpError(400, `"${name}" must be a non-empty string`);
  return v;
}

/**
 * A Sigil-style signing API (keys, sign, verify) with one request counter and one latency
 * histogram, both bound per operation and outcome when the API is made: recording a request is
 * two property updates, no attribute hashing.
 */
export function createSigilApi(meter: Meter): (req: IncomingMessage, res: ServerResponse) => void {
  const requests = meter.createCounter('sigil.requests', { unit: '{request}', description: 'API requests by operation and outcome' });
  const duration = meter.createHistogram('sigil.request.duration', {
    unit: 's',
    description: 'API request latency by operation',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const metrics = new Map<Operation, OperationMetrics>();
  for (const operation of OPERATIONS) {
    metrics.set(operation, {
      requests: {
        ok: requests.bind({ operation, outcome: 'ok' }),
        client_error: requests.bind({ operation, outcome: 'client_error' }),
        server_error: requests.bind({ operation, outcome: 'server_error' }),
      },
      duration: duration.bind({ operation }),
    });
  }
  const keys = new Map<string, Buffer>();

  const routes: Record<string, { operation: Operation; run: (body: Record<string, unknown>) => unknown }> = {
    'POST /v1/keys': {
      operation: 'create_key',
      run: () => {
        const id = randomUUID();
        keys.set(id, randomBytes(32));
        return { keyId: id };
      },
    },
    'POST /v1/sign': {
      operation: 'sign',
      run: (body) => {
        const key = keys.get(field(body, 'keyId'));
        if (key === undefined) throw new HttpError(404, 'unknown key');
        return { signature: createHmac('sha256', key).update(field(body, 'payload')).digest('base64url') };
      },
    },
    'POST /v1/verify': {
      operation: 'verify',
      run: (body) => {
        const key = keys.get(field(body, 'keyId'));
        if (key === undefined) throw new HttpError(404, 'unknown key');
        const expected = createHmac('sha256', key).update(field(body, 'payload')).digest();
        const given = Buffer.from(field(body, 'signature'), 'base64url');
        return { valid: given.length === expected.length && timingSafeEqual(given, expected) };
      },
    },
  };

  return (req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[`${req.method} ${path}`];
    const m = metrics.get(route?.operation ?? 'other')!;
    const finish = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      m.requests[status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'ok'].add(1);
      m.duration.record((performance.now() - started) / 1000);
    };
    if (route === undefined) {
      req.resume();
      finish(404, { error: 'not found' });
      return;
    }
    readJson(req)
      .then((body) => finish(200, route.run(body)))
      .catch((e: unknown) => {
        if (e instanceof HttpError) finish(e.status, { error: e.message });
        else finish(500, { error: 'internal error' });
      });
  };
}
