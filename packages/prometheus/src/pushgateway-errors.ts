import { ConfigError } from '@otelkit/metrics';
import { exampleOf } from './errors.js';

/** A bad `PushgatewayPusher` option. The message names the field and a correct example. A {@link ConfigError}. */
export class PushgatewayConfigError extends ConfigError {
  constructor(field: string, message: string) {
    super(field, message, exampleOf(message), { message: `otelkit/prometheus: pushgateway.${field} ${message}` });
    this.name = 'PushgatewayConfigError';
  }
}

/**
 * A push or delete that did not end in a 2xx answer. `status` is the gateway's answer (a 3xx too:
 * redirects are never followed), or `undefined` for a network error or time-out. `body` holds the
 * gateway's message (its 400s explain the conflict), cut to 1 KiB.
 */
export class PushError extends Error {
  readonly status: number | undefined;
  readonly body: string;
  readonly method: string;
  /** The request URL without credentials. */
  readonly url: string;
  constructor(method: string, url: string, status: number | undefined, body: string, cause?: unknown) {
    const what = status === undefined ? `failed: ${cause instanceof Error ? cause.message : String(cause)}` : `answered ${status}${body ? `: ${body.trim()}` : ''}`;
    super(`otelkit/prometheus: Pushgateway ${method} ${url} ${what}`, cause === undefined ? undefined : { cause });
    this.name = 'PushError';
    this.status = status;
    this.body = body;
    this.method = method;
    this.url = url;
  }
}
