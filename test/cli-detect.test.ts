import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWatermark, parseKey } from '../src/index.js';
import { loadTokenizer } from '../src/tokenize/index.js';
import type { DetectJson } from '../src/report/model.js';
import { runCli, scratch } from './cli-helpers.js';
import { toJsonl, toTokensJsonl, writeCorpus, type Doc } from './cli-fixtures.js';

/**
 * End to end: keygen -> a watermarked and a clean corpus (generated from the key with the public
 * scheme API) -> the built `radiomark detect` on JSONL, text files, directories, stdin and
 * pre-tokenized input, with a bundled (r50k, o200k) and a Hugging Face tokenizer.
 */

let s: ReturnType<typeof scratch>;
const f = (name: string): string => join(s.dir, name);
let secrets: string[] = [];
const outputs: string[] = [];

const memo = new Map<string, Promise<{ code: number | null; stdout: string; stderr: string }>>();

/** Runs `radiomark detect`; identical --json runs on unchanged files are run once (spawns cost ~0.4 s CPU each). */
async function detect(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string; json?: DetectJson }> {
  const cacheable = input === undefined && args.includes('--json') && args.every((a) => !a.startsWith(s.dir) || /(marked|clean|marked-tokens)\.jsonl$|texts$/.test(a));
  const id = JSON.stringify(args);
  let run = cacheable ? memo.get(id) : undefined;
  if (!run) {
    run = runCli(['detect', ...args], input === undefined ? {} : { input });
    if (cacheable) memo.set(id, run);
  }
  const r = await run;
  outputs.push(r.stdout, r.stderr);
  const json = args.includes('--json') && r.code !== 2 ? (JSON.parse(r.stdout) as DetectJson) : undefined;
  return { ...r, json };
}

async function keygen(name: string, args: string[]): Promise<string> {
  const r = await runCli(['keygen', '--out', f(name), ...args]);
  expect(r.code, r.stderr).toBe(0);
  outputs.push(r.stdout, r.stderr);
  secrets.push((JSON.parse(readFileSync(f(name), 'utf8')) as { secret: string }).secret);
  return r.stdout.trim();
}

async function corpus(keyFile: string, spec: string, opts: { docs: number; words: number; marked: boolean; seed: number }): Promise<Doc[]> {
  const tok = await loadTokenizer(spec);
  const wm = createWatermark({ key: parseKey(readFileSync(f(keyFile), 'utf8')) });
  return writeCorpus(tok, wm, opts);
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(async () => {
  s = scratch();
  secrets = [];
  await keygen('key.json', ['--tokenizer', 'r50k']);
  const marked = await corpus('key.json', 'r50k', { docs: 30, words: 50, marked: true, seed: 1 });
  const clean = await corpus('key.json', 'r50k', { docs: 30, words: 50, marked: false, seed: 2 });
  writeFileSync(f('marked.jsonl'), toJsonl(marked));
  writeFileSync(f('clean.jsonl'), toJsonl(clean));
  writeFileSync(f('marked-tokens.jsonl'), toTokensJsonl(marked));
  mkdirSync(f('texts/sub'), { recursive: true });
  marked.slice(0, 10).forEach((d, i) => writeFileSync(f(`texts/${i < 5 ? '' : 'sub/'}doc${i}.txt`), d.text));
}, 60_000);

afterAll(() => s.cleanup());

describe('radiomark detect: verdicts', () => {
  it('detects the watermark in watermarked JSONL and prints a readable summary', async () => {
    const r = await detect(['--key', f('key.json'), f('marked.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/read 1 input \(.*\), 30 documents, \d[\d,]* tokens in/);
    expect(r.stdout).toMatch(/green +[\d,]+ = \d+\.\d\d% \(chance: 25\.00%\)/);
    expect(r.stdout).toMatch(/VERDICT: watermark DETECTED \(p [\d.]+e-\d+ <= alpha 1e-6\)/);
    const fail = await detect(['--key', f('key.json'), '--fail-on', 'detect', f('marked.jsonl')]);
    expect(fail.code).toBe(1);
  });

  it('finds no watermark in clean text (exit 0, also with --fail-on detect)', async () => {
    const r = await detect(['--key', f('key.json'), '--fail-on', 'detect', f('clean.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/VERDICT: not detected/);
  });

  it('--json prints one object with every figure, the input hashes and the tool version', async () => {
    const r = await detect(['--key', f('key.json'), '--json', '--decoys', '20', f('marked.jsonl'), f('clean.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const j = r.json!;
    expect(j).toMatchObject({ format: 'radiomark-detect', version: 1, tool: { name: 'radiomark' }, verdict: 'detected', documents: 60, correction: 'none' });
    expect(j.inputs.map((i) => [i.path, i.sha256, i.documents, i.format])).toEqual([
      [f('marked.jsonl'), sha(f('marked.jsonl')), 30, 'jsonl'],
      [f('clean.jsonl'), sha(f('clean.jsonl')), 30, 'jsonl'],
    ]);
    const k = j.keys[0]!;
    const key = parseKey(readFileSync(f('key.json'), 'utf8'));
    expect(k.fingerprint).toBe(key.fingerprint);
    for (const field of ['scored', 'green', 'greenFraction', 'greenProbability', 'z', 'pValue', 'log10PValue', 'adjustedLog10PValue'] as const) {
      expect(typeof k[field], field).toBe('number');
    }
    expect(k.green).toBeLessThanOrEqual(k.scored);
    expect(k.skipped).toHaveProperty('duplicate');
    expect(k.skipped).toHaveProperty('noWindow');
    expect(k.decoys!.count).toBe(20);
    expect(k.decoys!.log10PValues).toHaveLength(20);
    expect(k.curve.length).toBeGreaterThan(10);
    expect(k.curve[k.curve.length - 1]!.log10PValue).toBeCloseTo(k.log10PValue!, 6);
    expect(k.perDocument).toHaveLength(60);
    expect(k.perDocument[31]!.where).toBe(`${f('clean.jsonl')}:2`);
    expect(j.badLines).toEqual({ total: 0, byReason: {}, examples: [] });
  });
});

describe('radiomark detect: inputs and tokenizers', () => {
  it('reads a directory of text files (one document per file) and stdin', async () => {
    const dir = await detect(['--key', f('key.json'), '--json', f('texts')]);
    expect(dir.code).toBe(0);
    expect(dir.json!.documents).toBe(10);
    expect(dir.json!.inputs.every((i) => i.format === 'text')).toBe(true);
    expect(dir.json!.inputs.map((i) => i.path.slice(f('texts').length + 1))).toEqual(['doc0.txt', 'doc1.txt', 'doc2.txt', 'doc3.txt', 'doc4.txt', 'sub/doc5.txt', 'sub/doc6.txt', 'sub/doc7.txt', 'sub/doc8.txt', 'sub/doc9.txt']);
    const stdin = await detect(['--key', f('key.json'), '--json', '-'], readFileSync(f('marked.jsonl'), 'utf8'));
    expect(stdin.code).toBe(0);
    expect(stdin.json!.inputs[0]).toMatchObject({ path: '-', format: 'jsonl', documents: 30, sha256: sha(f('marked.jsonl')) });
  });

  it('pre-tokenized input (--tokens) gives the same counts as the text it came from', async () => {
    const text = await detect(['--key', f('key.json'), '--json', f('marked.jsonl')]);
    const toks = await detect(['--key', f('key.json'), '--json', '--tokens', f('marked-tokens.jsonl')]);
    expect(toks.code).toBe(0);
    const a = text.json!.keys[0]!;
    const b = toks.json!.keys[0]!;
    expect([b.scored, b.green, b.skipped]).toEqual([a.scored, a.green, a.skipped]);
    expect(toks.json!.config.input).toBe('tokens');
  });

  // o200k end to end is in probe-server.test.ts (the example model server speaks o200k).
  it('works with a Hugging Face tokenizer.json', async () => {
    const hf = 'test/fixtures/tokenizer/tiny-bpe/tokenizer.json';
    await keygen('hf-key.json', ['--tokenizer', hf]);
    writeFileSync(f('hf.jsonl'), toJsonl(await corpus('hf-key.json', hf, { docs: 20, words: 60, marked: true, seed: 4 })));
    const missing = await detect(['--key', f('hf-key.json'), f('hf.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/binds the Hugging Face tokenizer hf:tiny-bpe: pass --tokenizer PATH to its tokenizer\.json/);
    const h = await detect(['--key', f('hf-key.json'), '--tokenizer', hf, '--json', f('hf.jsonl')]);
    expect(h.code).toBe(0);
    expect(h.json!.verdict).toBe('detected');
    expect(h.json!.config.tokenizer).toBe('hf:tiny-bpe');
  });

  it('tests several keys with Holm-adjusted p-values', async () => {
    await keygen('other-key.json', ['--tokenizer', 'r50k']);
    const r = await detect(['--key', f('other-key.json'), '--key', f('key.json'), '--json', f('marked.jsonl')]);
    expect(r.code).toBe(0);
    const j = r.json!;
    expect(j.correction).toBe('holm');
    expect(j.keys).toHaveLength(2);
    expect(j.keys[0]!.verdict).toBe('not-detected');
    expect(j.keys[1]!.verdict).toBe('detected');
    expect(j.keys[1]!.adjustedLog10PValue!).toBeGreaterThanOrEqual(j.keys[1]!.log10PValue!);
    expect(j.verdict).toBe('detected');
    const human = await detect(['--key', f('other-key.json'), '--key', f('key.json'), f('marked.jsonl')]);
    expect(human.stdout).toMatch(/Holm +\S+ over 2 keys/);
  });
});

describe('radiomark detect: options that map onto the detector', () => {
  it('--filter keeps only contexts found in the reference data, and hashes the reference', async () => {
    const self = await detect(['--key', f('key.json'), '--json', '--filter', f('marked.jsonl'), f('marked.jsonl')]);
    expect(self.code).toBe(0);
    const k = self.json!.keys[0]!;
    expect(k.skipped.filtered).toBe(0);
    expect(self.json!.config.filter).toEqual({ path: f('marked.jsonl'), sha256: sha(f('marked.jsonl')), sequences: 30 });
    const other = await detect(['--key', f('key.json'), '--json', '--filter', f('clean.jsonl'), f('marked.jsonl')]);
    expect(other.json!.keys[0]!.skipped.filtered).toBeGreaterThan(k.scored / 2);
  });

  it('--budget stops at exactly N scored positions; --no-prompt-exclusion scores prompt contexts', async () => {
    const b = await detect(['--key', f('key.json'), '--json', '--budget', '100', f('marked.jsonl')]);
    expect(b.json!.keys[0]!.scored).toBe(100);
    expect(b.json!.keys[0]!.budget).toEqual({ limit: 100, reached: true });
    expect(b.json!.config.budget).toBe(100);
    const on = await detect(['--key', f('key.json'), '--json', f('marked.jsonl')]);
    const off = await detect(['--key', f('key.json'), '--json', '--no-prompt-exclusion', f('marked.jsonl')]);
    expect(on.json!.promptTokens).toBeGreaterThan(0);
    expect(off.json!.keys[0]!.skipped.promptWindow).toBe(0);
    expect(off.json!.config).toMatchObject({ promptExclusion: false, promptField: null });
    expect(off.json!.keys[0]!.scored).toBe(on.json!.keys[0]!.scored + on.json!.keys[0]!.skipped.promptWindow);
  });

  it('--window reports the best window of each document', async () => {
    const r = await detect(['--key', f('key.json'), '--json', '--window', '20', f('texts')]);
    const w = r.json!.keys[0]!.windows!;
    expect(w).toHaveLength(10);
    expect(w[0]).toMatchObject({ where: f('texts/doc0.txt'), windowSize: 20 });
    expect(w[0]!.windows).toBeGreaterThanOrEqual(2);
    expect(w[0]!.min!.scored).toBe(20);
    const human = await detect(['--key', f('key.json'), '--window', '20', f('texts')]);
    expect(human.stdout).toMatch(/windows +best window of 20: .*doc\d\.txt tokens \d+-\d+, corrected p \S+/);
  });

  it('--threads gives the same figures as one thread, and reports bad lines in input order', async () => {
    const strip = (j: DetectJson): unknown => ({ ...j, timing: null, createdAt: null, config: { ...j.config, threads: null } });
    const one = await detect(['--key', f('key.json'), '--json', '--threads', '0', '--decoys', '5', f('marked.jsonl'), f('texts'), f('clean.jsonl')]);
    const two = await detect(['--key', f('key.json'), '--json', '--threads', '2', '--decoys', '5', f('marked.jsonl'), f('texts'), f('clean.jsonl')]);
    expect(two.code).toBe(0);
    expect(two.json!.config.threads).toBe(2);
    expect(strip(two.json!)).toEqual(strip(one.json!));
    const good = readFileSync(f('marked.jsonl'), 'utf8').split('\n').filter(Boolean);
    writeFileSync(f('late-bad.jsonl'), [...good, '{"text": 1}', ...good.slice(0, 3), 'nope'].join('\n') + '\n');
    const bad = await detect(['--key', f('key.json'), '--threads', '2', f('late-bad.jsonl')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/late-bad\.jsonl:31: field "text" must be a string, got a number 1 \(pass --skip-bad-lines/);
    const skip = await detect(['--key', f('key.json'), '--threads', '2', '--skip-bad-lines', '--json', f('late-bad.jsonl')]);
    expect(skip.json!.badLines.examples.map((e) => e.where)).toEqual([`${f('late-bad.jsonl')}:31`, `${f('late-bad.jsonl')}:35`]);
    expect(skip.json!.inputs[0]!.badLines).toBe(2);
    expect(skip.json!.documents).toBe(33);
  });

  it('--progress draws on stderr only; stdout stays one JSON object', async () => {
    const r = await detect(['--key', f('key.json'), '--json', '--progress', f('marked.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/100% \S+\/\S+ kB  30 docs  \S+ tok  .* tok\/s/);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    const quiet = await detect(['--key', f('key.json'), '--json', f('marked.jsonl')]);
    expect(quiet.stderr).toBe('');
  });
});

describe('radiomark detect: text normalization', () => {
  it('special-token text never throws; --strip-zero-width undoes inserted zero-width spaces', async () => {
    const docs = readFileSync(f('marked.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { prompt: string; text: string });
    const special = docs.map((d, i) => ({ ...d, text: i % 5 === 0 ? `${d.text}<|endoftext|><|im_start|>` : d.text }));
    writeFileSync(f('special.jsonl'), special.map((d) => JSON.stringify(d)).join('\n'));
    const sp = await detect(['--key', f('key.json'), '--json', f('special.jsonl')]);
    expect(sp.code).toBe(0);
    expect(sp.json!.verdict).toBe('detected');
    // An evader inserts U+200B after every word: the ids change, the text looks the same.
    const zw = docs.map((d) => ({ ...d, text: d.text.replace(/ /g, '\u200B ') }));
    writeFileSync(f('zw.jsonl'), zw.map((d) => JSON.stringify(d)).join('\n'));
    const plain = await detect(['--key', f('key.json'), '--json', f('marked.jsonl')]);
    const raw = await detect(['--key', f('key.json'), '--json', f('zw.jsonl')]);
    const stripped = await detect(['--key', f('key.json'), '--json', '--strip-zero-width', '--normalize', 'nfkc', f('zw.jsonl')]);
    expect(stripped.json!.config).toMatchObject({ normalize: 'NFKC', stripZeroWidth: true });
    expect(raw.json!.keys[0]!.greenFraction!).toBeLessThan(plain.json!.keys[0]!.greenFraction! - 0.1);
    expect([stripped.json!.keys[0]!.scored, stripped.json!.keys[0]!.green]).toEqual([plain.json!.keys[0]!.scored, plain.json!.keys[0]!.green]);
  });
});

describe('radiomark detect: bad input', () => {
  it('names the file and line of malformed JSONL; --skip-bad-lines counts and continues', async () => {
    const good = readFileSync(f('marked.jsonl'), 'utf8').split('\n').filter(Boolean);
    writeFileSync(f('broken.jsonl'), [good[0], '{"text": "unterminated', good[1], '{"prompt":"p"}', '{"text": 5}', good[2]].join('\n') + '\n');
    const r = await detect(['--key', f('key.json'), f('broken.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^radiomark detect: ${escapeRe(f('broken.jsonl'))}:2: not valid JSON: .*\\(pass --skip-bad-lines to count such lines and continue\\)\\n$`));
    const skip = await detect(['--key', f('key.json'), '--skip-bad-lines', '--json', f('broken.jsonl')]);
    expect(skip.code).toBe(0);
    expect(skip.json!.documents).toBe(3);
    expect(skip.json!.badLines.total).toBe(3);
    expect(skip.json!.badLines.byReason).toEqual({ invalidJson: 1, missingField: 1, wrongType: 1 });
    expect(skip.json!.badLines.examples.map((e) => e.where)).toEqual([2, 4, 5].map((n) => `${f('broken.jsonl')}:${n}`));
    expect(skip.json!.inputs[0]!.badLines).toBe(3);
    const human = await detect(['--key', f('key.json'), '--skip-bad-lines', f('broken.jsonl')]);
    expect(human.stdout).toMatch(/skipped 3 bad line\(s\): invalidJson 1, missingField 1, wrongType 1/);
  });

  it('refuses a missing field, non-UTF-8 bytes, an empty file and an empty directory, naming them', async () => {
    writeFileSync(f('nofield.jsonl'), '{"completion":"a b c"}\n');
    writeFileSync(f('latin1.jsonl'), Buffer.concat([Buffer.from('{"text":"ok"}\n{"text":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    writeFileSync(f('empty.jsonl'), '');
    mkdirSync(f('nothing/.cache'), { recursive: true });
    const [a, a2, b, c, d, e] = await Promise.all([
      detect(['--key', f('key.json'), f('nofield.jsonl')]),
      detect(['--key', f('key.json'), '--field', 'completion', '--json', f('nofield.jsonl')]),
      detect(['--key', f('key.json'), f('latin1.jsonl')]),
      detect(['--key', f('key.json'), f('empty.jsonl')]),
      detect(['--key', f('key.json'), f('nothing')]),
      detect(['--key', f('key.json'), f('nope.jsonl')]),
    ]);
    expect(a.stderr).toMatch(/nofield\.jsonl:1: field "text" is missing \(the line has "completion"; choose another with --field\)/);
    expect(a2!.code).toBe(0);
    expect(b!.stderr).toMatch(/latin1\.jsonl:2: not valid UTF-8 \(byte 0xe9 at byte 13 of the line\)/);
    expect(c!.stderr).toMatch(/empty\.jsonl: empty file \(0 bytes\)/);
    expect(d!.stderr).toMatch(/nothing: directory has no readable files/);
    expect(e!.stderr).toMatch(/nope\.jsonl: no such file or directory/);
    for (const r of [a, b!, c!, d!, e!]) {
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('refuses a key made for another tokenizer or vocabulary size, saying which', async () => {
    const wrongTok = await detect(['--key', f('key.json'), '--tokenizer', 'cl100k', f('marked.jsonl')]);
    expect(wrongTok.code).toBe(2);
    expect(wrongTok.stderr).toMatch(/key file .*key\.json was made for tokenizer r50k, but --tokenizer cl100k: refusing, the green lists would not line up/);
    await keygen('vocab-key.json', ['--vocab-size', '100277']);
    const wrongVocab = await detect(['--key', f('vocab-key.json'), '--tokenizer', 'r50k', f('marked.jsonl')]);
    expect(wrongVocab.code).toBe(2);
    expect(wrongVocab.stderr).toMatch(/vocab-key\.json binds vocabulary size 100277, but tokenizer r50k has 50257 ids: this key was made for another tokenizer or model; refusing/);
    const noTok = await detect(['--key', f('vocab-key.json'), f('marked.jsonl')]);
    expect(noTok.stderr).toMatch(/binds no tokenizer: pass --tokenizer/);
  });

  it('warns about a key file other users can read', async () => {
    writeFileSync(f('open-key.json'), readFileSync(f('key.json')));
    chmodSync(f('open-key.json'), 0o644);
    const r = await detect(['--key', f('open-key.json'), f('clean.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`warning: key file ${f('open-key.json')} is readable by every user (mode 0644); run: chmod 600 ${f('open-key.json')}\n`);
  });

  it('usage errors exit 2 with a hint', async () => {
    const cases: [string[], RegExp][] = [
      [[f('marked.jsonl')], /--key FILE is required/],
      [['--key', f('key.json')], /no input: give FILE\.\.\., a directory, or - for stdin/],
      [['--key', f('key.json'), '--fail-on', 'maybe', f('marked.jsonl')], /--fail-on must be one of detect, got "maybe"/],
      [['--key', f('key.json'), '--decoys', '-3', f('marked.jsonl')], /--decoys -3 is ambiguous/],
      [['--key', f('key.json'), '--alpha', '2', f('marked.jsonl')], /--alpha must be a number in \(0, 1\), got "2"/],
      [['--key', f('key.json'), '--tokens', '--format', 'text', f('marked.jsonl')], /--tokens reads JSONL/],
    ];
    const runs = await Promise.all(cases.map(([args]) => detect(args)));
    cases.forEach(([args, re], i) => {
      expect(runs[i]!.code, args.join(' ')).toBe(2);
      expect(runs[i]!.stderr).toMatch(re);
    });
  });
});

describe('radiomark detect: the secret stays secret', () => {
  it('never prints a key secret in stdout, stderr, --json or the report', async () => {
    const report = f('secret-check.html');
    const r = await detect(['--key', f('key.json'), '--key', f('other-key.json'), '--json', '--decoys', '5', '--report', report, '--debug', f('marked.jsonl')]);
    expect(r.code).toBe(0);
    const corpus = [...outputs, readFileSync(report, 'utf8')].join('\n');
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const secret of secrets) {
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(corpus).not.toContain(secret);
      expect(corpus.toLowerCase()).not.toContain(secret.slice(0, 16));
    }
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
