// Reference point, not a target: the prom-client service (prom-client.mjs) in an application that
// also loads @opentelemetry/api — as any service with OpenTelemetry tracing does. otelkit shares
// the application's API (never bundles it), so against this row the API's load counts on both
// sides (bench/NOTES.md, "Whole-process startup": it is the whole remaining gap).
import '@opentelemetry/api';
import './prom-client.mjs';
