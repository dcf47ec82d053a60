/**
 * fast-check arbitraries of hostile CLI cases, one family per input the CLI reads: JSONL corpora
 * (and pre-tokenized ones), key files, tokenizer.json files, result files for `report`, prompt
 * files for `probe`, and file-system shapes (symlinks and loops, devices, FIFOs, unreadable files,
 * the key among the inputs). Each case says which exit statuses the documentation allows, what a
 * refusal must name, and whether the input is certainly bad. The oracles are in ./cli-run.ts.
 *
 * @module
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { FUZZ_SECRET_HEX } from './secret.js';
import { HTML_MARKER, type CliCase, type Entry } from './cli-run.js';

/** What every case may use, prepared once per run (./cli-setup.ts). */
export interface FuzzContext {
  /** The fuzz key's file (r50k, vocabulary 50,257). */
  keyFile: string;
  /** The fuzz key bound to the tiny Hugging Face tokenizer (`hf:tiny-bpe`, vocabulary 657). */
  hfKeyFile: string;
  /** test/fixtures/tokenizer/tiny-bpe/tokenizer.json. */
  tokenizerJson: string;
  /** A real `detect --json` result under the fuzz key. */
  resultJson: string;
  /** Base URL of a local OpenAI-compatible stub that answers every completion. */
  endpoint: string;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const cat = (...parts: (string | Uint8Array)[]): Uint8Array => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

const words = fc.array(fc.constantFrom('the', 'river', 'stone', 'quiet', 'garden', 'of', 'and', 'light', 'morning', 'a'), { minLength: 1, maxLength: 30 }).map((w) => w.join(' '));

/** Text a document may hold: plain words, odd Unicode, special-token text (and the key's secret: {@link docText}). */
const plainText = fc.oneof(
  { weight: 6, arbitrary: words },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) }, // lone surrogates included
  { weight: 1, arbitrary: fc.constantFrom('<|endoftext|> after the end', '\u200b\u200bzero\u200bwidth', 'a\u0000nul', '\ufeffbom', 'x'.repeat(20_000), 'é'.repeat(3000)) },
);

/** A suspect document's text: {@link plainText}, or text that holds the key's secret (detect must not echo it). */
const docText = fc.oneof({ weight: 9, arbitrary: plainText }, { weight: 1, arbitrary: words.map((w) => `${w} ${FUZZ_SECRET_HEX} ${w}`) });

/** A hostile JSON value (for a field that should hold a string, or anywhere in a file). */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1e308, -0, 2 ** 53 + 1, '', ' ', [], {}, [null], { text: null }),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.array(fc.integer({ min: -5, max: 1e6 }), { maxLength: 5 }),
  fc.constantFrom(`${HTML_MARKER} style="color:red">forged</x-fuzz-7f3a>`, '"><img src=x onerror=alert(1)>', '</style><h1>Not detected</h1>', '../../../../etc/passwd', FUZZ_SECRET_HEX),
);

/** A value nested `depth` times (arrays or objects). */
const nested = (depth: number, kind: 'array' | 'object'): string => (kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));

/** One JSONL line and what it is. */
interface Line {
  bytes: Uint8Array;
  /** 'good': a document; 'blank': skipped; 'bad': certainly refused; 'maybe': either. */
  kind: 'good' | 'blank' | 'bad' | 'maybe';
  label: string;
}

const SECRET_BYTES = Buffer.from(FUZZ_SECRET_HEX);

/** A corpus line for field `field` (documents) or a probe prompt line (field "prompt"). */
export function lineArb(field: string, tokens = false, text: fc.Arbitrary<string> = docText): fc.Arbitrary<Line> {
  const good = (v: unknown, extra: Record<string, unknown> = {}): Uint8Array => enc(JSON.stringify({ [field]: v, ...extra }));
  const ids = fc.array(fc.integer({ min: 0, max: 50_256 }), { minLength: 1, maxLength: 40 });
  const value = tokens ? ids : text;
  return fc.oneof(
    { weight: 8, arbitrary: value.map((v) => ({ bytes: good(v), kind: 'good' as const, label: 'document' })) },
    { weight: 2, arbitrary: fc.tuple(value, value).map(([v, p]) => ({ bytes: good(v, { [tokens ? 'prompt_tokens' : 'prompt']: p }), kind: 'good' as const, label: 'document with prompt' })) },
    { weight: 1, arbitrary: fc.constantFrom('', '   ', '\t').map((s) => ({ bytes: enc(s), kind: 'blank' as const, label: 'blank' })) },
    {
      weight: 3,
      arbitrary: fc.constantFrom('{"text": }', '{', '}', '{"a":1,}', "{'text':'x'}", 'not json at all', '{"text":"unterminated', 'NaN', '{"text":"a"} trailing').map((s) => ({ bytes: enc(s.replaceAll('text', field)), kind: 'bad' as const, label: `invalid JSON ${JSON.stringify(s.slice(0, 12))}` })),
    },
    { weight: 2, arbitrary: fc.constantFrom('1', '"a string"', '[1,2]', 'null', 'true').map((s) => ({ bytes: enc(s), kind: 'bad' as const, label: `JSON ${s} (not an object)` })) },
    { weight: 2, arbitrary: hostileValue.filter((v) => (tokens ? !Array.isArray(v) : typeof v !== 'string')).map((v) => ({ bytes: good(v), kind: 'bad' as const, label: `field of type ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}` })) },
    { weight: 1, arbitrary: fc.constant({ bytes: enc('{"other":"x"}'), kind: 'bad' as const, label: 'field missing' }) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(1000, 5000, 50_000), fc.constantFrom('array' as const, 'object' as const), fc.boolean()).map(([d, k, inside]) => ({
        bytes: enc(inside ? `{"${field}":${nested(d, k)}}` : nested(d, k)),
        kind: 'bad' as const,
        label: `nested ${d} deep (${k}${inside ? ', as the field' : ''})`,
      })),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x80]).map((b) => ({
        bytes: cat(`{"${field}":"bad `, Uint8Array.from(b), ' bytes"}'),
        kind: 'bad' as const,
        label: `invalid UTF-8 ${b.map((x) => x.toString(16)).join(' ')}`,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { s: `{"${field}":"a","${field}":"b"}`, label: 'duplicate key' },
        { s: `{"${field}":"x","n":1e400}`, label: 'number 1e400' },
        { s: `\ufeff{"${field}":"bom"}`, label: 'BOM' },
        { s: `{"${field}":"crlf"}\r`, label: 'CRLF' },
        { s: `{"${field}":""}`, label: 'empty text' },
        { s: `{"${field}":"\\ud800 lone surrogate"}`, label: 'escaped lone surrogate' },
      ).map(({ s, label }) => ({ bytes: enc(s), kind: 'maybe' as const, label })),
    },
  );
}

/**
 * A JSONL file of lines, where its first certainly-bad line is (when nothing uncertain precedes it),
 * and whether any line holds the key's secret (detect then refuses or skips the file as a whole,
 * naming the file but no line: key material is never read as suspect text).
 */
function jsonlFile(lines: Line[]): { bytes: Uint8Array; firstBad: number | undefined; anyBad: boolean; secret: boolean } {
  let firstBad: number | undefined;
  let clear = true;
  lines.forEach((l, i) => {
    if (firstBad === undefined && clear && l.kind === 'bad') firstBad = i + 1;
    if (l.kind === 'maybe') clear = false;
  });
  const parts: Uint8Array[] = [];
  lines.forEach((l, i) => parts.push(l.bytes, enc(i < lines.length - 1 ? '\n' : '')));
  const secret = lines.some((l) => Buffer.from(l.bytes).includes(SECRET_BYTES));
  return { bytes: cat(...parts, '\n'), firstBad, anyBad: lines.some((l) => l.kind === 'bad'), secret };
}

const CLEAN_TEXT = 'It was a bright cold day in April, and the clocks were striking thirteen. The river ran on under the stone bridge.\n';

/** JSONL corpora for `detect` (text and pre-tokenized), with the flags that change how lines are read. */
export function jsonlCase(ctx: FuzzContext): fc.Arbitrary<CliCase> {
  return fc
    .record({
      tokens: fc.constantFrom(false, false, false, false, true),
      field: fc.constantFrom('text', 'text', 'completion'),
      skip: fc.boolean(),
      json: fc.boolean(),
      threads: fc.constantFrom('0', '0', '1', '2'),
      report: fc.boolean(),
      seedLines: fc.integer({ min: 1, max: 6 }),
    })
    .chain((o) =>
      fc.array(lineArb(o.tokens ? 'tokens' : o.field, o.tokens), { minLength: 1, maxLength: o.seedLines }).map((lines) => {
        const f = jsonlFile(lines);
        const args = ['detect', '--key', 'key.json'];
        if (o.tokens) args.push('--tokens');
        else if (o.field !== 'text') args.push('--field', o.field);
        if (o.skip) args.push('--skip-bad-lines');
        if (o.json) args.push('--json');
        if (o.report) args.push('--report', 'report.html');
        args.push('--threads', o.threads, 'suspect.jsonl');
        const c: CliCase = {
          family: 'jsonl',
          label: `${lines.map((l) => l.label).join(' | ')}${o.tokens ? ' (--tokens)' : ''}${o.skip ? ' (--skip-bad-lines)' : ''}`,
          entries: [
            { kind: 'file', path: 'key.json', content: ctx.keyFile },
            { kind: 'file', path: 'suspect.jsonl', content: f.bytes },
          ],
          args,
          allowed: [0, 2],
          blame: ['suspect.jsonl'],
          mustFail: (f.firstBad !== undefined || f.secret) && !o.skip,
        };
        if (f.firstBad !== undefined && !o.skip && !f.secret) c.blame = [`suspect.jsonl:${f.firstBad}`];
        return c;
      }),
    );
}

/** Every path (as keys) in a JSON tree, objects and arrays. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v !== null && typeof v === 'object') {
    for (const [k, child] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      if (out.length < 5000) paths(child, p, out);
    }
  }
  return out;
}

/** `doc` with the value at `path` replaced (or deleted when `value` is the DELETE symbol). */
const DELETE = Symbol('delete');
function setPath(doc: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === DELETE) {
    if (Array.isArray(at)) at.splice(Number(last), 1);
    else delete at[last];
  } else at[last] = value;
  return copy;
}

/** A text mutation of a whole file: truncation, invalid bytes, padding, emptiness. */
function textMutation(text: string): fc.Arbitrary<{ bytes: Uint8Array; label: string; breaks: boolean }> {
  return fc.oneof(
    fc.integer({ min: 0, max: Math.max(0, text.length - 2) }).map((n) => ({ bytes: enc(text.slice(0, n)), label: `truncated at ${n}`, breaks: true })),
    fc.integer({ min: 0, max: text.length }).map((n) => ({ bytes: cat(text.slice(0, n), Uint8Array.of(0xff, 0xfe), text.slice(n)), label: `invalid UTF-8 at ${n}`, breaks: true })),
    fc.constantFrom('', ' \n', 'null', '[]', '"x"', '{}').map((s) => ({ bytes: enc(s), label: `whole file ${JSON.stringify(s)}`, breaks: true })),
    fc.constant({ bytes: enc(nested(20_000, 'array')), label: 'nested 20000 deep', breaks: true }),
  );
}

/** A JSON file mutated at one random path (value replaced or deleted), or as text. */
function jsonMutation(text: string, values: fc.Arbitrary<unknown> = hostileValue): fc.Arbitrary<{ bytes: Uint8Array; label: string; breaks: boolean; path?: string }> {
  const doc = JSON.parse(text) as unknown;
  const all = paths(doc);
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...all), fc.oneof(values, fc.constant(DELETE as unknown))).map(([p, v]) => ({ bytes: enc(JSON.stringify(setPath(doc, p, v), null, 2)), label: `${p.join('.')} = ${v === DELETE ? '(deleted)' : JSON.stringify(v)?.slice(0, 40)}`, breaks: false, path: p.join('.') })) },
    { weight: 1, arbitrary: fc.constantFrom(...all).map((p) => ({ bytes: enc(JSON.stringify(setPath(doc, p, JSON.parse(nested(3000, 'object'))), null, 0)), label: `${p.join('.')} nested 3000 deep`, breaks: false, path: p.join('.') })) },
    { weight: 2, arbitrary: textMutation(text) },
  );
}

/** Key files: the fuzz key mutated (field by field, the secret moved into other fields, text damage). */
export function keyFileCase(ctx: FuzzContext): fc.Arbitrary<CliCase> {
  const key = JSON.parse(ctx.keyFile) as Record<string, unknown>;
  const moved = fc.constantFrom('format', 'fingerprint', 'version', 'scheme.tokenizer', 'scheme.vocabSize', 'extra', 'scheme.extra').map((where) => {
    const copy = structuredClone(key) as Record<string, Record<string, unknown>>;
    const [a, b] = where.split('.') as [string, string | undefined];
    if (b) copy[a]![b] = FUZZ_SECRET_HEX;
    else (copy as Record<string, unknown>)[a] = FUZZ_SECRET_HEX;
    return { bytes: enc(JSON.stringify(copy, null, 2)), label: `secret copied into ${where}`, breaks: where !== 'extra' && where !== 'scheme.extra' };
  });
  const asName = fc.constant({ bytes: enc(JSON.stringify({ ...key, [FUZZ_SECRET_HEX]: 1 })), label: 'secret as a field name', breaks: false });
  const secretShapes = fc
    .constantFrom(FUZZ_SECRET_HEX.toUpperCase(), FUZZ_SECRET_HEX.slice(0, 63), `${FUZZ_SECRET_HEX}0`, `0x${FUZZ_SECRET_HEX}`, ` ${FUZZ_SECRET_HEX} `, `${FUZZ_SECRET_HEX.slice(0, 40)}zz${FUZZ_SECRET_HEX.slice(42)}`, FUZZ_SECRET_HEX.slice(0, 32))
    .map((s) => ({ bytes: enc(JSON.stringify({ ...key, secret: s }, null, 2)), label: `secret reshaped (${s.length} chars)`, breaks: s.length !== 64 || !/^[0-9a-fA-F]+$/.test(s) }));
  const mutation = fc.oneof({ weight: 5, arbitrary: jsonMutation(ctx.keyFile) }, { weight: 2, arbitrary: moved }, { weight: 1, arbitrary: asName }, { weight: 2, arbitrary: secretShapes });
  return fc.tuple(mutation, fc.boolean(), fc.constantFrom(0o600, 0o600, 0o644)).map(([m, json, mode]) => ({
    family: 'keyfile',
    label: m.label,
    entries: [
      { kind: 'file', path: 'key.json', content: m.bytes, mode },
      { kind: 'file', path: 'suspect.txt', content: CLEAN_TEXT },
    ],
    args: ['detect', '--key', 'key.json', ...(json ? ['--json'] : []), 'suspect.txt'],
    allowed: [0, 2],
    blame: ['key.json'],
    mustFail: m.breaks,
  }));
}

/** tokenizer.json files: the tiny fixture mutated; used by `detect --tokenizer` and `keygen --tokenizer`. */
export function tokenizerCase(ctx: FuzzContext): fc.Arbitrary<CliCase> {
  const values = fc.oneof(hostileValue, fc.constantFrom(1e9, 2 ** 31, -7, 0.5, 657, 656, 'Ġthe', { type: 'Nonsense' }));
  return fc.tuple(jsonMutation(ctx.tokenizerJson, values), fc.boolean()).map(([m, keygen]) => ({
    family: 'tokenizer',
    label: `${keygen ? 'keygen' : 'detect'}: ${m.label}`,
    entries: [
      { kind: 'file', path: 'hf-key.json', content: ctx.hfKeyFile },
      { kind: 'file', path: 'tok/tokenizer.json', content: m.bytes },
      { kind: 'file', path: 'suspect.txt', content: CLEAN_TEXT },
    ],
    args: keygen ? ['keygen', '--out', 'new-key.json', '--tokenizer', 'tok/tokenizer.json'] : ['detect', '--key', 'hf-key.json', '--tokenizer', 'tok/tokenizer.json', 'suspect.txt'],
    allowed: [0, 2],
    blame: ['tok/tokenizer.json'],
    mustFail: m.breaks,
  }));
}

/** Result files for `report`: a real `detect --json` result mutated, HTML planted in strings. */
export function reportCase(ctx: FuzzContext): fc.Arbitrary<CliCase> {
  const doc = JSON.parse(ctx.resultJson) as unknown;
  const strings = paths(doc).filter((p) => {
    let v: unknown = doc;
    for (const k of p) v = (v as Record<string | number, unknown>)[k];
    return typeof v === 'string';
  });
  const planted = fc.constantFrom(...strings).map((p) => ({ bytes: enc(JSON.stringify(setPath(doc, p, `${HTML_MARKER} style="x">forged verdict</x-fuzz-7f3a>`))), label: `HTML in ${p.join('.')}`, breaks: false }));
  const everywhere = fc.constant({
    bytes: enc(JSON.stringify(strings.reduce((d, p) => setPath(d, p, `${HTML_MARKER}>`), doc))),
    label: 'HTML in every string',
    breaks: false,
  });
  return fc.tuple(fc.oneof({ weight: 5, arbitrary: jsonMutation(ctx.resultJson) }, { weight: 2, arbitrary: planted }, { weight: 1, arbitrary: everywhere }), fc.boolean()).map(([m, stdin]) => ({
    family: 'report',
    label: `${m.label}${stdin ? ' (stdin)' : ''}`,
    entries: stdin ? [] : ([{ kind: 'file', path: 'result.json', content: m.bytes }] as Entry[]),
    args: ['report', stdin ? '-' : 'result.json', '--out', 'report.html'],
    stdin: stdin ? m.bytes : undefined,
    allowed: [0, 2],
    blame: stdin ? [] : ['result.json'],
    mustFail: m.breaks,
  }));
}

/** Prompt files for `probe` (JSONL or text), against a local stub server; hostile flags too. */
export function promptsCase(ctx: FuzzContext): fc.Arbitrary<CliCase> {
  const flags = fc.oneof(
    { weight: 8, arbitrary: fc.constant<{ args: string[]; flag?: string }>({ args: [] }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(['--timeout', '2147484s'], ['--timeout', '0'], ['--timeout', '-1s'], ['--rate', '1e-9'], ['--rate', '0'], ['--concurrency', '0'], ['--concurrency', '1e9'], ['--max-tokens', '-1'], ['--limit', 'NaN'], ['--retries', '1e400'], ['--retry-delay', '99999999999h'], ['--endpoint', 'file:///etc/passwd'], ['--endpoint', 'http://[::1'])
        .map((a) => ({ args: a, flag: a[0] })),
    },
  );
  // Prompts are the investigator's own text (probe reads no key): no secret in them.
  return fc.tuple(fc.array(lineArb('prompt', false, plainText), { minLength: 1, maxLength: 5 }), fc.boolean(), flags).map(([lines, text, flag]) => {
    const f = jsonlFile(lines);
    const name = text ? 'prompts.txt' : 'prompts.jsonl';
    const args = ['probe', '--endpoint', ctx.endpoint, '--prompts', name, '--out', 'out.jsonl', '--retries', '0', '--timeout', '5s', '--no-progress'];
    const i = args.indexOf(flag.args[0] ?? '');
    if (i >= 0) args.splice(i, 2, ...flag.args);
    else args.push(...flag.args);
    const c: CliCase = {
      family: 'prompts',
      noKey: true,
      label: `${lines.map((l) => l.label).join(' | ')}${text ? ' (text file)' : ''}${flag.flag ? ` ${flag.args.join(' ')}` : ''}`,
      entries: [{ kind: 'file', path: name, content: f.bytes }],
      args,
      allowed: [0, 2, 4],
      blame: flag.flag ? [flag.flag] : [name],
      mustFail: !text && f.firstBad !== undefined && !flag.flag,
    };
    if (!text && f.firstBad !== undefined && !flag.flag) c.blame = [`${name}:${f.firstBad}`];
    return c;
  });
}

/** A symlink, FIFO or device left as it was (keygen --force must refuse non-regular targets). */
const unchanged = (path: string, kind: 'symlink' | 'fifo' | 'device' | 'dir') => (dir: string): string | undefined => {
  const st = lstatSync(join(dir, path));
  const ok = kind === 'symlink' ? st.isSymbolicLink() : kind === 'fifo' ? st.isFIFO() : kind === 'device' ? st.isCharacterDevice() : st.isDirectory();
  if (!ok) return `keygen --force replaced the ${kind} ${path}`;
  if (kind === 'symlink' && readFileSync(join(dir, 'victim.txt'), 'utf8') !== 'victim\n') return 'keygen --force wrote through the symlink';
  return undefined;
};

/** File-system shapes: loops, links, devices, FIFOs, unreadable files, the key among the inputs. */
export function fsCase(ctx: FuzzContext): fc.Arbitrary<CliCase> {
  const key: Entry = { kind: 'file', path: 'key.json', content: ctx.keyFile };
  const doc: Entry = { kind: 'file', path: 'd/a.txt', content: CLEAN_TEXT };
  const det = (label: string, entries: Entry[], inputs: string[], extra: Partial<CliCase> = {}, flags: string[] = []): CliCase => ({
    family: 'fs',
    label,
    entries: [key, ...entries],
    args: ['detect', '--key', 'key.json', ...flags, ...inputs],
    allowed: [0, 2],
    ...extra,
  });
  const shapes: CliCase[] = [
    det('two symlink loops (d/s1 -> ., d/s2 -> .)', [doc, { kind: 'symlink', path: 'd/s1', target: '.' }, { kind: 'symlink', path: 'd/s2', target: '.' }], ['d']),
    det('a loop to the parent (d/sub/up -> ..)', [doc, { kind: 'dir', path: 'd/sub' }, { kind: 'symlink', path: 'd/sub/up', target: '..' }], ['d']),
    det('a dangling symlink in the directory', [doc, { kind: 'symlink', path: 'd/gone.txt', target: 'nowhere.txt' }], ['d']),
    det('a dangling symlink given as input', [{ kind: 'symlink', path: 'gone.txt', target: 'nowhere.txt' }], ['gone.txt'], { blame: ['gone.txt'], mustFail: true }),
    det('a symlink to /dev/zero in the directory', [doc, { kind: 'symlink', path: 'd/zero.txt', target: '/dev/zero' }], ['d']),
    det('/dev/zero given as input', [], ['/dev/zero'], { blame: ['/dev/zero'], mustFail: true }, ['--format', 'text']),
    det('/dev/urandom given as input', [], ['/dev/urandom'], { blame: ['/dev/urandom'], mustFail: true }),
    det('/dev/null given as input', [], ['/dev/null'], { blame: ['/dev/null'], mustFail: true }),
    det('a device node in the directory', [doc, { kind: 'device', path: 'd/null.txt' }], ['d']),
    det('a FIFO in the directory (no writer)', [doc, { kind: 'fifo', path: 'd/pipe.txt' }], ['d']),
    det('a FIFO given as input (no writer)', [{ kind: 'fifo', path: 'pipe.jsonl' }], ['pipe.jsonl'], { blame: ['pipe.jsonl'] }),
    det('a FIFO as --key', [{ kind: 'fifo', path: 'k.fifo' }, doc], ['d'], { args: ['detect', '--key', 'k.fifo', 'd'], blame: ['k.fifo'], mustFail: true }),
    det('/dev/zero as --key', [doc], ['d'], { args: ['detect', '--key', '/dev/zero', 'd'], blame: ['/dev/zero'], mustFail: true }),
    det('a directory as --key', [doc], ['d'], { args: ['detect', '--key', 'd', 'd'], blame: ['d'], mustFail: true }),
    det('a symlink loop as --key', [doc, { kind: 'symlink', path: 'k1', target: 'k2' }, { kind: 'symlink', path: 'k2', target: 'k1' }], ['d'], { args: ['detect', '--key', 'k1', 'd'], blame: ['k1'], mustFail: true }),
    det('an unreadable file in the directory', [doc, { kind: 'file', path: 'd/secret.txt', content: 'x\n' }, { kind: 'chmod', path: 'd/secret.txt', mode: 0 }], ['d'], { asNobody: true }),
    det('an unreadable file given as input', [{ kind: 'file', path: 'locked.txt', content: 'x\n' }, { kind: 'chmod', path: 'locked.txt', mode: 0 }], ['locked.txt'], { asNobody: true, blame: ['locked.txt'], mustFail: true }),
    det('an unreadable directory', [doc, { kind: 'chmod', path: 'd', mode: 0 }], ['d'], { asNobody: true, blame: ['d'], mustFail: true }),
    det('an unreadable key file', [doc, { kind: 'chmod', path: 'key.json', mode: 0 }], ['d'], { asNobody: true, blame: ['key.json'], mustFail: true }),
    det('a copy of the key as .txt beside the outputs, with --report', [doc, { kind: 'file', path: 'd/notes.txt', content: ctx.keyFile }], ['d'], {}, ['--report', 'report.html']),
    det('a copy of the key as .jsonl in the inputs, --skip-bad-lines --json', [doc, { kind: 'file', path: 'd/k.jsonl', content: ctx.keyFile.replace(/\n\s*/g, '') + '\n' }], ['d'], {}, ['--skip-bad-lines', '--json']),
    det('the key file itself given as an input', [doc], ['d', 'key.json'], {}, ['--report', 'report.html']),
    det('the key file read from stdin as an input', [], ['-'], { stdin: ctx.keyFile }, ['--json']),
    det('the key file as --filter', [doc], ['d'], {}, ['--filter', 'key.json', '--json']),
    det('an empty directory', [{ kind: 'dir', path: 'empty' }], ['empty'], { blame: ['empty'], mustFail: true }),
    det('a directory 120 levels deep', [{ kind: 'file', path: `${'n/'.repeat(120)}a.txt`, content: CLEAN_TEXT }], ['n']),
    det('file names with a newline, quotes, unicode and a leading dash', [{ kind: 'file', path: 'w/line\nbreak.txt', content: CLEAN_TEXT }, { kind: 'file', path: 'w/"q\'.txt', content: CLEAN_TEXT }, { kind: 'file', path: 'w/ünï😀.txt', content: CLEAN_TEXT }, { kind: 'file', path: 'w/-rf.txt', content: CLEAN_TEXT }], ['w']),
    det('an input named like a flag', [{ kind: 'file', path: '--json', content: CLEAN_TEXT }], ['--', '--json']),
    det('an input path of 4000 characters', [], [`${'x'.repeat(4000)}.txt`], { blame: ['xxxx'], mustFail: true }),
    det('a missing input', [], ['missing.txt'], { blame: ['missing.txt'], mustFail: true }),
    det('the same file twice through a symlink', [doc, { kind: 'symlink', path: 'd/again.txt', target: 'a.txt' }], ['d']),
    det('a report path that is a directory', [doc, { kind: 'dir', path: 'out.html' }], ['d'], { blame: ['out.html'], mustFail: true }, ['--report', 'out.html']),
  ];
  const keygen = (label: string, entries: Entry[], out: string, verify: CliCase['verify']): CliCase => ({
    family: 'fs',
    label: `keygen --force: ${label}`,
    entries: [{ kind: 'file', path: 'victim.txt', content: 'victim\n', mode: 0o644 }, ...entries],
    args: ['keygen', '--out', out, '--tokenizer', 'r50k', '--force'],
    allowed: [0, 2],
    blame: [out],
    mustFail: true,
    verify,
  });
  shapes.push(
    keygen('a symlink target', [{ kind: 'symlink', path: 'link.json', target: 'victim.txt' }], 'link.json', unchanged('link.json', 'symlink')),
    keygen('a FIFO target', [{ kind: 'fifo', path: 'pipe.json' }], 'pipe.json', unchanged('pipe.json', 'fifo')),
    keygen('a device target', [{ kind: 'device', path: 'dev.json' }], 'dev.json', unchanged('dev.json', 'device')),
    keygen('a directory target', [{ kind: 'dir', path: 'dir.json' }], 'dir.json', unchanged('dir.json', 'dir')),
  );
  return fc.constantFrom(...shapes);
}

/** All families, weighted toward the ones with the most structure to explore. */
export function anyCase(ctx: FuzzContext): fc.Arbitrary<CliCase> {
  return fc.oneof(
    { weight: 4, arbitrary: jsonlCase(ctx) },
    { weight: 3, arbitrary: keyFileCase(ctx) },
    { weight: 2, arbitrary: tokenizerCase(ctx) },
    { weight: 3, arbitrary: reportCase(ctx) },
    { weight: 2, arbitrary: promptsCase(ctx) },
    { weight: 1, arbitrary: fsCase(ctx) },
  );
}
