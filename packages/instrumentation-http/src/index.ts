export { HttpInstrumentation, INSTRUMENTATION_NAME } from './http-instrumentation.js';
export type { HttpInstrumentationOptions } from './http-instrumentation.js';
export { HttpClientInstrumentation } from './http-client-instrumentation.js';
export type { ClientInstrumentationOptions, HttpClientInstrumentationOptions, OutgoingRequestInfo, OutgoingRequestOptions } from './http-client-instrumentation.js';
export { UndiciInstrumentation } from './undici-instrumentation.js';
export { DURATION_BUCKETS, METRIC_HTTP_CLIENT_REQUEST_DURATION, METRIC_HTTP_SERVER_REQUEST_DURATION, normalizeMethod } from './semconv.js';
export { requestTarget } from './request-target.js';
export type { RequestTarget } from './request-target.js';
export { VERSION } from './version.js';
