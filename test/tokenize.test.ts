import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RadiomarkError } from '../src/errors.js';
import { hfTokenizerFromJson, loadTokenizer, normalizeText, type Tokenizer } from '../src/tokenize/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE_DIR = join(ROOT, 'test/fixtures/tokenizer/tiny-bpe');
const FIXTURE = join(FIXTURE_DIR, 'tokenizer.json');
const expected = JSON.parse(readFileSync(join(FIXTURE_DIR, 'expected-ids.json'), 'utf8')) as {
  vocabSize: number;
  endOfTextId: number;
  cases: { text: string; ids: number[] }[];
};

const SPECIAL_TEXTS = ['<|endoftext|>', '<|endofprompt|>', '<|fim_prefix|>', '<|im_start|>', '<|im_end|>', '<|im_sep|>'];

const VARIED = [
  '',
  'hello world',
  'The quick brown fox jumps over the lazy dog.\n\nSecond paragraph.',
  'café naïve Ångström Øresund straße ǅ ﬁ',
  'λόγος Ελληνικά · кириллица · עברית · العربية ١٢٣',
  '日本語のテキスト、中文文本，한국어 텍스트',
  'emoji 😀👍🏽👨‍👩‍👧 🇫🇷 and a ZWJ\u200D, a ZWSP\u200B, a BOM\uFEFF',
  'e\u0301 a\u0301\u0302 (combining marks)',
  '    def f(x):\n\treturn x  # code\r\n',
  "We're sure it's DON'T-touch; numbers 3.14159 and 1,000,000!",
  ' '.repeat(40) + 'x' + '\n'.repeat(5),
  'text with <|endoftext|> and <|im_start|>user inside',
];

// Bundled encodings: vocabulary size as tiktoken's n_vocab, and ids cross-checked with
// js-tiktoken 1.0.21 (an independent implementation with its own rank files).
const ENCODINGS = {
  o200k: {
    vocabSize: 200_019,
    eot: 199_999,
    special: [199_999, 200_018],
    holes: [199_998, 200_000, 200_006, 200_017],
    vectors: {
      'hello world': [24912, 2375],
      'Hello, world! 你好 🌍': [13225, 11, 2375, 0, 220, 177519, 130321, 235],
      '    def f(x):\n        return x\n': [271, 1056, 285, 4061, 1883, 309, 622, 1215, 198],
      'x <|endoftext|> y': [87, 464, 91, 419, 1440, 919, 91, 29, 342],
    },
  },
  cl100k: {
    vocabSize: 100_277,
    eot: 100_257,
    special: [100_257, 100_258, 100_259, 100_260, 100_264, 100_265, 100_266, 100_276],
    holes: [100_256, 100_261, 100_263, 100_267, 100_275],
    vectors: {
      'hello world': [15339, 1917],
      'Hello, world! 你好 🌍': [9906, 11, 1917, 0, 220, 57668, 53901, 11410, 234, 235],
      '    def f(x):\n        return x\n': [262, 711, 282, 2120, 997, 286, 471, 865, 198],
      'x <|endoftext|> y': [87, 83739, 8862, 728, 428, 91, 29, 379],
    },
  },
  r50k: {
    vocabSize: 50_257,
    eot: 50_256,
    special: [50_256],
    holes: [],
    vectors: {
      'hello world': [31373, 995],
      'Hello, world! 你好 🌍': [15496, 11, 995, 0, 220, 19526, 254, 25001, 121, 12520, 234, 235],
      '    def f(x):\n        return x\n': [220, 220, 220, 825, 277, 7, 87, 2599, 198, 220, 220, 220, 220, 220, 220, 220, 1441, 2124, 198],
      'x <|endoftext|> y': [87, 1279, 91, 437, 1659, 5239, 91, 29, 331],
    },
  },
  p50k: {
    vocabSize: 50_281,
    eot: 50_256,
    special: [50_256],
    holes: [],
    vectors: {
      'hello world': [31373, 995],
      'Hello, world! 你好 🌍': [15496, 11, 995, 0, 220, 19526, 254, 25001, 121, 12520, 234, 235],
      '    def f(x):\n        return x\n': [50258, 825, 277, 7, 87, 2599, 198, 50262, 1441, 2124, 198],
      'x <|endoftext|> y': [87, 1279, 91, 437, 1659, 5239, 91, 29, 331],
    },
  },
} as const;

const tokenizers = new Map<string, Tokenizer>();
beforeAll(async () => {
  for (const name of [...Object.keys(ENCODINGS), FIXTURE]) tokenizers.set(name, await loadTokenizer(name));
});
const tok = (name: string): Tokenizer => tokenizers.get(name)!;

/** Text built from arbitrary code points and pieces that stress pre-tokenization and special tokens. */
const textArb = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.constantFrom(' ', '   ', '\n', '\n\n', '\r\n', '\t', "'s", "'LL", '1234', '!!', 'é', 'e\u0301', ...SPECIAL_TEXTS),
    ),
    { maxLength: 24 },
  )
  .map((parts) => parts.join(''));

describe.each([...Object.keys(ENCODINGS), FIXTURE])('tokenizer %s', (name) => {
  it('round-trips varied Unicode text exactly', () => {
    const t = tok(name);
    for (const text of VARIED) expect(t.decode(t.encode(text))).toBe(text);
  });

  it('round-trips arbitrary well-formed text and never emits a special id', () => {
    const t = tok(name);
    fc.assert(
      fc.property(textArb, (text) => {
        const ids = t.encode(text);
        expect(t.decode(ids)).toBe(text);
        for (const id of ids) {
          expect(id).toBeLessThan(t.vocabSize);
          expect(t.specialTokenIds.has(id)).toBe(false);
        }
      }),
    );
  });

  it('encodes special-token text as ordinary text without throwing', () => {
    const t = tok(name);
    for (const s of SPECIAL_TEXTS) {
      const ids = t.encode(`a ${s} b`);
      expect(ids.length).toBeGreaterThan(3);
      expect(Array.from(ids).some((id) => t.specialTokenIds.has(id))).toBe(false);
      expect(t.decode(ids)).toBe(`a ${s} b`);
    }
    expect(t.endOfTextId).toBeDefined();
    expect(Array.from(t.encode('<|endoftext|>'))).not.toContain(t.endOfTextId);
  });

  it('decodes a special id to its text, and rejects ids it does not define', () => {
    const t = tok(name);
    expect(t.specialTokenIds.has(t.endOfTextId!)).toBe(true);
    expect(t.decode([...t.encode('x'), t.endOfTextId!, ...t.encode('y')])).toBe('x<|endoftext|>y');
    expect(t.decode([])).toBe('');
    expect(t.encode('')).toEqual(new Uint32Array(0));
    expect(t.encode('hi')).toBeInstanceOf(Uint32Array);
    for (const bad of [-1, 1.5, Number.NaN, t.vocabSize]) {
      expect(() => t.decode([0, bad])).toThrow(RangeError);
      expect(() => t.decode([0, bad])).toThrow(`ids[1]`);
      expect(() => t.decode([0, bad])).toThrow(String(bad));
    }
    expect(() => t.encode(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('bundled encodings (gpt-tokenizer)', () => {
  it.each(Object.entries(ENCODINGS))('%s: vocabSize, special ids and known ids', (name, spec) => {
    const t = tok(name);
    expect(t.name).toBe(name);
    expect(t.vocabSize).toBe(spec.vocabSize);
    expect(t.endOfTextId).toBe(spec.eot);
    expect([...t.specialTokenIds].sort((a, b) => a - b)).toEqual(spec.special);
    for (const [text, ids] of Object.entries(spec.vectors)) expect(Array.from(t.encode(text)), text).toEqual(ids);
    for (const hole of spec.holes) expect(() => t.decode([hole])).toThrow(RangeError);
  });

  it('accepts tiktoken names as aliases, with the short name', async () => {
    expect((await loadTokenizer('cl100k_base')).name).toBe('cl100k');
    expect(Array.from((await loadTokenizer('o200k_base')).encode('hello world'))).toEqual([24912, 2375]);
  });

  it('decodes the cl100k ChatML tokens', () => {
    expect(tok('cl100k').decode([100264, 882, 100265])).toBe('<|im_start|>user<|im_end|>');
  });
});

describe('Hugging Face tokenizer.json (generated fixture)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'radiomark-tok-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('is what scripts/make-tokenizer-fixture.mjs generates', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/make-tokenizer-fixture.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('agrees with the naive reference BPE of the generating script', () => {
    const t = tok(FIXTURE);
    expect(t.name).toBe('hf:tiny-bpe');
    expect(t.vocabSize).toBe(expected.vocabSize);
    expect(t.endOfTextId).toBe(expected.endOfTextId);
    expect([...t.specialTokenIds]).toEqual([expected.endOfTextId]);
    for (const { text, ids } of expected.cases) {
      expect(Array.from(t.encode(text)), text).toEqual(ids);
      expect(t.decode(ids)).toBe(text); // no clean-up of spaces although the config asks for it
    }
  });

  it('loads from the directory, and without tokenizer_config.json', async () => {
    expect((await loadTokenizer(FIXTURE_DIR)).name).toBe('hf:tiny-bpe');
    const dir = join(tmp, 'bare-model');
    mkdirSync(dir);
    copyFileSync(FIXTURE, join(dir, 'tokenizer.json'));
    const t = await loadTokenizer(join(dir, 'tokenizer.json'));
    expect(t.name).toBe('hf:bare-model');
    expect(t.endOfTextId).toBe(expected.endOfTextId); // found as <|endoftext|>
    expect(Array.from(t.encode('hello world'))).toEqual(expected.cases[0]!.ids);
    copyFileSync(FIXTURE, join(tmp, 'renamed.json'));
    expect((await loadTokenizer(join(tmp, 'renamed.json'))).name).toBe('hf:renamed');
  });

  it('hfTokenizerFromJson builds the same tokenizer from parsed JSON', async () => {
    const json = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const t = await hfTokenizerFromJson(json, { eos_token: { content: '<|endoftext|>' } }, 'hf:inline');
    expect(t.name).toBe('hf:inline');
    expect(t.endOfTextId).toBe(expected.endOfTextId);
    for (const { text, ids } of expected.cases) expect(Array.from(t.encode(text))).toEqual(ids);
  });

  it('matches non-special added tokens but not special ones', async () => {
    const json = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    json.added_tokens.push({ id: 657, content: '<think>', special: false }, { id: 658, content: '<pad>', special: true });
    const t = await hfTokenizerFromJson(json, { additional_special_tokens: ['<pad>'] });
    expect(t.vocabSize).toBe(659);
    expect([...t.specialTokenIds].sort()).toEqual([656, 658]);
    const ids = Array.from(t.encode('a<think>b<pad>c'));
    expect(ids).toContain(657);
    expect(ids).not.toContain(658);
    expect(t.decode([...ids, 658])).toBe('a<think>b<pad>c<pad>');
  });
});

describe('errors', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'radiomark-tok-err-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  async function inputError(spec: string, ...parts: string[]): Promise<void> {
    const err = await loadTokenizer(spec).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RadiomarkError);
    expect((err as RadiomarkError).code).toBe('INPUT');
    for (const p of parts) expect((err as Error).message).toContain(p);
  }

  it('unknown tokenizer name: RangeError naming it and listing the valid names', async () => {
    for (const spec of ['o100k', 'gpt-4', '', 'hf:tiny-bpe', '__proto__']) {
      const err = await loadTokenizer(spec).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toContain(JSON.stringify(spec));
      expect((err as Error).message).toContain('o200k, cl100k, r50k, p50k');
    }
  });

  it('non-string spec: TypeError', async () => {
    await expect(loadTokenizer(undefined as unknown as string)).rejects.toThrow(TypeError);
  });

  it('missing path', async () => {
    const p = join(tmp, 'nope', 'tokenizer.json');
    await inputError(p, p, 'no such file');
    await inputError('./no-such-model/tokenizer.json', 'no-such-model', 'no such file');
  });

  it('directory without tokenizer.json', async () => {
    const dir = join(tmp, 'empty-dir');
    mkdirSync(dir);
    await inputError(dir, join(dir, 'tokenizer.json'), 'no such file');
  });

  it('not JSON, not a tokenizer, or not loadable', async () => {
    const write = (name: string, text: string): string => {
      const p = join(tmp, name);
      writeFileSync(p, text);
      return p;
    };
    const notJson = write('broken.json', '{"model": {');
    await inputError(notJson, notJson, 'not valid JSON');
    const quoted = write('quoted.json', '{"secretish": 0123456789abcdef}');
    const e = (await loadTokenizer(quoted).catch((x: unknown) => x)) as Error;
    expect(e.message).not.toContain('0123456789'); // JSON.parse's own message quotes the file
    const pkg = write('package.json', '{"name": "x", "version": "1.0.0"}');
    await inputError(pkg, pkg, 'not a tokenizer.json');
    const arr = write('array.json', '[1, 2]');
    await inputError(arr, arr, 'not a tokenizer.json');
    const added = write('added.json', '{"model": {"type": "BPE", "vocab": {}, "merges": []}, "added_tokens": [{"id": -1}]}');
    await inputError(added, added, '"added_tokens"[0]');
    const unknownModel = write('weird.json', '{"model": {"type": "Quantum", "vocab": {}}, "added_tokens": []}');
    await inputError(unknownModel, unknownModel, 'model type "Quantum" is not supported');
    const noMerges = write('no-merges.json', '{"model": {"type": "BPE", "vocab": {"a": 0}}, "added_tokens": []}');
    await inputError(noMerges, noMerges, 'not a tokenizer @huggingface/tokenizers can load');
    // The library's own text stays in `cause`, out of the message (issue 13, finding 8).
    const err = (await loadTokenizer(noMerges).catch((e: unknown) => e)) as RadiomarkError;
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.message).not.toContain((err.cause as Error).message);
    expect(err.api).toBe('loadTokenizer');
  });

  it('ids too large for a key: the error names the file and the field, not a later API (issue 13, finding 8)', async () => {
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { model: { vocab: Record<string, number> }; added_tokens: { id: number }[] };
    const vocabFile = join(tmp, 'huge-vocab-id.json');
    writeFileSync(vocabFile, JSON.stringify({ ...fixture, model: { ...fixture.model, vocab: { ...fixture.model.vocab, zz: 1e9 } } }));
    await inputError(vocabFile, vocabFile, '"model"."vocab" maps "zz" to 1000000000');
    const addedFile = join(tmp, 'huge-added-id.json');
    writeFileSync(addedFile, JSON.stringify({ ...fixture, added_tokens: [...fixture.added_tokens, { id: 1e9, content: '<x>', special: true }] }));
    await inputError(addedFile, addedFile, `"added_tokens"[${fixture.added_tokens.length}]`);
    const err = (await loadTokenizer(vocabFile).catch((e: unknown) => e)) as RadiomarkError;
    expect([err.api, err.field]).toEqual(['loadTokenizer', 'model.vocab']);
  });

  it('invalid UTF-8 in a tokenizer.json is refused naming the file and the byte, never read as U+FFFD (issue 13 fuzz finding 4)', async () => {
    const text = readFileSync(FIXTURE, 'utf8');
    const at = Buffer.byteLength(text.slice(0, text.indexOf('"vocab"') + 10));
    const bytes = readFileSync(FIXTURE);
    const file = join(tmp, 'bad-utf8.json');
    writeFileSync(file, Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xfe]), bytes.subarray(at)]));
    await inputError(file, file, `not valid UTF-8 (byte 0xff at byte ${at + 1})`);
  });

  it('invalid tokenizer_config.json beside a valid tokenizer.json', async () => {
    const dir = join(tmp, 'bad-config');
    mkdirSync(dir);
    copyFileSync(FIXTURE, join(dir, 'tokenizer.json'));
    writeFileSync(join(dir, 'tokenizer_config.json'), 'eos_token: x');
    await inputError(dir, join(dir, 'tokenizer_config.json'), 'not valid JSON');
    writeFileSync(join(dir, 'tokenizer_config.json'), '"just a string"');
    await inputError(dir, join(dir, 'tokenizer_config.json'), 'expected a JSON object');
  });

  it('hfTokenizerFromJson rejects a non-tokenizer', async () => {
    await expect(hfTokenizerFromJson(null)).rejects.toThrow(RadiomarkError);
    await expect(hfTokenizerFromJson({ model: {} })).rejects.toThrow('no "model" object with a "vocab"');
  });
});

describe('normalizeText', () => {
  it('defaults to NFC: composes, keeps compatibility forms and zero-width characters', () => {
    expect(normalizeText('cafe\u0301')).toBe('caf\u00e9');
    expect(normalizeText('\u00c5')).toBe('\u00c5');
    expect(normalizeText('\ufb01 \u2460 \uff21 x\u00b2')).toBe('\ufb01 \u2460 \uff21 x\u00b2');
    expect(normalizeText('a\u200Bb')).toBe('a\u200Bb');
  });

  it('NFKC folds compatibility forms', () => {
    expect(normalizeText('\ufb01 \u2460 \uff21 x\u00b2 cafe\u0301', { form: 'NFKC' })).toBe('fi 1 A x2 caf\u00e9');
  });

  it('stripZeroWidth removes U+200B..U+200D, U+2060 and U+FEFF, and only those', () => {
    expect(normalizeText('\uFEFFa\u200Bb\u200Cc\u200Dd\u2060e', { stripZeroWidth: true })).toBe('abcde');
    expect(normalizeText('a\u200Eb\u00ADc\u2061d \u00A0', { stripZeroWidth: true })).toBe('a\u200Eb\u00ADc\u2061d \u00A0');
  });

  it('strips before normalizing, so a hidden character cannot block composition', () => {
    expect(normalizeText('e\u200B\u0301', { stripZeroWidth: true })).toBe('\u00e9');
    expect(normalizeText('e\u200B\u0301')).toBe('e\u200B\u0301');
  });

  it('rejects a non-string text and an unknown form', () => {
    expect(() => normalizeText(1 as unknown as string)).toThrow(TypeError);
    expect(() => normalizeText('x', { form: 'NFD' as 'NFC' })).toThrow(RangeError);
    expect(() => normalizeText('x', { form: 'NFD' as 'NFC' })).toThrow('"NFD"');
  });
});
