// Stands in for `@opentelemetry/instrumentation` inside @otelkit/telemetry's bundle, for the two
// instrumentations otelkit enables by default (instrumentation-runtime-node and
// instrumentation-host-metrics) and for them only (scripts/bundle/bundle.mjs).
//
// **Deviation** (docs/BUNDLING.md): upstream's node InstrumentationBase creates the process-wide
// require-in-the-middle singleton in every constructor (a `require` hook on every module the
// application loads afterwards) and loads import-in-the-middle, even for instrumentations that
// patch no module, as these two do (their `init()` returns nothing). Hooks must be installed once
// per process, by the application's own copy of @opentelemetry/instrumentation, and only when
// something is patched: this class mirrors upstream's InstrumentationAbstract + node
// InstrumentationBase (0.301.1) field for field for what metrics-only instrumentations use, and
// refuses, rather than silently ignores, an instrumentation that asks to patch modules.
import { diag, logs, metrics, trace } from '@opentelemetry/api';

export class InstrumentationBase {
  _config = {};
  _tracer;
  _meter;
  _logger;
  _diag;
  instrumentationName;
  instrumentationVersion;
  _modules;
  _enabled = false;

  constructor(instrumentationName, instrumentationVersion, config) {
    this.instrumentationName = instrumentationName;
    this.instrumentationVersion = instrumentationVersion;
    this.setConfig(config);
    this._diag = diag.createComponentLogger({ namespace: instrumentationName });
    this._tracer = trace.getTracer(instrumentationName, instrumentationVersion);
    this._meter = metrics.getMeter(instrumentationName, instrumentationVersion);
    this._logger = logs.getLogger(instrumentationName, instrumentationVersion);
    this._updateMetricInstruments();
    let modules = this.init();
    if (modules && !Array.isArray(modules)) modules = [modules];
    this._modules = modules || [];
    if (this._modules.length > 0) {
      throw new Error(`otelkit: ${instrumentationName} patches modules; the bundled InstrumentationBase installs no hooks (scripts/bundle/no-hooks-instrumentation.mjs)`);
    }
    if (this._config.enabled) this.enable();
  }

  get meter() {
    return this._meter;
  }
  setMeterProvider(meterProvider) {
    this._meter = meterProvider.getMeter(this.instrumentationName, this.instrumentationVersion);
    this._updateMetricInstruments();
  }
  get logger() {
    return this._logger;
  }
  setLoggerProvider(loggerProvider) {
    this._logger = loggerProvider.getLogger(this.instrumentationName, this.instrumentationVersion);
  }
  getModuleDefinitions() {
    return this._modules;
  }
  _updateMetricInstruments() {}
  getConfig() {
    return this._config;
  }
  setConfig(config) {
    this._config = { enabled: true, ...config };
  }
  setTracerProvider(tracerProvider) {
    this._tracer = tracerProvider.getTracer(this.instrumentationName, this.instrumentationVersion);
  }
  get tracer() {
    return this._tracer;
  }
  enable() {
    this._enabled = true;
  }
  disable() {
    this._enabled = false;
  }
  isEnabled() {
    return this._enabled;
  }
}
