import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWatermark, parseKey, parseKeyFamily } from '../src/index.js';
import { loadTokenizer } from '../src/tokenize/index.js';
import type { DetectJson } from '../src/report/model.js';
import { runCli, scratch, type CliResult } from './cli-helpers.js';
import { toJsonl, writeCorpus } from './cli-fixtures.js';

/**
 * Issue 11 through the CLI: keygen --cohorts writes a family, a corpus watermarked under one
 * member (cohort 5, epoch 1) is tested with detect --key family.json, and the summary, --json and
 * the HTML report name that cohort and that epoch (and no other); the detector variants
 * (--two-sided, --strata) with their fields. Bad combinations name the flag and the fingerprint.
 */

let s: ReturnType<typeof scratch>;
const f = (name: string): string => join(s.dir, name);
const outputs: string[] = [];
let secret = '';
let fingerprint = '';

async function cli(args: string[]): Promise<CliResult> {
  const r = await runCli(args);
  outputs.push(r.stdout, r.stderr);
  return r;
}

async function detectJson(args: string[]): Promise<DetectJson> {
  const r = await cli(['detect', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as DetectJson;
}

beforeAll(async () => {
  s = scratch('radiomark-family-');
  const kg = await cli(['keygen', '--out', f('family.json'), '--tokenizer', 'r50k', '--cohorts', '8', '--epoch-days', '30', '--epoch-origin', '2026-01-01']);
  expect(kg.code, kg.stderr).toBe(0);
  fingerprint = kg.stdout.trim();
  const text = readFileSync(f('family.json'), 'utf8');
  secret = (JSON.parse(text) as { secret: string }).secret;
  const family = parseKeyFamily(text);
  const tok = await loadTokenizer('r50k');
  const member = createWatermark({ key: family.key(5, 1) });
  const marked = writeCorpus(tok, member, { docs: 40, words: 60, marked: true, seed: 21 });
  const clean = writeCorpus(tok, member, { docs: 40, words: 60, marked: false, seed: 22 });
  writeFileSync(f('suspect.jsonl'), toJsonl(marked.flatMap((d, i) => [d, clean[i]!])));
  writeFileSync(f('clean.jsonl'), toJsonl(clean));
  const single = await cli(['keygen', '--out', f('key.json'), '--tokenizer', 'r50k']);
  expect(single.code).toBe(0);
  const key = parseKey(readFileSync(f('key.json'), 'utf8'));
  writeFileSync(f('marked-single.jsonl'), toJsonl(writeCorpus(tok, createWatermark({ key }), { docs: 30, words: 60, marked: true, seed: 23 })));
}, 120_000);

afterAll(() => {
  const all = outputs.join('\n').toLowerCase();
  for (let i = 0; i + 8 <= secret.length; i++) expect(all).not.toContain(secret.slice(i, i + 8));
  s.cleanup();
});

describe('radiomark detect --key family.json', () => {
  it('detects the family and attributes the outputs to cohort 5 and epoch 1 only (--json)', async () => {
    const j = await detectJson(['--key', f('family.json'), '--epochs', '3', f('suspect.jsonl')]);
    expect(j.verdict).toBe('detected');
    const k = j.keys[0]!;
    expect(k.test).toBe('family');
    expect(k.fingerprint).toBe(fingerprint);
    const fam = k.family!;
    expect([fam.cohorts, fam.epochs, fam.members, fam.epochDays, fam.epochOrigin]).toEqual([8, 3, 24, 30, '2026-01-01']);
    expect(k.trials).toBe(k.scored * 24);
    expect(fam.perMember).toHaveLength(24);
    expect(fam.attribution!.cohorts.filter((a) => a.flagged).map((a) => a.index)).toEqual([5]);
    expect(fam.attribution!.epochs!.filter((a) => a.flagged).map((a) => a.index)).toEqual([1]);
    expect(j.config.variant).toBeNull();
  });

  it('says so in the summary and draws the cohort x epoch table in the report; radiomark report re-renders it', async () => {
    const r = await cli(['detect', '--key', f('family.json'), '--epochs', '3', '--report', f('family.html'), f('suspect.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`key family ${fingerprint} (${f('family.json')}): 8 cohorts x 3 epochs = 24 member keys;`);
    expect(r.stdout).toMatch(/attribution \(Holm, alpha 1e-6\): cohorts 5 \(Holm p \S+, green \S+%\); the other 7 of 8 not flagged/);
    expect(r.stdout).toMatch(/ {14}epochs 1 \(Holm p \S+, green \S+%\); the other 2 of 3 not flagged \(epoch 0 began 2026-01-01, 30 days each\)/);
    expect(r.stdout).toMatch(/VERDICT: watermark DETECTED/);
    const html = readFileSync(f('family.html'), 'utf8');
    expect(html).toContain('Which cohorts? When?');
    expect(html).toContain('<p class="big" id="attribution">cohort 5 flagged; epoch 1 flagged.</p>');
    expect(html.match(/<table id="family-table">/g)).toHaveLength(1);
    const json = await cli(['detect', '--key', f('family.json'), '--epochs', '3', '--json', f('suspect.jsonl')]);
    writeFileSync(f('family-result.json'), json.stdout);
    const again = await cli(['report', f('family-result.json'), '--out', f('again.html')]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(f('again.html'), 'utf8')).toContain('cohort 5 flagged; epoch 1 flagged.');
  });

  it('reads no attribution when the family test does not fire', async () => {
    const r = await cli(['detect', '--key', f('family.json'), '--epochs', '3', f('clean.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('attribution not read: the family test did not detect');
    const j = await detectJson(['--key', f('family.json'), '--epochs', '3', f('clean.jsonl')]);
    expect(j.keys[0]!.family!.attribution).toBeNull();
  });

  it('scores every epoch up to today by default (fixed before reading)', async () => {
    const j = await detectJson(['--key', f('family.json'), f('suspect.jsonl')]);
    const today = parseKeyFamily(readFileSync(f('family.json'), 'utf8')).epochOf(Date.now()) + 1;
    expect(j.keys[0]!.family!.epochs).toBe(today);
  });

  it('refuses what a family cannot take, naming the flag and the fingerprint', async () => {
    const cases: [string[], string][] = [
      [['--key', f('family.json'), '--decoys', '10'], `--key ${f('family.json')} is a key family (fingerprint ${fingerprint}): --decoys is not offered for a family yet`],
      [['--key', f('family.json'), '--window', '20'], `is a key family (fingerprint ${fingerprint}): --window tests one key`],
      [['--key', f('family.json'), '--two-sided'], `(fingerprint ${fingerprint}): --two-sided tests one key`],
      [['--key', f('family.json'), '--key', f('key.json')], `--key ${f('family.json')} is a key family (fingerprint ${fingerprint}): test it alone`],
      [['--key', f('key.json'), '--epochs', '2'], `--epochs 2: --key ${f('key.json')} is a single key, not a key family`],
      [['--key', f('family.json'), '--epochs', '0'], '--epochs must be an integer in [1, 1048576], got "0"'],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(['detect', ...args, f('suspect.jsonl')]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });
});

describe('detector variants on the command line', () => {
  it('--two-sided reports both tails and the direction', async () => {
    const j = await detectJson(['--key', f('key.json'), '--two-sided', f('marked-single.jsonl')]);
    const k = j.keys[0]!;
    expect(k.test).toBe('two-sided');
    expect(k.twoSided!.direction).toBe('excess');
    expect(k.twoSided!.upperLog10PValue).toBeLessThan(-6);
    expect(j.config.variant).toEqual({ test: 'two-sided' });
    const human = await cli(['detect', '--key', f('key.json'), '--two-sided', f('marked-single.jsonl')]);
    expect(human.stdout).toMatch(/two-sided {3}a green EXCESS: P\(X >= S\) \S+, P\(X <= S\) \S+/);
  });

  it('--strata BOUNDS --strata-reference FILE reports every stratum and their combination', async () => {
    const j = await detectJson(['--key', f('key.json'), '--strata', '1,2', '--strata-reference', f('marked-single.jsonl'), f('marked-single.jsonl')]);
    const k = j.keys[0]!;
    expect(k.test).toBe('strata');
    expect(k.strata!.method).toBe('fisher');
    expect(k.strata!.strata).toHaveLength(3);
    expect(k.strata!.strata.reduce((a, x) => a + x.scored, 0)).toBe(k.scored);
    expect(j.config.variant).toMatchObject({ test: 'strata', bounds: [1, 2], method: 'fisher', reference: { path: f('marked-single.jsonl'), sequences: 30 } });
    const r = await cli(['detect', '--key', f('key.json'), '--strata', '1,2', '--strata-reference', f('marked-single.jsonl'), '--report', f('strata.html'), f('marked-single.jsonl')]);
    expect(r.stdout).toMatch(/strata {6}fisher over 3 strata: combined p \S+/);
    expect(readFileSync(f('strata.html'), 'utf8')).toContain('<table id="strata-table">');
  });

  it('refuses a malformed or incomplete variant, naming the flag', async () => {
    const cases: [string[], string][] = [
      [['--strata', '2,2', '--strata-reference', f('clean.jsonl')], '--strata must be 1 to 255 increasing whole counts >= 1, e.g. 2,4, got "2,2"'],
      [['--strata', '2'], '--strata needs --strata-reference FILE'],
      [['--strata-method', 'min-p'], '--strata-method needs --strata BOUNDS'],
      [['--strata', '2', '--strata-reference', f('clean.jsonl'), '--two-sided'], '--two-sided and --strata are two tests; choose one'],
      [['--strata', '2', '--strata-reference', s.dir], `--strata-reference ${s.dir}: is a directory`],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(['detect', '--key', f('key.json'), ...args, f('marked-single.jsonl')]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });
});
