// Used by test/catalog/types.test.ts: this directive is wrong on purpose (the value is allowed),
// so tsc must report it as unused.
import { defineCatalog, type AttributesOf } from '../../../src/index.js';

const c = defineCatalog({
  id: 'n',
  title: 'N',
  instruments: { c: { name: 'n.c', kind: 'counter', unit: '1', description: 'd', attributes: { outcome: { values: ['ok', 'failed'] } } } },
});
// @ts-expect-error (wrongly: 'ok' is allowed)
export const a: AttributesOf<(typeof c)['instruments']['c']> = { outcome: 'ok' };
