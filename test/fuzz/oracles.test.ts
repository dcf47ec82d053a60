import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RadiomarkRangeError } from '../../src/errors.js';
import { HTML_MARKER, runCase, type CliCase } from './cli-run.js';
import { judgeError } from './lib-run.js';
import { FUZZ_SECRET_HEX, fuzzLeaks, leakScanner } from './secret.js';

/**
 * The fuzz oracles fire on what they claim to catch (a fuzz suite whose oracles cannot fail proves
 * nothing): each runs here on a stand-in program or error that has exactly that fault.
 */
const root = mkdtempSync(join(tmpdir(), 'radiomark-oracles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const standIn = (code: string, extra: Partial<CliCase> = {}): CliCase => ({ family: 'self', label: code, entries: [], args: [], command: [process.execPath, '-e', code], allowed: [0, 2], ...extra });
const kinds = async (c: CliCase): Promise<string[]> => (await runCase(root, c)).problems.map((p) => p.kind).sort();

describe('CLI oracles', () => {
  it('pass a clean refusal that names its file', async () => {
    expect(await kinds(standIn(`console.error('radiomark detect: a.jsonl:3: not valid JSON'); process.exit(2)`, { blame: ['a.jsonl:3'] }))).toEqual([]);
  });
  it('crash: status 70, a signal, a stack trace, internal text, an undocumented status', async () => {
    expect(await kinds(standIn('process.exit(70)'))).toEqual(['crash']);
    expect(await kinds(standIn(`process.kill(process.pid, 'SIGSEGV')`))).toEqual(['crash']);
    expect(await kinds(standIn(`console.error(new Error('x').stack); process.exit(2)`))).toEqual(['crash']);
    expect(await kinds(standIn(`console.error("radiomark: Cannot read properties of undefined (reading 'x')"); process.exit(2)`))).toEqual(['crash']);
    expect(await kinds(standIn('process.exit(5)'))).toEqual(['crash']);
  });
  it('hang: still running at the time bound', async () => {
    expect(await kinds(standIn('setInterval(() => {}, 1000)', { timeLimitMs: 1500 }))).toEqual(['hang']);
  });
  it('leak: 8 hex digits of the secret on stdout, stderr or in a written file, in either case', async () => {
    expect(await kinds(standIn(`console.log('x${FUZZ_SECRET_HEX.slice(5, 13)}y')`))).toEqual(['leak']);
    expect(await kinds(standIn(`console.error('${FUZZ_SECRET_HEX.slice(20, 28).toUpperCase()}')`))).toEqual(['leak']);
    expect(await kinds(standIn(`require('fs').writeFileSync('out.json', '"${FUZZ_SECRET_HEX}"')`))).toEqual(['leak']);
    expect(await kinds(standIn(`console.log('${FUZZ_SECRET_HEX.slice(5, 12)}')`))).toEqual([]); // 7 digits: below the window
  });
  it('injection: the marker tag unescaped in a written HTML file (escaped is fine)', async () => {
    expect(await kinds(standIn(`require('fs').writeFileSync('r.html', '<p>${HTML_MARKER}>')`))).toEqual(['injection']);
    expect(await kinds(standIn(`require('fs').writeFileSync('r.html', '<p>&lt;x-fuzz-7f3a&gt;')`))).toEqual([]);
  });
  it('unclear: a refusal that does not name its file, an empty one, bad input accepted', async () => {
    expect(await kinds(standIn(`console.error('radiomark detect: bad input'); process.exit(2)`, { blame: ['a.jsonl:3'] }))).toEqual(['unclear']);
    expect(await kinds(standIn('process.exit(2)'))).toEqual(['unclear']);
    expect(await kinds(standIn('process.exit(0)', { mustFail: true }))).toEqual(['unclear']);
  });
  it('unsafe: the verify hook reports', async () => {
    expect(await kinds(standIn('0', { verify: () => 'replaced the symlink' }))).toEqual(['unsafe']);
  });
});

describe('library oracles', () => {
  it('pass radiomark errors and API-named TypeErrors; crash on engine text; leak on key material', () => {
    expect(judgeError(new RadiomarkRangeError('createDetector: decoys must be an integer', { api: 'createDetector', field: 'decoys' }), false).kind).toBeUndefined();
    expect(judgeError(new TypeError('wm.bias: "logits" must be a Float32Array, got null'), false)).toMatchObject({ untyped: true });
    expect(judgeError(new TypeError('wm.bias: "logits" must be a Float32Array, got null'), false).kind).toBeUndefined();
    expect(judgeError(new TypeError("Cannot read properties of undefined (reading 'vocabSize')"), false).kind).toBe('crash');
    expect(judgeError(new RangeError('Maximum call stack size exceeded'), false).kind).toBe('crash');
    expect(judgeError('a string', false).kind).toBe('crash');
    expect(judgeError(new Error('something went wrong'), false).kind).toBe('unclear');
    expect(judgeError(new RangeError('isGreen: token must be an id, got [object Object]'), false).kind).toBe('unclear');
    expect(judgeError(new Error(`parseKey: bad format "${FUZZ_SECRET_HEX.slice(3, 40)}"`), false).kind).toBe('leak');
    expect(judgeError(new RadiomarkRangeError('x: y', { api: 'x' }), true).kind).toBe('crash'); // a valid call must not throw
  });
  it('the leak scanner sees hex in both cases and base64, and not unrelated hex', () => {
    const s = leakScanner('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 12);
    expect(s.find('x 445566778899aa y')).toBeDefined();
    expect(s.find('445566778899AA')).toBeDefined();
    expect(s.find(Buffer.from('00112233445566778899aabbccddeeff', 'hex').toString('base64').slice(2, 16))).toBeDefined();
    expect(s.find('0123456789abcdef0123456789abcdef')).toBeUndefined();
    expect(fuzzLeaks.find('a3f9c0a1b2c3d4e5 (sha256 69db7bf6a6f3fe82dd2e22a662c41322ec344061)')).toBeUndefined();
  });
});
