import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKey, type SecretKey } from 'radiomark';
import { startModelServer } from '../examples/model-server.js';
import type { DetectJson } from '../src/report/model.js';
import { jsonl, runCli, scratch, spawnCli, waitFor } from './cli-helpers.js';
import { rng, WORDS } from './cli-fixtures.js';

/**
 * The closed-model setting end to end, on loopback only: keygen -> the example model server
 * (examples/model-server.ts, o200k toy LM behind the real sampler) -> radiomark probe (with
 * injected 503s and a kill -9 mid-run) -> radiomark detect on what was collected.
 */

let s: ReturnType<typeof scratch>;
let key: SecretKey;
const f = (name: string): string => join(s.dir, name);
const FAST = ['--retry-delay', '5ms', '--retry-max-delay', '50ms'];

function writePrompts(name: string, n: number, seed: number): string {
  const r = rng(seed);
  const lines = Array.from({ length: n }, () => JSON.stringify({ prompt: Array.from({ length: 5 }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ') }));
  writeFileSync(f(name), `${lines.join('\n')}\n`);
  return f(name);
}

async function detectJson(file: string, extra: string[] = []): Promise<{ code: number | null; json: DetectJson }> {
  const r = await runCli(['detect', '--key', f('key.json'), '--json', ...extra, file]);
  expect(r.stderr).toBe('');
  return { code: r.code, json: JSON.parse(r.stdout) as DetectJson };
}

beforeAll(async () => {
  s = scratch();
  const r = await runCli(['keygen', '--out', f('key.json'), '--tokenizer', 'o200k']);
  expect(r.code).toBe(0);
  key = parseKey(readFileSync(f('key.json'), 'utf8'));
});
afterAll(() => s.cleanup());

describe('probe -> detect against the example model server on 127.0.0.1', () => {
  it('collects every completion despite injected 503s, and detect finds the watermark', async () => {
    const server = await startModelServer({ port: 0, host: '127.0.0.1', key, failEvery: 5, tokenDelayMs: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const out = f('suspect.jsonl');
      const r = await runCli(['probe', '--endpoint', `${server.url}/v1`, '--model', 'radiomark-toy', '--prompts', writePrompts('p1.jsonl', 40, 1), '--out', out, '--max-tokens', '60', '--concurrency', '4', ...FAST]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(server.stats.injected).toBeGreaterThan(0);
      const lines = jsonl(readFileSync(out, 'utf8'));
      expect(lines).toHaveLength(40);
      expect(new Set(lines.map((l) => l.id)).size).toBe(40);
      expect(lines.every((l) => l.model === 'radiomark-toy' && l.api === 'completions' && typeof l.text === 'string')).toBe(true);
      const d = await detectJson(out, ['--fail-on', 'detect']);
      expect(d.code).toBe(1);
      expect(d.json.verdict).toBe('detected');
      expect(d.json.keys[0]!.fingerprint).toBe(server.fingerprint);
      expect(d.json.keys[0]!.skipped.promptWindow).toBeGreaterThanOrEqual(0);
    } finally {
      await server.close();
    }
  });

  it('resumes after the probe is killed mid-run: no line lost, none duplicated, still detected', async () => {
    const server = await startModelServer({ port: 0, host: '127.0.0.1', key, tokenDelayMs: 3 });
    try {
      const out = f('killed.jsonl');
      const args = ['probe', '--endpoint', `${server.url}/v1/completions`, '--prompts', writePrompts('p2.jsonl', 36, 2), '--out', out, '--max-tokens', '30', '--concurrency', '3', ...FAST];
      const { child, done } = spawnCli(args);
      await waitFor(() => existsSync(out) && jsonl(readFileSync(out, 'utf8')).length >= 6);
      child.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
      const before = readFileSync(out, 'utf8');
      const kept = jsonl(before.slice(0, before.lastIndexOf('\n') + 1));
      expect(kept.length).toBeLessThan(36);
      const again = await runCli(args);
      expect(again.code).toBe(0);
      const all = jsonl(readFileSync(out, 'utf8'));
      expect(all).toHaveLength(36);
      expect(new Set(all.map((l) => l.id)).size).toBe(36);
      expect(all.slice(0, kept.length)).toEqual(kept);
      const d = await detectJson(out);
      expect(d.json.verdict).toBe('detected');
    } finally {
      await server.close();
    }
  });

  it('the same model served without the watermark (control) is not detected', async () => {
    const server = await startModelServer({ port: 0, host: '127.0.0.1', key, watermark: false });
    try {
      const out = f('control.jsonl');
      const r = await runCli(['probe', '--endpoint', `${server.url}/v1/chat/completions`, '--prompts', writePrompts('p3.jsonl', 40, 3), '--out', out, '--max-tokens', '60', ...FAST]);
      expect(r.code).toBe(0);
      expect(jsonl(readFileSync(out, 'utf8')).every((l) => l.api === 'chat')).toBe(true);
      const d = await detectJson(out, ['--fail-on', 'detect', '--decoys', '20']);
      expect(d.code).toBe(0);
      expect(d.json.verdict).toBe('not-detected');
      expect(d.json.keys[0]!.decoys!.uniform).toBe(true);
    } finally {
      await server.close();
    }
  });
});
