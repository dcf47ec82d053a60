import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWatermark, parseKey } from '../src/index.js';
import { loadTokenizer } from '../src/tokenize/index.js';
import type { DetectJson } from '../src/report/model.js';
import { resolveInputs } from '../src/cli/inputs.js';
import { readSource } from '../src/cli/read-source.js';
import { BadLines } from '../src/cli/bad-lines.js';
import { renderReport } from '../src/report/html.js';
import { runCli, scratch, type CliResult } from './cli-helpers.js';
import { toJsonl, writeCorpus } from './cli-fixtures.js';
import { syntheticRun } from './report-helpers.js';

/**
 * Issue 13 (hostile input), the CLI's findings: each case below failed before its fix. Directory
 * walks that loop, key material among the inputs, internal exception text, HTML injection through
 * a result file, keygen --force on a link or a pipe, messages that named the wrong thing, and bad
 * lines reported in another order with tokenizer threads.
 */

let s: ReturnType<typeof scratch>;
const f = (name: string): string => join(s.dir, name);
let secret = '';
let fingerprint = '';
const outputs: string[] = [];

async function cli(args: string[], input?: string): Promise<CliResult> {
  const r = await runCli(args, input === undefined ? {} : { input });
  outputs.push(r.stdout, r.stderr);
  return r;
}

beforeAll(async () => {
  s = scratch('radiomark-hostile-');
  const kg = await runCli(['keygen', '--out', f('key.json'), '--tokenizer', 'r50k']);
  expect(kg.code).toBe(0);
  fingerprint = kg.stdout.trim();
  secret = (JSON.parse(readFileSync(f('key.json'), 'utf8')) as { secret: string }).secret;
  const tok = await loadTokenizer('r50k');
  const wm = createWatermark({ key: parseKey(readFileSync(f('key.json'), 'utf8')) });
  writeFileSync(f('suspect.jsonl'), toJsonl(writeCorpus(tok, wm, { docs: 12, words: 40, marked: true, seed: 5 })));
}, 60_000);

afterAll(() => {
  // No output of any case below holds the secret, or a run of 8 of its digits.
  const all = outputs.join('\n').toLowerCase();
  for (let i = 0; i + 8 <= secret.length; i++) expect(all).not.toContain(secret.slice(i, i + 8));
  s.cleanup();
});

describe('finding 3: directories are walked by real path, each once', () => {
  it('a directory with two symbolic-link loops finishes, lists each file once, warns about nothing', async () => {
    const d = f('loops');
    mkdirSync(join(d, 'sub'), { recursive: true });
    writeFileSync(join(d, 'a.jsonl'), readFileSync(f('suspect.jsonl')));
    writeFileSync(join(d, 'sub', 'b.txt'), 'plain text document');
    symlinkSync('.', join(d, 's1'));
    symlinkSync('.', join(d, 's2'));
    symlinkSync('..', join(d, 'sub', 'up'));
    const r = await resolveInputs([d]);
    expect(r.sources.map((x) => x.path.slice(d.length + 1))).toEqual(['a.jsonl', 'sub/b.txt']);
    expect(r.duplicates).toEqual([]);
    const run = await cli(['detect', '--key', f('key.json'), '--json', d]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect((JSON.parse(run.stdout) as DetectJson).inputs).toHaveLength(2);
  });

  it('a file or directory given again is read once and named once', async () => {
    const d = f('loops');
    const r = await resolveInputs([d, join(d, 'a.jsonl'), join(d, 's1'), d]);
    expect(r.sources).toHaveLength(2);
    expect(r.duplicates).toEqual([join(d, 'a.jsonl'), join(d, 's1'), d]);
  });
});

describe('finding 4: key material is never read as suspect text', () => {
  it('refuses a copy of the key among the inputs (any extension, any case), naming the key, quoting nothing', async () => {
    writeFileSync(f('key-copy.txt'), readFileSync(f('key.json')));
    writeFileSync(f('bare-secret.txt'), `notes ${secret.toUpperCase()} more notes`);
    for (const name of ['key-copy.txt', 'bare-secret.txt']) {
      const r = await cli(['detect', '--key', f('key.json'), '--report', f('leak.html'), f('suspect.jsonl'), f(name)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`radiomark detect: ${f(name)} holds the secret of key ${fingerprint}: key material is never read as suspect text (remove the key file from the inputs)\n`);
      expect(existsSync(f('leak.html'))).toBe(false);
    }
  });

  it('refuses a key file inside an input directory even with --skip-bad-lines --json', async () => {
    const d = f('with-key');
    mkdirSync(d);
    writeFileSync(join(d, 'a.jsonl'), readFileSync(f('suspect.jsonl')));
    writeFileSync(join(d, 'k.jsonl'), readFileSync(f('key.json')));
    const r = await cli(['detect', '--key', f('key.json'), '--skip-bad-lines', '--json', d]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/with-key\/k\.jsonl:\d+ holds the secret of key [0-9a-f]{16}: key material is never read/);
  });

  it('refuses another key file, and a "secret" field, even when no loaded key matches', async () => {
    const other = await cli(['keygen', '--out', f('other-key.json'), '--tokenizer', 'r50k']);
    expect(other.code).toBe(0);
    const otherSecret = (JSON.parse(readFileSync(f('other-key.json'), 'utf8')) as { secret: string }).secret;
    writeFileSync(f('other.txt'), readFileSync(f('other-key.json')));
    writeFileSync(f('edited.jsonl'), `{"text": "x"}\n  "secret": "${otherSecret}",\n`);
    const a = await cli(['detect', '--key', f('key.json'), '--skip-bad-lines', f('other.txt')]);
    expect(a.stderr).toMatch(/other\.txt is \(or holds\) a radiomark key file: key material is never read/);
    const b = await cli(['detect', '--key', f('key.json'), '--skip-bad-lines', '--json', f('edited.jsonl')]);
    expect(b.stderr).toMatch(/edited\.jsonl:2 holds a "secret" field with a hex key/);
    for (const r of [a, b]) {
      expect(r.code).toBe(2);
      expect((r.stdout + r.stderr).toLowerCase()).not.toContain(otherSecret.slice(0, 8));
    }
  });

  it('refuses key material as --filter and as probe --prompts (which would send it to an endpoint)', async () => {
    const fl = await cli(['detect', '--key', f('key.json'), '--filter', f('key.json'), f('suspect.jsonl')]);
    expect(fl.code).toBe(2);
    expect(fl.stderr).toMatch(/key\.json holds the secret of key/);
    const pr = await cli(['probe', '--endpoint', 'http://127.0.0.1:9/v1', '--prompts', f('key.json'), '--out', f('never.jsonl')]);
    expect(pr.code).toBe(2);
    expect(pr.stderr).toMatch(/--prompts .*key\.json is \(or holds\) a radiomark key file: key material is never sent to an endpoint/);
    expect(existsSync(f('never.jsonl'))).toBe(false);
  });
});

describe('finding 4: a malformed key file is described, never quoted', () => {
  it('a secret pasted into any field, or as a field name, never reaches the message', async () => {
    const good = JSON.parse(readFileSync(f('key.json'), 'utf8')) as Record<string, unknown> & { scheme: Record<string, unknown> };
    const edits: [string, (k: typeof good) => void, RegExp][] = [
      // The key room describes such values by length (issue 13 finding 4); the CLI's own check of
      // the message is the second line of defence.
      ['format', (k) => (k.format = secret), /key-format\.json: .*"format".*not shown/],
      ['fingerprint', (k) => (k.fingerprint = secret), /"fingerprint".*not shown/],
      ['version', (k) => (k.version = secret), /"version".*not shown/],
      ['field', (k) => (k.scheme[secret] = 1), /key-field\.json: .*not shown/],
      ['tokenizer', (k) => (k.scheme.tokenizer = secret), /scheme\.tokenizer.*key material|key material.*scheme\.tokenizer/],
      ['hf', (k) => (k.scheme.tokenizer = `hf:${secret.toUpperCase()}`), /key material/],
    ];
    for (const [name, edit, re] of edits) {
      const k = JSON.parse(JSON.stringify(good)) as typeof good;
      edit(k);
      writeFileSync(f(`key-${name}.json`), JSON.stringify(k), { mode: 0o600 });
      const r = await cli(['detect', '--key', f(`key-${name}.json`), '--debug', f('suspect.jsonl')]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(re);
      expect(r.stderr.toLowerCase(), name).not.toContain(secret.toLowerCase().slice(0, 8));
    }
  });

  it('a key family among several --key is refused, naming its fingerprint (never tested as its master key alone)', async () => {
    const kg = await cli(['keygen', '--out', f('family.json'), '--tokenizer', 'r50k', '--cohorts', '4']);
    const r = await cli(['detect', '--key', f('key.json'), '--key', f('family.json'), f('suspect.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`is a key family (fingerprint ${kg.stdout.trim()}): test it alone`);
  });
});

describe('fuzz findings (qa\'s suite): named pipes, empty results, V8 text, messages that quote the key', () => {
  it('a named pipe nothing writes to is refused (as --key and as an input) instead of blocking; one with a writer is read', async () => {
    execFileSync('mkfifo', [f('nowriter.fifo')]);
    execFileSync('mkfifo', [f('nowriter.jsonl')]);
    const [asKey, asInput] = await Promise.all([
      cli(['detect', '--key', f('nowriter.fifo'), f('suspect.jsonl')]),
      cli(['detect', '--key', f('key.json'), f('nowriter.jsonl')]),
    ]);
    expect(asKey.code).toBe(2);
    expect(asKey.stderr).toBe(`radiomark detect: --key ${f('nowriter.fifo')}: a named pipe that nothing wrote to within 10 s\n`);
    expect(asInput.code).toBe(2);
    expect(asInput.stderr).toBe(`radiomark detect: ${f('nowriter.jsonl')}: a named pipe that nothing wrote to within 10 s\n`);
    execFileSync('mkfifo', [f('fed.jsonl')]);
    const feeder = spawn(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(f('fed.jsonl'))}, require('fs').readFileSync(${JSON.stringify(f('suspect.jsonl'))}))`]);
    const fedDone = new Promise((r) => feeder.on('close', r));
    const fed = await cli(['detect', '--key', f('key.json'), '--json', f('fed.jsonl')]);
    await fedDone;
    expect(fed.code, fed.stderr).toBe(0);
    expect((JSON.parse(fed.stdout) as DetectJson).documents).toBe(12);
  });

  it('when no document could be read, the message names the input and the first bad line', async () => {
    writeFileSync(f('all-bad.jsonl'), '"a string"\n{"text": 1}\n');
    const r = await cli(['detect', '--key', f('key.json'), '--skip-bad-lines', f('all-bad.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`radiomark detect: ${f('all-bad.jsonl')}: no document could be read: 2 bad lines skipped, the first ${f('all-bad.jsonl')}:1: expected a JSON object, got a string\n`);
  });

  it('invalid JSON is described in our words: V8 text that quotes the line never passes', async () => {
    writeFileSync(f('nan.jsonl'), 'NaN\n');
    const r = await cli(['detect', '--key', f('key.json'), f('nan.jsonl')]);
    expect(r.stderr).toBe(`radiomark detect: ${f('nan.jsonl')}:1: not valid JSON (pass --skip-bad-lines to count such lines and continue)\n`);
    writeFileSync(f('p.jsonl'), '{"prompt": "a"}\nNaN\n');
    const p = await cli(['probe', '--endpoint', 'http://127.0.0.1:9/v1', '--prompts', f('p.jsonl'), '--out', f('p-out.jsonl')]);
    expect(p.stderr).toBe(`radiomark probe: ${f('p.jsonl')}:2: not valid JSON\n`);
  });

  it('a message from another room that would quote the key\'s secret is withheld', async () => {
    const tj = JSON.parse(readFileSync('test/fixtures/tokenizer/tiny-bpe/tokenizer.json', 'utf8')) as { model: { vocab: Record<string, unknown> } };
    tj.model.vocab['gås'] = secret;
    mkdirSync(f('secret-tok'));
    writeFileSync(f('secret-tok/tokenizer.json'), JSON.stringify(tj));
    const r = await cli(['detect', '--key', f('key.json'), '--tokenizer', f('secret-tok/tokenizer.json'), f('suspect.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--tokenizer ${f('secret-tok/tokenizer.json')}`); // where it came from is kept
    expect(r.stderr).toContain('[key material withheld]');
    expect(r.stderr.toLowerCase()).not.toContain(secret.slice(0, 8));
  });

  it('probe reports the first bad line in line order, a later line\'s bad UTF-8 byte after it', async () => {
    writeFileSync(f('order.jsonl'), Buffer.concat([Buffer.from("{'prompt': 'x'}\n{\"prompt\": \"a"), Buffer.from([0x80]), Buffer.from('"}\n')]));
    const p = await cli(['probe', '--endpoint', 'http://127.0.0.1:9/v1', '--prompts', f('order.jsonl'), '--out', f('order-out.jsonl')]);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(new RegExp(`^radiomark probe: ${f('order.jsonl')}:1: not valid JSON`));
    writeFileSync(f('order2.jsonl'), Buffer.concat([Buffer.from('{"prompt": "x"}\n{"prompt": "a'), Buffer.from([0x80]), Buffer.from('"}\n')]));
    const q = await cli(['probe', '--endpoint', 'http://127.0.0.1:9/v1', '--prompts', f('order2.jsonl'), '--out', f('order-out.jsonl')]);
    expect(q.stderr).toBe(`radiomark probe: ${f('order2.jsonl')}:2: not valid UTF-8 (byte 0x80)\n`);
  });
});

describe('finding 5: no internal exception text reaches the user', () => {
  const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;

  it('a JSON value nested 100,000 deep is a bad line with its line number, and --skip-bad-lines skips it', async () => {
    const good = readFileSync(f('suspect.jsonl'), 'utf8').split('\n').filter(Boolean);
    writeFileSync(f('deep.jsonl'), [good[0], `{"text": ${deep(100_000)}}`, good[1], `{"tokens": ${deep(5000)}}`].join('\n') + '\n');
    const strict = await cli(['detect', '--key', f('key.json'), f('deep.jsonl')]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toBe(`radiomark detect: ${f('deep.jsonl')}:2: field "text" must be a string, got an array (pass --skip-bad-lines to count such lines and continue)\n`);
    const skip = await cli(['detect', '--key', f('key.json'), '--skip-bad-lines', '--json', f('deep.jsonl')]);
    expect(skip.code).toBe(0);
    const j = JSON.parse(skip.stdout) as DetectJson;
    expect(j.documents).toBe(2);
    expect(j.badLines.byReason).toEqual({ wrongType: 1, missingField: 1 });
    writeFileSync(f('deep-tokens.jsonl'), `{"tokens": [1, 2, 3, 4, 5]}\n{"tokens": ${deep(5000)}}\n`);
    const toks = await cli(['detect', '--key', f('key.json'), '--tokens', '--skip-bad-lines', '--json', f('deep-tokens.jsonl')]);
    expect(toks.code).toBe(0);
    expect((JSON.parse(toks.stdout) as DetectJson).badLines.examples).toEqual([
      { where: `${f('deep-tokens.jsonl')}:2`, reason: 'invalidToken', message: 'field "tokens"[0] must be an integer id in [0, 50257), got an array(1)' },
    ]);
  });

  it('a text or line over the size cap is reported (tooLarge) and ends that input, never read whole', async () => {
    // The accounting, with a cap of 64 kB: /dev/zero (endless) stops just past it, as text and as JSONL.
    for (const format of ['text', 'jsonl'] as const) {
      const bad = new BadLines(true);
      const st = await readSource({ path: '/dev/zero', size: undefined }, { format, bad, maxBytes: 65_536 }, {});
      expect(st.truncated).toBe(true);
      expect(st.bytes).toBeGreaterThan(65_536);
      expect(st.bytes).toBeLessThanOrEqual(65_536 + (1 << 18));
      expect(bad.examples).toEqual([
        format === 'text'
          ? { where: '/dev/zero', reason: 'tooLarge', message: 'text larger than 65536 bytes (one document per text file); the rest is not read: split it or use JSONL' }
          : { where: '/dev/zero:1', reason: 'tooLarge', message: 'line longer than 65536 bytes (is this JSONL?); the rest of the file is not read' },
      ]);
    }
    // The CLI's own cap (256 MiB), once.
    const r = await cli(['detect', '--key', f('key.json'), '--format', 'text', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('radiomark detect: /dev/zero: text larger than 256 MiB (one document per text file); the rest is not read: split it or use JSONL (pass --skip-bad-lines to count such lines and continue)\n');
  });

  it('radiomark report refuses a null, a deeply nested or a mistyped entry, naming the field (and never blames --out)', async () => {
    const base = syntheticRun();
    const cases: [(j: Record<string, unknown>) => void, RegExp][] = [
      [(j) => ((j.keys as unknown[])[0] = null), /field "keys\[0\]" must be an object, got null/],
      [(j) => (j.warnings = ['DEEP']), /field "warnings\[0\]" must be a string, got an array\(1\)/],
      [(j) => (((j.keys as Record<string, unknown>[])[0]!.perDocument as Record<string, unknown>[])[0]!.index = '<b>forged</b>'), /field "keys\[0\]\.perDocument\[0\]\.index" must be an integer >= 0, got "<b>forged<\/b>"/],
      [(j) => delete j.timing, /field "timing" must be an object, got nothing \(the field is missing\)/],
      [(j) => ((j.keys as Record<string, unknown>[])[0]!.log10PValue = 5), /field "keys\[0\]\.log10PValue" must be a log10 p-value \(a finite number <= 0\), got 5/],
    ];
    for (const [edit, re] of cases) {
      const j = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
      edit(j);
      // JSON.stringify cannot write 20,000 levels: the nested value goes in as text.
      writeFileSync(f('bad-result.json'), JSON.stringify(j).replace('["DEEP"]', `[${deep(20_000)}]`));
      const r = await cli(['report', f('bad-result.json'), '--out', f('bad.html')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).toMatch(/^radiomark report: .*bad-result\.json: /);
      expect(existsSync(f('bad.html'))).toBe(false);
    }
  });
});

describe('finding 6: the report escapes every interpolated field', () => {
  it('renders forged strings in every field as text, quotes included', () => {
    const run = syntheticRun() as unknown as Record<string, unknown>;
    const evil = `"><style>body{display:none}</style><b x='1'>`;
    const k = (run.keys as Record<string, unknown>[])[0]!;
    (k.perDocument as Record<string, unknown>[])[0]!.index = evil; // a number in a valid file
    k.fingerprint = evil;
    k.skipped = { [evil]: 3 };
    (run.tool as Record<string, unknown>).version = evil;
    run.createdAt = evil;
    const html = renderReport(run as unknown as DetectJson, { where: evil, omitted: 0, tokens: [{ text: evil, status: 'green', ids: [1] }] });
    expect(html).not.toContain('<style>body');
    expect(html).not.toContain(`"><style`);
    expect(html).not.toContain(`<b x=`);
    expect(html).toContain('&quot;&gt;&lt;style&gt;body{display:none}&lt;/style&gt;&lt;b x=&#39;1&#39;&gt;');
  });
});

describe('finding 7: keygen --force replaces only a regular file', () => {
  it('refuses a symbolic link and a named pipe at --out, and leaves them as they were', async () => {
    writeFileSync(f('precious.txt'), 'precious');
    symlinkSync(f('precious.txt'), f('link.json'));
    execFileSync('mkfifo', [f('pipe.json')]);
    const link = await cli(['keygen', '--out', f('link.json'), '--tokenizer', 'r50k', '--force']);
    expect(link.code).toBe(2);
    expect(link.stderr).toBe(`radiomark keygen: --out ${f('link.json')}: is a symbolic link; a key file is only written to a new or regular file\n`);
    expect(lstatSync(f('link.json')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(f('link.json'))).toBe(f('precious.txt'));
    expect(readFileSync(f('precious.txt'), 'utf8')).toBe('precious');
    const pipe = await cli(['keygen', '--out', f('pipe.json'), '--tokenizer', 'r50k', '--force']);
    expect(pipe.code).toBe(2);
    expect(pipe.stderr).toMatch(/--out .*pipe\.json: is a named pipe; a key file is only written to a new or regular file/);
    expect(lstatSync(f('pipe.json')).isFIFO()).toBe(true);
    const plain = await cli(['keygen', '--out', f('precious.txt'), '--tokenizer', 'r50k', '--force']);
    expect(plain.code).toBe(0);
  });
});

describe('finding 8: messages name the right thing', () => {
  it('--filter DIR and --filter - say it is the --filter argument', async () => {
    const dir = await cli(['detect', '--key', f('key.json'), '--filter', s.dir, f('suspect.jsonl')]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toBe(`radiomark detect: --filter ${s.dir}: is a directory; give one file (JSONL or text) of the owner's own watermarked data\n`);
    const missing = await cli(['detect', '--key', f('key.json'), '--filter', f('nope.jsonl'), f('suspect.jsonl')]);
    expect(missing.stderr).toBe(`radiomark detect: --filter ${f('nope.jsonl')}: no such file or directory\n`);
  });

  it('a tokenizer.json with an id past what a key binds names --tokenizer and the file', async () => {
    const tj = JSON.parse(readFileSync('test/fixtures/tokenizer/tiny-bpe/tokenizer.json', 'utf8')) as { added_tokens: { id: number; content: string }[] };
    tj.added_tokens.push({ ...tj.added_tokens[0]!, id: 1e9, content: '<|huge|>' });
    mkdirSync(f('huge-tok'));
    writeFileSync(f('huge-tok/tokenizer.json'), JSON.stringify(tj));
    const r = await cli(['keygen', '--out', f('huge.json'), '--tokenizer', f('huge-tok/tokenizer.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^radiomark keygen: --tokenizer ${f('huge-tok/tokenizer.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(r.stderr).not.toMatch(/serializeKey/);
  });

  it('the first error and the bad-line examples are the same for every --threads value', async () => {
    const good = readFileSync(f('suspect.jsonl'), 'utf8').split('\n').filter(Boolean);
    const lines = [...good.slice(0, 3), 'not json', ...good.slice(3, 12), ...good, '{"text": 7}'];
    const bytes = Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from('{"text": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n'), Buffer.from(good[0] + '\n')]);
    writeFileSync(f('order.jsonl'), bytes);
    writeFileSync(f('empty.jsonl'), '');
    const firsts = new Set<string>();
    const examples = new Set<string>();
    for (const t of ['0', '1', '2']) {
      const strict = await cli(['detect', '--key', f('key.json'), '--threads', t, f('order.jsonl'), f('empty.jsonl')]);
      expect(strict.code).toBe(2);
      firsts.add(strict.stderr);
      const skip = await cli(['detect', '--key', f('key.json'), '--threads', t, '--skip-bad-lines', '--json', f('order.jsonl'), f('empty.jsonl')]);
      examples.add(JSON.stringify((JSON.parse(skip.stdout) as DetectJson).badLines.examples.map((e) => [e.where, e.reason])));
    }
    expect([...firsts]).toEqual([`radiomark detect: ${f('order.jsonl')}:4: not valid JSON: Unexpected token 'o' (pass --skip-bad-lines to count such lines and continue)\n`]);
    expect([...examples]).toEqual([
      JSON.stringify([
        [`${f('order.jsonl')}:4`, 'invalidJson'],
        [`${f('order.jsonl')}:26`, 'wrongType'],
        [`${f('order.jsonl')}:27`, 'invalidUtf8'],
        [f('empty.jsonl'), 'emptyFile'],
      ]),
    ]);
  }, 120_000);
});
