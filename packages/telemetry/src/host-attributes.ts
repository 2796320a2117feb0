import { arch, hostname } from 'node:os';

/**
 * `host.name` and `host.arch` as @opentelemetry/resources' hostDetector reports them
 * (its `normalizeArch`, resources 3.1), without its `host.id`: that one is a promise (the machine
 * id read from disk, or `ioreg`/`kenv`/the registry run on macOS/BSD/Windows), which buildResource
 * leaves out anyway, and starting it cost ~2 ms of every process start (a dynamic import, the
 * ESM facade of node:process) for an attribute never published.
 * test/host-attributes.test.ts compares both, attribute for attribute.
 */
export function hostAttributes(): { 'host.name': string; 'host.arch': string } {
  return { 'host.name': hostname(), 'host.arch': normalizeArch(arch()) };
}

function normalizeArch(nodeArch: string): string {
  switch (nodeArch) {
    case 'arm':
      return 'arm32';
    case 'ppc':
      return 'ppc32';
    case 'x64':
      return 'amd64';
    default:
      return nodeArch;
  }
}
