import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The version of the radiomark package this CLI belongs to, read from the nearest `package.json`
 * named `radiomark` above this module (works from `dist/` and from `src/` under tsx).
 *
 * @returns the version, or `0.0.0-unknown` when no such package.json is found
 */
export function toolVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'radiomark' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // not here: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return (cached = '0.0.0-unknown');
}
