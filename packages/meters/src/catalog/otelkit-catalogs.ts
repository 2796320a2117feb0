import { COORDINATOR_CATALOG } from '../coordinator/definitions.js';
import { SERVICE_HEALTH_CATALOG } from '../health/definitions.js';
import { RUNTIME_CATALOG } from '../runtime/definitions.js';
import { OTELKIT_SELF_CATALOG } from '../self/definitions.js';
import type { AnyCatalog } from './declaration.js';

/** otelkit's own catalogs, in the order of the generated docs; `monitoring/` is generated from them. */
export const OTELKIT_CATALOGS: readonly AnyCatalog[] = Object.freeze([COORDINATOR_CATALOG, SERVICE_HEALTH_CATALOG, OTELKIT_SELF_CATALOG, RUNTIME_CATALOG]);
