import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The public API is deliberate (issue 14): named exports only, internals unexported, and the
 * surface recorded in docs/api/*.api.md (API Extractor, one report per package.json "exports"
 * entry) so that any change to it is a visible diff. Runs on the build `npm test` makes first.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPORTS = join(ROOT, 'docs/api');

/** Names that rooms share internally and that must never be public (issue 14). */
const INTERNAL = ['checkId', 'checkIds', 'checkParam', 'checkParams', 'resolveParams', 'SEED_WORDS', 'checkSecretKey', 'checkKeyFamily'];

function reports(): { name: string; text: string }[] {
  return readdirSync(REPORTS)
    .filter((f) => f.endsWith('.api.md'))
    .map((name) => ({ name, text: readFileSync(join(REPORTS, name), 'utf8') }));
}

describe('the public API', () => {
  it('matches the committed report in docs/api/ (if not: npm run api:report, then commit docs/api/)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/api-report.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
  });

  it('has one report per entry point of package.json "exports"', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const typed = Object.values(pkg.exports).filter((t) => typeof t === 'object' && t !== null && 'types' in t);
    expect(reports().length).toBe(typed.length);
  });

  it('the root exports every type its API mentions, and nothing marked @internal', () => {
    for (const { name, text } of reports()) {
      if (name === 'radiomark.api.md') expect(text, name).not.toContain('ae-forgotten-export');
      // A top-level declaration tagged @internal (an internal constructor of a public class is fine).
      expect(text, name).not.toMatch(/^\/\/ @internal\r?\nexport /m);
    }
  });

  it('keeps the rooms\' shared internals out of every entry point', async () => {
    for (const { name, text } of reports()) {
      for (const id of INTERNAL) expect(text, `${id} in ${name}`).not.toMatch(new RegExp(`export (declare )?(function|const|class) ${id}\\b`));
    }
    const root = (await import(join(ROOT, 'dist/index.js'))) as Record<string, unknown>;
    for (const id of INTERNAL) expect(root[id], id).toBeUndefined();
  });

  it('src/index.ts and every room\'s index.ts use named exports only (no export *)', () => {
    const indexes = [join(ROOT, 'src/index.ts'), ...readdirSync(join(ROOT, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(ROOT, 'src', d.name, 'index.ts'))];
    for (const file of indexes) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue; // a room without an index (cli, report, simulate: not entry points)
      }
      expect(text.replace(/\/\*[\s\S]*?\*\//g, ''), file).not.toMatch(/export\s*\*/);
    }
  });
});
