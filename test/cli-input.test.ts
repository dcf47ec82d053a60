import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadLines } from '../src/cli/bad-lines.js';
import { extractDocument, getField, type FieldSpec } from '../src/cli/documents.js';
import { resolveInputs } from '../src/cli/inputs.js';
import { firstInvalidUtf8, LineSplitter } from '../src/cli/lines.js';
import { readSource } from '../src/cli/read-source.js';
import { parse, num, closest } from '../src/command/args.js';
import { pValue, oneIn } from '../src/report/format.js';
import { scratch } from './cli-helpers.js';

const enc = new TextEncoder();

function split(chunks: Uint8Array[], skip = false): { values: unknown[]; wheres: string[]; bad: BadLines; splitter: LineSplitter } {
  const values: unknown[] = [];
  const wheres: string[] = [];
  const bad = new BadLines(skip);
  const splitter = new LineSplitter('f.jsonl', bad, (v, w) => {
    values.push(v);
    wheres.push(w);
  });
  for (const c of chunks) splitter.push(c);
  splitter.end();
  return { values, wheres, bad, splitter };
}

describe('LineSplitter', () => {
  it('gives the same lines however the bytes are chunked (multi-byte characters included)', () => {
    const line = fc.record({ text: fc.string({ unit: 'grapheme', maxLength: 30 }), n: fc.integer() });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 50 }), fc.boolean(), (objs, cuts, crlf) => {
        const text = objs.map((o) => JSON.stringify(o)).join(crlf ? '\r\n' : '\n');
        const bytes = enc.encode(text);
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (let i = 0; at < bytes.length; i++) {
          const n = cuts[i % cuts.length]!;
          chunks.push(bytes.subarray(at, at + n));
          at += n;
        }
        expect(split(chunks).values).toEqual(objs);
      }),
    );
  });

  it('numbers lines from 1, counting blank ones, and drops a BOM', () => {
    const r = split([enc.encode('\uFEFF{"a":1}\n\n  \n{"a":2}\r\n{"a":3}')]);
    expect(r.values).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect(r.wheres).toEqual(['f.jsonl:1', 'f.jsonl:4', 'f.jsonl:5']);
    expect(r.splitter.blank).toBe(2);
  });

  it('names the line of invalid JSON and of invalid UTF-8, or counts them with skipping', () => {
    expect(() => split([enc.encode('{"a":1}\n{"a":\n')])).toThrow(/^f\.jsonl:2: not valid JSON: .*--skip-bad-lines/);
    const bytes = new Uint8Array([...enc.encode('{"a":1}\n{"a":"'), 0xff, ...enc.encode('"}\n{"a":3}\n')]);
    expect(() => split([bytes])).toThrow(/^f\.jsonl:2: not valid UTF-8 \(byte 0xff at byte 7 of the line\)/);
    const r = split([bytes, enc.encode('{oops}\n')], true);
    expect(r.values).toEqual([{ a: 1 }, { a: 3 }]);
    expect(r.bad.total).toBe(2);
    expect(r.bad.byReason).toEqual({ invalidUtf8: 1, invalidJson: 1 });
    expect(r.bad.examples.map((e) => e.where)).toEqual(['f.jsonl:2', 'f.jsonl:4']);
  });

  it('finds the first invalid UTF-8 byte (overlong, surrogate, truncated)', () => {
    expect(firstInvalidUtf8(enc.encode('héllo €'))).toBe(10);
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0xe2, 0x82]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0xf0, 0x9f, 0x98, 0x80]))).toBe(4);
  });
});

describe('extractDocument', () => {
  const spec: FieldSpec = { field: 'text', promptField: 'prompt', promptRequired: false, tokens: false, vocabSize: 100 };
  const strict = new BadLines(false);

  it('reads text and optional prompt, dotted paths included', () => {
    expect(extractDocument({ text: 'a', prompt: 'p' }, 'f:1', spec, strict)).toEqual({ where: 'f:1', text: 'a', prompt: 'p' });
    expect(extractDocument({ text: 'a' }, 'f:1', spec, strict)).toEqual({ where: 'f:1', text: 'a' });
    expect(extractDocument({ choices: [{ text: 'z' }] }, 'f:1', { ...spec, field: 'choices.0.text' }, strict)?.text).toBe('z');
    expect(getField({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
  });

  it('names the file, line, field and value of a bad line', () => {
    expect(() => extractDocument({ completion: 'a', id: 3 }, 'f:7', spec, strict)).toThrow('f:7: field "text" is missing (the line has "completion", "id"; choose another with --field)');
    expect(() => extractDocument({ text: 42 }, 'f:8', spec, strict)).toThrow('f:8: field "text" must be a string, got a number 42');
    expect(() => extractDocument([1], 'f:9', spec, strict)).toThrow('f:9: expected a JSON object, got an array');
    expect(() => extractDocument({ text: 'a' }, 'f:2', { ...spec, promptRequired: true }, strict)).toThrow('f:2: field "prompt" (--prompt-field) is missing');
    expect(() => extractDocument({ text: 'a', prompt: ['x'] }, 'f:3', spec, strict)).toThrow(/field "prompt" must be a string, got an array/);
  });

  it('checks pre-tokenized ids against the vocabulary', () => {
    const t: FieldSpec = { ...spec, field: 'tokens', promptField: 'prompt_tokens', tokens: true };
    const d = extractDocument({ tokens: [1, 2, 99], prompt_tokens: [5] }, 'f:1', t, strict);
    expect(Array.from(d!.tokens!)).toEqual([1, 2, 99]);
    expect(Array.from(d!.promptTokens!)).toEqual([5]);
    expect(() => extractDocument({ tokens: [1, 100] }, 'f:4', t, strict)).toThrow('f:4: field "tokens"[1] must be an integer id in [0, 100), got 100');
    expect(() => extractDocument({ tokens: [1.5] }, 'f:4', t, strict)).toThrow(/got 1\.5/);
    expect(() => extractDocument({ tokens: 'abc' }, 'f:4', t, strict)).toThrow(/must be an array of token ids, got a string "abc"/);
    const skip = new BadLines(true);
    expect(extractDocument({ tokens: [-1] }, 'f:5', t, skip)).toBeUndefined();
    expect(skip.byReason).toEqual({ invalidToken: 1 });
  });
});

describe('readSource and resolveInputs', () => {
  let s: ReturnType<typeof scratch>;
  beforeAll(() => {
    s = scratch();
  });
  afterAll(() => s.cleanup());

  const read = async (name: string, content: string | Uint8Array, format: 'auto' | 'jsonl' | 'text' = 'auto', skip = false) => {
    const path = join(s.dir, name);
    writeFileSync(path, content);
    const got: { json: unknown[]; text: string[]; format?: string } = { json: [], text: [] };
    const bad = new BadLines(skip);
    const stats = await readSource({ path, size: undefined }, { format, bad }, {
      onFormat: (f) => (got.format = f),
      onJson: (v) => got.json.push(v),
      onText: (t) => got.text.push(t),
    });
    return { ...got, stats, bad };
  };

  it('sniffs the format and hashes the bytes', async () => {
    const j = await read('a.data', '\n{"text":"x"}\n');
    expect(j.format).toBe('jsonl');
    expect(j.json).toEqual([{ text: 'x' }]);
    expect(j.stats.sha256).toMatch(/^[0-9a-f]{64}$/);
    const t = await read('b.data', 'plain words\n{ not json }');
    expect(t.format).toBe('text');
    expect(t.text).toEqual(['plain words\n{ not json }']);
    const forced = await read('c.jsonl', 'plain', 'text');
    expect(forced.text).toEqual(['plain']);
  });

  it('refuses an empty file and a text file with invalid UTF-8, naming them', async () => {
    await expect(read('empty.jsonl', '')).rejects.toThrow(/empty\.jsonl: empty file \(0 bytes\)/);
    await expect(read('blank.jsonl', '\n\n')).rejects.toThrow(/blank\.jsonl: no JSON lines \(2 blank lines\)/);
    await expect(read('bad.txt', new Uint8Array([0x61, 0x0a, 0x62, 0xc3, 0x28]))).rejects.toThrow(/bad\.txt:2: not valid UTF-8 \(byte 0xc3 at byte 2 of the line\)/);
    const skipped = await read('empty2.jsonl', '', 'auto', true);
    expect(skipped.bad.byReason).toEqual({ emptyFile: 1 });
  });

  it('expands directories (sorted, hidden entries skipped) and refuses one with no files', async () => {
    const d = join(s.dir, 'tree');
    mkdirSync(join(d, 'sub'), { recursive: true });
    mkdirSync(join(d, '.hidden'), { recursive: true });
    writeFileSync(join(d, 'b.jsonl'), '{}');
    writeFileSync(join(d, 'a.txt'), 'x');
    writeFileSync(join(d, 'sub', 'c.txt'), 'y');
    writeFileSync(join(d, '.hidden', 'd.txt'), 'z');
    writeFileSync(join(d, '.e.txt'), 'z');
    const r = await resolveInputs([d, join(d, 'a.txt')]);
    expect(r.sources.map((x) => x.path.slice(d.length + 1))).toEqual(['a.txt', 'b.jsonl', 'sub/c.txt']);
    expect(r.duplicates).toEqual([join(d, 'a.txt')]);
    mkdirSync(join(s.dir, 'void', '.git'), { recursive: true });
    await expect(resolveInputs([join(s.dir, 'void')])).rejects.toThrow(/void: directory has no readable files/);
    await expect(resolveInputs([join(s.dir, 'nope.jsonl')])).rejects.toThrow(/nope\.jsonl: no such file or directory/);
    await expect(resolveInputs(['-', '-'])).rejects.toThrow(/more than once/);
  });
});

describe('args and formatting', () => {
  it('turns parseArgs errors into usage errors with a suggestion', () => {
    const opts = { decoys: { type: 'string' as const }, json: { type: 'boolean' as const } };
    expect(() => parse('radiomark detect', ['--decoy', '3'], opts, true)).toThrow('unknown option --decoy; did you mean --decoys? (see radiomark detect --help)');
    expect(() => parse('radiomark detect', ['--decoys'], opts, true)).toThrow('--decoys needs a value (see radiomark detect --help)');
    expect(() => parse('radiomark detect', ['--json=yes'], opts, true)).toThrow('--json does not take a value (see radiomark detect --help)');
    const p = parse('radiomark detect', ['--decoys', '1_000'], opts, true);
    expect(num(p, 'decoys', { integer: true, min: 0 })).toBe(1000);
    expect(() => num(parse('x', ['--decoys=-1'], opts, true), 'decoys', { integer: true, min: 0 })).toThrow('--decoys must be an integer >= 0, got "-1"');
    expect(() => parse('radiomark detect', ['--decoys', '-1'], opts, true)).toThrow('--decoys -1 is ambiguous: write --decoys=-1 for a value that starts with "-" (see radiomark detect --help)');
    expect(closest('detetc', ['keygen', 'detect', 'probe'])).toBe('detect');
    expect(closest('zzz', ['keygen', 'detect'])).toBeUndefined();
  });

  it('writes p-values at any magnitude from their log10', () => {
    expect(pValue(Math.log10(0.031))).toBe('0.03');
    expect(pValue(Math.log10(0.5))).toBe('0.5');
    expect(pValue(0)).toBe('1');
    expect(pValue(Math.log10(4.2e-7))).toBe('4.2e-7');
    expect(pValue(-2047.9)).toBe('1.3e-2048');
    expect(pValue(-18.92, 'unicode')).toBe('1.2 × 10⁻¹⁹');
    expect(pValue(null)).toBe('n/a');
    expect(oneIn(-2)).toBe('about 1 time in 100');
    expect(oneIn(-7)).toBe('about 1 time in 10 million');
    expect(oneIn(-20.5)).toBe('about 1 time in 3.2 × 10²⁰');
  });
});

describe('formatError', () => {
  it('tells a user error from a bug by the error\'s data, never by its text', async () => {
    const { formatError, CliError } = await import('../src/command/errors.js');
    const { RadiomarkRangeError, RadiomarkError } = await import('../src/errors.js');
    expect(formatError('radiomark detect', new CliError('f:1: bad'), false)).toEqual({ text: 'radiomark detect: f:1: bad\n', exitCode: 2 });
    const data = new RadiomarkRangeError('createDetector: "decoys" must be ...', { api: 'createDetector', field: 'decoys' });
    expect(formatError('radiomark detect', data, false)).toEqual({ text: 'radiomark detect: createDetector: "decoys" must be ...\n', exitCode: 2 });
    expect(formatError('radiomark detect', new RadiomarkError('INPUT', 'x: y'), false).exitCode).toBe(2);
    // The same text without radiomark's data is a bug: a message that looks like validation does not pass.
    const lookalike = formatError('radiomark detect', new RangeError('createDetector: "decoys" must be ...'), false);
    expect(lookalike.exitCode).toBe(70);
    expect(lookalike.text).toMatch(/^radiomark detect: internal error: RangeError: createDetector/);
    const bug = formatError('radiomark detect', new TypeError("Cannot read properties of undefined (reading 'x')"), false);
    expect(bug).toEqual({
      text: "radiomark detect: internal error: TypeError: Cannot read properties of undefined (reading 'x')\n(this is a bug in radiomark; rerun with --debug for a stack trace)\n",
      exitCode: 70,
    });
    expect(formatError('radiomark detect', new Error('boom'), true).text).toMatch(/^radiomark detect: internal error: Error: boom\nError: boom\n\s+at /);
  });
});
