import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Smoke test of the published artifact: `npm pack`, unpack into a scratch project's node_modules
 * (dependencies linked from this repo's node_modules, so it works offline), and import every
 * subpath export the way a user would. Catches missing files, wrong export maps and entry points
 * that reach into devDependencies.
 */
const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'radiomark-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
  const tarball = join(dir, (JSON.parse(out) as { filename: string }[])[0]!.filename);
  const target = join(dir, 'app', 'node_modules', 'radiomark');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  const deps = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies ?? {})];
  for (const dep of deps) {
    const from = join(root, 'node_modules', dep);
    try {
      readdirSync(from);
    } catch {
      continue; // an optional peer not installed here
    }
    const to = join(dir, 'app', 'node_modules', dep);
    mkdirSync(join(to, '..'), { recursive: true });
    symlinkSync(from, to, 'dir');
  }
  writeFileSync(join(dir, 'app', 'package.json'), '{"type":"module","private":true}');
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships dist and no sources, tests or secrets', () => {
    const files = readdirSync(join(dir, 'app', 'node_modules', 'radiomark'));
    expect(files).toContain('dist');
    expect(files).toContain('package.json');
    expect(files).not.toContain('src');
    expect(files).not.toContain('test');
  });

  const subpaths = Object.keys(pkg.exports).filter((p) => p !== './package.json');
  for (const sub of subpaths) {
    it(`imports ${sub === '.' ? 'radiomark' : 'radiomark' + sub.slice(1)} with its declared exports`, () => {
      const spec = sub === '.' ? 'radiomark' : 'radiomark' + sub.slice(1);
      const out = execFileSync('node', ['--input-type=module', '-e', `const m = await import(${JSON.stringify(spec)}); console.log(JSON.stringify(Object.keys(m).sort()))`], {
        cwd: join(dir, 'app'),
        encoding: 'utf8',
      });
      const names = JSON.parse(out) as string[];
      expect(names.length).toBeGreaterThan(0);
      const types = readFileSync(join(dir, 'app', 'node_modules', 'radiomark', ((pkg.exports[sub] as { types: string }).types)), 'utf8');
      expect(types.length).toBeGreaterThan(0);
    });
  }

  it('ships a working radiomark binary', () => {
    const bin = join(dir, 'app', 'node_modules', 'radiomark', pkg.bin.radiomark!);
    const out = execFileSync('node', [bin, '--help'], { cwd: join(dir, 'app'), encoding: 'utf8' });
    expect(out).toMatch(/keygen/);
    expect(out).toMatch(/detect/);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it('root export marks and checks a token end to end', () => {
    const code = `
      import { keyFromBytes, createWatermark } from 'radiomark';
      const wm = createWatermark({ key: keyFromBytes(new Uint8Array(32)), vocabSize: 1000 });
      console.log(JSON.stringify({ p: wm.greenProbability, g: typeof wm.isGreen([1, 2], 3) }));`;
    const out = execFileSync('node', ['--input-type=module', '-e', code], { cwd: join(dir, 'app'), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ p: 0.25, g: 'boolean' });
  });
});
