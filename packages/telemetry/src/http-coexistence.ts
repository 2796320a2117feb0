import { diag } from '@opentelemetry/api';
import { hasSubscribers } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';

/**
 * Which parts of otelkit's HTTP instrumentation would trace what another instrumentation already
 * traces — each request would then get two SERVER or CLIENT spans and two duration observations.
 *
 * - `@opentelemetry/instrumentation-http` or `-undici` passed in `instrumentations` (their
 *   `instrumentationName` and, for instrumentation-http, `disableIncoming/OutgoingRequestInstrumentation`);
 * - `http.request` already wrapped by shimmer (`__wrapped`: instrumentation-http enabled by NodeSDK
 *   or registerInstrumentations() before initTelemetry());
 * - another subscriber to `undici:request:create` (instrumentation-undici enabled elsewhere, or an
 *   APM agent): fetch() is then someone else's.
 *
 * The part is not enabled, and ONE startup warning names it, its cause and the fix (the style of
 * coexistence.ts). Never throws.
 */
export type HttpPart = 'server' | 'client-http' | 'client-fetch';

export interface HttpCoexistenceFinding {
  readonly part: HttpPart;
  readonly found: string;
}

/** What the detection reads of an instrumentation (InstrumentationBase's public members). */
interface InstrumentationLike {
  instrumentationName?: unknown;
  getConfig?: () => unknown;
  isEnabled?: () => unknown;
}

export const HTTP_COEXISTENCE_WARNING_CODE = 'OTELKIT_HTTP_DOUBLE_INSTRUMENTATION';

export interface HttpCoexistenceInput {
  readonly instrumentations: readonly unknown[];
  /** `http.request` of the process (read from node:http unless given: tests). */
  readonly httpRequest?: unknown;
  /** Whether `undici:request:create` already has subscribers (read unless given: tests). */
  readonly undiciSubscribed?: boolean;
}

/** Pure but for its defaults: the parts another instrumentation covers. */
export function detectHttpCoexistence(input: HttpCoexistenceInput): HttpCoexistenceFinding[] {
  const findings: HttpCoexistenceFinding[] = [];
  const listed = (name: string) =>
    input.instrumentations.filter((i): i is InstrumentationLike => (i as InstrumentationLike | null)?.instrumentationName === name);
  const config = (i: InstrumentationLike): Record<string, unknown> => {
    try {
      const c = i.getConfig?.();
      return c !== null && typeof c === 'object' ? (c as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const http = listed('@opentelemetry/instrumentation-http');
  if (http.some((i) => config(i).disableIncomingRequestInstrumentation !== true)) {
    findings.push({ part: 'server', found: '@opentelemetry/instrumentation-http in `instrumentations` traces incoming requests' });
  }
  if (http.some((i) => config(i).disableOutgoingRequestInstrumentation !== true)) {
    findings.push({ part: 'client-http', found: '@opentelemetry/instrumentation-http in `instrumentations` traces outgoing requests' });
  } else {
    let request = input.httpRequest;
    if (request === undefined) {
      try {
        request = (createRequire(import.meta.url)('node:http') as { request?: unknown }).request;
      } catch {
        request = undefined;
      }
    }
    if ((request as { __wrapped?: unknown } | undefined)?.__wrapped === true) {
      findings.push({ part: 'client-http', found: 'http.request is already wrapped (instrumentation-http enabled before initTelemetry(), e.g. by NodeSDK)' });
    }
  }
  if (listed('@opentelemetry/instrumentation-undici').length > 0) {
    findings.push({ part: 'client-fetch', found: '@opentelemetry/instrumentation-undici in `instrumentations` traces fetch()' });
  } else if (input.undiciSubscribed ?? safeHasSubscribers('undici:request:create')) {
    findings.push({ part: 'client-fetch', found: "another subscriber listens to undici's `undici:request:create` channel (instrumentation-undici enabled elsewhere, or an APM agent)" });
  }
  return findings;
}

function safeHasSubscribers(name: string): boolean {
  try {
    return hasSubscribers(name);
  } catch {
    return false;
  }
}

const PART_NAMES: Record<HttpPart, string> = {
  server: 'server spans (httpInstrumentation.server)',
  'client-http': 'node:http client spans (httpInstrumentation.client)',
  'client-fetch': 'fetch() client spans (httpInstrumentation.client)',
};

/** The one startup warning for the parts left out. */
export function formatHttpCoexistenceWarning(findings: readonly HttpCoexistenceFinding[]): string {
  const lines = findings.map((f) => `  - ${PART_NAMES[f.part]}: not enabled, ${f.found}`);
  return (
    "otelkit: initTelemetry({ httpInstrumentation }) left out what another instrumentation already traces (each request would get two spans and two duration observations):\n" +
    `${lines.join('\n')}\n` +
    '  Fix: use one of the two — remove the other instrumentation (otelkit emits the same stable-semconv spans and metrics, see @otelkit/instrumentation-http), ' +
    'or turn the part off (httpInstrumentation: { server: false } / { client: false }; instrumentation-http: disableIncomingRequestInstrumentation / disableOutgoingRequestInstrumentation).'
  );
}

export function warnHttpCoexistence(findings: readonly HttpCoexistenceFinding[]): void {
  if (findings.length === 0) return;
  const text = formatHttpCoexistenceWarning(findings);
  process.emitWarning(text, { type: 'OtelkitWarning', code: HTTP_COEXISTENCE_WARNING_CODE });
  diag.warn(text);
}
