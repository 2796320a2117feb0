import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateMonitoring, OTELKIT_CATALOGS } from '@otelkit/meters/catalog';

/**
 * How much faster than real time the live suite runs the rules: every window and `for:` of the
 * committed rules times this (the generator's test-only `durationScale`), windows kept at or above
 * {@link MIN_WINDOW}. 1/3600: an hour of rules per second — `1h` windows become 1 s (→ 10 s), `3d`
 * 72 s, and every `for:` becomes {@link MIN_FOR}.
 */
export const DURATION_SCALE = 1 / 3600;
/** Ten 1 s scrapes: a rate over it has enough samples to be stable. */
export const MIN_WINDOW = '10s';
/**
 * Every compressed alert keeps a `for:` of at least two evaluations, so each matching alert is
 * seen going pending, then firing (the suite still counts a pending alert as raised: "the others
 * stay inactive" means neither pending nor firing).
 */
export const MIN_FOR = '2s';

/**
 * Writes the time-compressed variant of the SAME rules the repository commits (same generator,
 * same catalogs, same names and thresholds) into `dir`; returns the rule file paths.
 */
export async function writeCompressedRules(dir: string): Promise<string[]> {
  const { files } = await generateMonitoring(OTELKIT_CATALOGS, { durationScale: DURATION_SCALE, minWindow: MIN_WINDOW, minFor: MIN_FOR });
  const paths: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    if (!/^rules\/[^/]+\.rules\.yml$/.test(name)) continue;
    const path = join(dir, name.slice('rules/'.length));
    await writeFile(path, text);
    paths.push(path);
  }
  if (paths.length === 0) throw new Error(`generateMonitoring wrote no rules/*.rules.yml (files: ${Object.keys(files).join(', ')})`);
  return paths.sort();
}
