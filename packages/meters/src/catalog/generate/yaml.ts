/**
 * A small YAML writer for the generated rule and test files: maps, lists, strings, numbers,
 * booleans. Strings that YAML could read as something else are written double-quoted (JSON string
 * syntax is valid YAML double-quoted syntax), so the output is deterministic and round-trips.
 */
type Yaml = string | number | boolean | null | readonly Yaml[] | { readonly [k: string]: Yaml | undefined };

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_ ./:=-]*$/;
// `5m`, `1x30`: a digit then letters and digits is never a YAML number or date.
const DURATION = /^[0-9]+[a-z][a-z0-9]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if ((PLAIN.test(v) || DURATION.test(v)) && !RESERVED.test(v) && !v.endsWith(' ') && !v.includes(': ') && !v.includes(' #')) return v;
  // Single quotes escape nothing but themselves: PromQL with its double-quoted matchers stays readable.
  if (/^[\x20-\x7e]*$/.test(v) && !v.includes("'")) return `'${v}'`;
  return JSON.stringify(v);
}

function key(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k);
}

function isScalar(v: Yaml): v is string | number | boolean | null {
  return v === null || typeof v !== 'object';
}

function emptyCollection(v: Yaml): string | undefined {
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (!isScalar(v) && !Array.isArray(v) && Object.values(v).every((x) => x === undefined)) return '{}';
  return undefined;
}

function lines(v: Yaml, indent: string): string[] {
  if (isScalar(v)) return [indent + scalar(v)];
  const out: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v as readonly Yaml[]) {
      const empty = emptyCollection(item);
      if (isScalar(item) || empty !== undefined) {
        out.push(`${indent}- ${empty ?? scalar(item as string)}`);
        continue;
      }
      const inner = lines(item, indent + '  ');
      out.push(indent + '- ' + inner[0]!.slice(indent.length + 2), ...inner.slice(1));
    }
    return out;
  }
  for (const [k, x] of Object.entries(v as { readonly [k: string]: Yaml | undefined })) {
    if (x === undefined) continue;
    const empty = emptyCollection(x);
    if (isScalar(x) || empty !== undefined) out.push(`${indent}${key(k)}: ${empty ?? scalar(x as string)}`);
    else {
      out.push(`${indent}${key(k)}:`);
      out.push(...lines(x, Array.isArray(x) ? indent : indent + '  '));
    }
  }
  return out;
}

/** The YAML document of `v`, ending in a newline; `header` lines become `#` comments on top. */
export function toYaml(v: Yaml, header: readonly string[] = []): string {
  return [...header.map((h) => `# ${h}`), ...lines(v, '')].join('\n') + '\n';
}

export type { Yaml };
