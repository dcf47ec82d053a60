import { readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKey, parseKeyFamily } from '../src/index.js';
import { ROOT, runCli, scratch } from './cli-helpers.js';

describe('radiomark (no command), --help, --version', () => {
  it('prints the overview and exits 2 without a command, 0 with --help', async () => {
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toMatch(/^Usage: radiomark COMMAND/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['keygen', 'probe', 'detect', 'report', 'simulate']) expect(help.stdout).toContain(`  ${c} `);
    expect(help.stdout).toMatch(/Exit status: 0/);
    const v = await runCli(['--version']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(v.stdout).toBe(`radiomark ${pkg.version}\n`);
    const sub = await runCli(['help', 'keygen']);
    expect(sub.stdout).toMatch(/^Usage: radiomark keygen/);
    const sim = await runCli(['simulate', '--help']);
    expect(sim.code).toBe(0);
    expect(sim.stdout).toMatch(/^Usage: radiomark simulate/);
  });

  it('suggests the command a typo meant', async () => {
    const r = await runCli(['dectect']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('radiomark: unknown command "dectect"; did you mean detect? (see radiomark --help)\n');
  });
});

describe('radiomark keygen', () => {
  let s: ReturnType<typeof scratch>;
  beforeAll(() => {
    s = scratch();
  });
  afterAll(() => s.cleanup());

  it('writes a 0600 key file binding the parameters and prints only the fingerprint', async () => {
    const out = join(s.dir, 'key.json');
    const r = await runCli(['keygen', '--out', out, '--gamma', '0.3', '--delta', '2.5', '--context-width', '3', '--tokenizer', 'o200k']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^[0-9a-f]{16}\n$/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const text = readFileSync(out, 'utf8');
    const key = parseKey(text, out);
    expect(key.fingerprint).toBe(r.stdout.trim());
    expect(key.params).toEqual({ gamma: 0.3, delta: 2.5, contextWidth: 3, tokenizer: 'o200k', vocabSize: 200019 });
    const secret = (JSON.parse(text) as { secret: string }).secret;
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(readdirSync(s.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--cohorts K [--epoch-days D] writes a key family file (0600) holding only the master secret', async () => {
    const out = join(s.dir, 'family.json');
    const r = await runCli(['keygen', '--out', out, '--tokenizer', 'r50k', '--cohorts', '16', '--epoch-days', '30', '--epoch-origin', '2026-01-01']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{16}\n$/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const text = readFileSync(out, 'utf8');
    const family = parseKeyFamily(text, out);
    expect(family.fingerprint).toBe(r.stdout.trim());
    expect([family.cohorts, family.epochDays, family.epochOrigin]).toEqual([16, 30, '2026-01-01']);
    expect(family.params).toEqual({ tokenizer: 'r50k', vocabSize: 50257 });
    const file = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(file).sort()).toEqual(['family', 'fingerprint', 'format', 'scheme', 'secret', 'version']);
    expect(text.match(/[0-9a-f]{64}/g)).toHaveLength(1); // the master secret, nothing derived
    const cohortsOnly = await runCli(['keygen', '--out', join(s.dir, 'cohorts.json'), '--tokenizer', 'r50k', '--cohorts', '4']);
    expect(parseKeyFamily(readFileSync(join(s.dir, 'cohorts.json'), 'utf8')).hasEpochs).toBe(false);
    expect(cohortsOnly.code).toBe(0);
  });

  it('refuses bad family flags naming the flag and the value', async () => {
    const cases: [string[], string][] = [
      [['--cohorts', '0'], '--cohorts must be an integer in [1, 65536], got "0"'],
      [['--cohorts', '2', '--epoch-days', '36501'], '--epoch-days must be an integer in [1, 36500], got "36501"'],
      [['--epoch-days', '7'], '--epoch-days makes a key family: give --cohorts K too (--cohorts 1 for epochs alone)'],
      [['--cohorts', '2', '--epoch-origin', '2026-01-01'], '--epoch-origin needs --epoch-days'],
      [['--cohorts', '2', '--epoch-days', '7', '--epoch-origin', '1969-12-31'], '--epoch-origin: "epochOrigin" must be'],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(['keygen', '--out', join(s.dir, 'never-family.json'), '--tokenizer', 'r50k', ...args])));
    cases.forEach(([args, msg], i) => {
      expect(runs[i]!.code, args.join(' ')).toBe(2);
      expect(runs[i]!.stderr.startsWith(`radiomark keygen: ${msg}`), runs[i]!.stderr).toBe(true);
    });
    expect(readdirSync(s.dir)).not.toContain('never-family.json');
  });

  it('binds a Hugging Face tokenizer.json by name and vocabulary size', async () => {
    const out = join(s.dir, 'hf-key.json');
    const r = await runCli(['keygen', '--out', out, '--tokenizer', 'test/fixtures/tokenizer/tiny-bpe/tokenizer.json']);
    expect(r.code).toBe(0);
    const key = parseKey(readFileSync(out, 'utf8'));
    expect(key.params.tokenizer).toBe('hf:tiny-bpe');
    expect(key.params.vocabSize).toBeGreaterThan(256);
  });

  it('refuses to overwrite without --force, and keeps 0600 with it', async () => {
    const out = join(s.dir, 'existing.json');
    writeFileSync(out, 'precious', { mode: 0o644 });
    const r = await runCli(['keygen', '--out', out, '--tokenizer', 'r50k']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`radiomark keygen: ${out} already exists; pass --force to overwrite it (the old key will be lost)\n`);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    const f = await runCli(['keygen', '--out', out, '--tokenizer', 'r50k', '--force']);
    expect(f.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(parseKey(readFileSync(out, 'utf8')).fingerprint).toBe(f.stdout.trim());
  });

  it('rejects bad parameters with the flag, the range and the value (exit 2, no stack)', async () => {
    const cases: [string[], RegExp][] = [
      [['--gamma', '1.5'], /--gamma must be a number in \(0, 1\), got "1\.5"/],
      [['--context-width', '9'], /--context-width must be an integer in \[0, 8\], got "9"/],
      [['--delta', 'x'], /--delta must be a number >= 0, got "x"/],
      [['--tokenizer', 'gpt5'], /unknown tokenizer "gpt5"; expected one of o200k, cl100k, r50k, p50k/],
      [['--tokenizer', 'r50k', '--vocab-size', '100'], /--vocab-size 100 is smaller than tokenizer r50k's 50257 ids/],
      [['--gama', '0.3'], /unknown option --gama; did you mean --gamma\?/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(['keygen', '--out', join(s.dir, 'never.json'), ...args])));
    cases.forEach(([args, re], i) => {
      expect(runs[i]!.code, args.join(' ')).toBe(2);
      expect(runs[i]!.stderr).toMatch(re);
      expect(runs[i]!.stderr).not.toMatch(/\n\s+at /);
    });
    const noTok = await runCli(['keygen', '--out', join(s.dir, 'never.json')]);
    expect(noTok.code).toBe(2);
    expect(noTok.stderr).toBe(
      'radiomark keygen: --tokenizer is required: name the tokenizer of the model that will serve with this key (o200k, cl100k, r50k, p50k, or a tokenizer.json), e.g. radiomark keygen --out key.json --tokenizer o200k\n',
    );
    const noOut = await runCli(['keygen']);
    expect(noOut.stderr).toBe('radiomark keygen: --out FILE is required (see radiomark keygen --help)\n');
    const dash = await runCli(['keygen', '--out', '-']);
    expect(dash.stderr).toMatch(/would print the secret/);
    expect(readdirSync(s.dir)).not.toContain('never.json');
  });
});
