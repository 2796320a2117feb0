import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { VERSION } from '../src/index.js';

it('VERSION is package.json version (the instrumentation scope version)', () => {
  expect(VERSION).to.equal(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
});
