import { readFileSync, writeFileSync, existsSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetryAfter, resolveEndpoint, retryableStatus } from '../src/cli/openai.js';
import { backoffDelay } from '../src/cli/pacing.js';
import { readDone, readPrompts } from '../src/cli/prompts.js';
import { jsonl, runCli, scratch, spawnCli, startFakeServer, waitFor } from './cli-helpers.js';

const FAST = ['--retry-delay', '5ms', '--retry-max-delay', '40ms'];

describe('probe: building blocks', () => {
  it('backs off exponentially with full jitter, capped, honouring Retry-After up to the cap', () => {
    const b = { baseMs: 500, capMs: 30_000 };
    expect(backoffDelay(0, b, undefined, 0.999)).toBeCloseTo(499.5);
    expect(backoffDelay(3, b, undefined, 0.5)).toBe(2000);
    expect(backoffDelay(20, b, undefined, 0.999)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(0, b, undefined, 0)).toBe(50); // floor
    expect(backoffDelay(0, b, 5_000, 0.1)).toBe(5_000);
    expect(backoffDelay(0, b, 120_000, 0.1)).toBe(30_000);
  });

  it('retries 429, 5xx and timeouts, not other client errors', () => {
    for (const s of [408, 429, 500, 502, 503, 504, 529]) expect(retryableStatus(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 422]) expect(retryableStatus(s)).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('resolves base URLs, full URLs and --api', () => {
    expect(resolveEndpoint('http://127.0.0.1:8080', 'auto')).toEqual([
      { kind: 'completions', url: 'http://127.0.0.1:8080/v1/completions' },
      { kind: 'chat', url: 'http://127.0.0.1:8080/v1/chat/completions' },
    ]);
    expect(resolveEndpoint('https://x.example/v1/', 'chat')).toEqual([{ kind: 'chat', url: 'https://x.example/v1/chat/completions' }]);
    expect(resolveEndpoint('https://x.example/v1/chat/completions', 'auto')).toEqual([{ kind: 'chat', url: 'https://x.example/v1/chat/completions' }]);
    expect(() => resolveEndpoint('ftp://x', 'auto')).toThrow(/http\(s\) URL/);
    expect(() => resolveEndpoint('https://u:p@x.example/v1', 'auto')).toThrow(/credentials/);
    expect(() => resolveEndpoint('https://x.example/v1/completions', 'chat')).toThrow(/contradicts/);
  });

  it('gives prompts stable ids: the id field, else a hash numbered by occurrence', async () => {
    const s = scratch();
    try {
      const f = join(s.dir, 'p.jsonl');
      writeFileSync(f, ['{"prompt":"a"}', '', '{"prompt":"b","id":7}', '{"prompt":"a"}'].join('\n'));
      const items = await readPrompts(f, 'prompt', 'id');
      expect(items.map((i) => i.prompt)).toEqual(['a', 'b', 'a']);
      expect(items[1]!.id).toBe('7');
      expect(items[0]!.id).toMatch(/^h:[0-9a-f]{16}$/);
      expect(items[2]!.id).toBe(`${items[0]!.id}#2`);
      expect((await readPrompts(f, 'prompt', 'id')).map((i) => i.id)).toEqual(items.map((i) => i.id));
      const t = join(s.dir, 'p.txt');
      writeFileSync(t, 'first prompt\r\nsecond prompt\n\n');
      expect((await readPrompts(t, 'prompt', 'id')).map((i) => i.prompt)).toEqual(['first prompt', 'second prompt']);
      writeFileSync(f, '{"prompt":"a"}\n{"text":"b"}\n');
      await expect(readPrompts(f, 'prompt', 'id')).rejects.toThrow(/p\.jsonl:2: field "prompt" is missing/);
      writeFileSync(f, '{"prompt":"a","id":1}\n{"prompt":"b","id":1}\n');
      await expect(readPrompts(f, 'prompt', 'id')).rejects.toThrow(/p\.jsonl:2: duplicate id "1" \(first at .*p\.jsonl:1\)/);
      writeFileSync(f, '{"prompt":"a"}\n{"prompt":\n');
      await expect(readPrompts(f, 'prompt', 'id')).rejects.toThrow(/p\.jsonl:2: not valid JSON/);
    } finally {
      s.cleanup();
    }
  });

  it('repairs an output whose last line was cut by a crash', async () => {
    const s = scratch();
    try {
      const f = join(s.dir, 'out.jsonl');
      writeFileSync(f, '{"id":"a","text":"x"}\n{"id":"b","te');
      const r = await readDone(f);
      expect([...r.ids]).toEqual(['a']);
      expect(r.repaired).toBe(13);
      expect(readFileSync(f, 'utf8')).toBe('{"id":"a","text":"x"}\n');
      expect((await readDone(join(s.dir, 'missing.jsonl'))).ids.size).toBe(0);
      writeFileSync(f, 'not json\n');
      await expect(readDone(f)).rejects.toThrow(/out\.jsonl:1: not valid JSON/);
    } finally {
      s.cleanup();
    }
  });
});

describe('radiomark probe against a fake OpenAI-compatible server', () => {
  let s: ReturnType<typeof scratch>;
  beforeAll(() => {
    s = scratch();
  });
  afterAll(() => s.cleanup());

  const prompts = (name: string, n: number): string => {
    const f = join(s.dir, name);
    writeFileSync(f, Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `prompt number ${i}` })).join('\n') + '\n');
    return f;
  };

  it('retries 429 (Retry-After), 503, dropped connections and garbage, and writes every prompt once', async () => {
    const server = await startFakeServer((req, attempt) => {
      const i = Number(String(req.body.prompt).split(' ').pop());
      if (i % 4 === 0 && attempt === 1) return { kind: 'status', status: 429, retryAfter: '0' };
      if (i % 4 === 1 && attempt <= 2) return { kind: 'status', status: 503 };
      if (i % 4 === 2 && attempt === 1) return { kind: 'drop' };
      if (i === 3 && attempt === 1) return { kind: 'garbage' };
      return { kind: 'ok', text: `answer to ${req.body.prompt}` };
    });
    try {
      const out = join(s.dir, 'retry.jsonl');
      const r = await runCli(['probe', '--endpoint', `${server.url}/v1/completions`, '--prompts', prompts('retry-prompts.jsonl', 20), '--out', out, '--concurrency', '4', '--model', 'm1', '--max-tokens', '12', ...FAST]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/20 prompts: 20 answered now, 0 already/);
      const lines = jsonl(readFileSync(out, 'utf8'));
      expect(lines).toHaveLength(20);
      expect(new Set(lines.map((l) => l.id)).size).toBe(20);
      for (const l of lines) {
        expect(l.text).toBe(`answer to ${l.prompt}`);
        expect(l).toMatchObject({ model: 'fake-model', finish_reason: 'length', api: 'completions' });
      }
      expect(server.seen.every((q) => q.body.model === 'm1' && q.body.max_tokens === 12)).toBe(true);
      expect(existsSync(`${out}.lock`)).toBe(false);
      // A rerun sends nothing.
      const before = server.seen.length;
      const again = await runCli(['probe', '--endpoint', `${server.url}/v1/completions`, '--prompts', join(s.dir, 'retry-prompts.jsonl'), '--out', out, ...FAST]);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/0 answered now, 20 already/);
      expect(server.seen.length).toBe(before);
    } finally {
      await server.close();
    }
  });

  it('falls back to /v1/chat/completions when /v1/completions is 404, and sends the API key from the environment', async () => {
    const server = await startFakeServer((req) =>
      req.path === '/v1/completions' ? { kind: 'status', status: 404 } : { kind: 'ok', text: `chat: ${JSON.stringify((req.body.messages as { content: string }[])[0]!.content)}` },
    );
    try {
      const out = join(s.dir, 'chat.jsonl');
      const r = await runCli(['probe', '--endpoint', server.url, '--prompts', prompts('chat-prompts.jsonl', 5), '--out', out, '--api-key-env', 'FAKE_SUSPECT_KEY', ...FAST], {
        env: { FAKE_SUSPECT_KEY: 'sk-test-not-a-real-key' },
      });
      expect(r.code).toBe(0);
      const lines = jsonl(readFileSync(out, 'utf8'));
      expect(lines).toHaveLength(5);
      expect(lines.every((l) => l.api === 'chat' && String(l.text).startsWith('chat: '))).toBe(true);
      expect(server.seen.filter((q) => q.path === '/v1/completions')).toHaveLength(1);
      expect(server.seen.every((q) => q.authorization === 'Bearer sk-test-not-a-real-key')).toBe(true);
      expect(r.stdout + r.stderr).not.toContain('sk-test-not-a-real-key');
    } finally {
      await server.close();
    }
  });

  it('stops at once on 401 (exit 2, names the status), and reports prompts that keep failing (exit 4: a rerun resumes)', async () => {
    const auth = await startFakeServer(() => ({ kind: 'status', status: 401, body: '{"error":{"message":"bad key"}}' }));
    try {
      const r = await runCli(['probe', '--endpoint', `${auth.url}/v1/completions`, '--prompts', prompts('auth-prompts.jsonl', 30), '--out', join(s.dir, 'auth.jsonl'), '--concurrency', '2', ...FAST]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/refused the request \(HTTP 401: bad key\)/);
      expect(auth.seen.length).toBeLessThanOrEqual(3);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      await auth.close();
    }
    const flaky = await startFakeServer((req) => (String(req.body.prompt).endsWith(' 2') ? { kind: 'status', status: 500 } : String(req.body.prompt).endsWith(' 3') ? { kind: 'status', status: 400 } : { kind: 'ok', text: 'fine' }));
    try {
      const out = join(s.dir, 'flaky.jsonl');
      const r = await runCli(['probe', '--endpoint', `${flaky.url}/v1/completions`, '--prompts', prompts('flaky-prompts.jsonl', 6), '--out', out, '--retries', '2', ...FAST]);
      expect(r.code).toBe(4);
      expect(r.stdout).toMatch(/6 prompts: 4 answered now, 0 already in .*, 2 failed/);
      expect(r.stderr).toMatch(/flaky-prompts\.jsonl:3 .*HTTP 500.*gave up after 2 retries/);
      expect(r.stderr).toMatch(/flaky-prompts\.jsonl:4 .*HTTP 400/);
      expect(r.stderr).toMatch(/rerun the same command/);
      expect(jsonl(readFileSync(out, 'utf8'))).toHaveLength(4);
      expect(flaky.seen.filter((q) => String(q.body.prompt).endsWith(' 2'))).toHaveLength(3);
    } finally {
      await flaky.close();
    }
  });

  it('respects --rate', async () => {
    const server = await startFakeServer(() => ({ kind: 'ok', text: 't' }));
    try {
      const t0 = performance.now();
      const r = await runCli(['probe', '--endpoint', `${server.url}/v1/completions`, '--prompts', prompts('rate-prompts.jsonl', 6), '--out', join(s.dir, 'rate.jsonl'), '--rate', '20', '--concurrency', '6']);
      expect(r.code).toBe(0);
      // 6 requests at 20/s: the last starts >= 250 ms after the first.
      expect(performance.now() - t0).toBeGreaterThan(250);
    } finally {
      await server.close();
    }
  });

  it('on Ctrl-C keeps what was answered, exits 130, and a rerun completes without duplicates', async () => {
    const server = await startFakeServer(() => ({ kind: 'ok', text: 'slow answer', delayMs: 60 }));
    try {
      const out = join(s.dir, 'sigint.jsonl');
      const promptFile = prompts('sigint-prompts.jsonl', 40);
      const args = ['probe', '--endpoint', `${server.url}/v1/completions`, '--prompts', promptFile, '--out', out, '--concurrency', '2'];
      const { child, done } = spawnCli(args);
      await waitFor(() => existsSync(out) && jsonl(readFileSync(out, 'utf8')).length >= 4);
      child.kill('SIGINT');
      const r = await done;
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(/interrupted: finishing the requests in flight/);
      const partial = jsonl(readFileSync(out, 'utf8'));
      expect(partial.length).toBeGreaterThanOrEqual(4);
      expect(partial.length).toBeLessThan(40);
      expect(readFileSync(out, 'utf8').endsWith('\n')).toBe(true);
      const again = await runCli(args);
      expect(again.code).toBe(0);
      const all = jsonl(readFileSync(out, 'utf8'));
      expect(all).toHaveLength(40);
      expect(new Set(all.map((l) => l.id)).size).toBe(40);
    } finally {
      await server.close();
    }
  });

  it('after a kill -9 mid-run (torn last line, stale lock) a rerun loses nothing and duplicates nothing', async () => {
    const server = await startFakeServer((req) => ({ kind: 'ok', text: `reply to ${req.body.prompt}`, delayMs: 40 }));
    try {
      const out = join(s.dir, 'killed.jsonl');
      const promptFile = prompts('killed-prompts.jsonl', 50);
      const args = ['probe', '--endpoint', `${server.url}/v1/completions`, '--prompts', promptFile, '--out', out, '--concurrency', '3'];
      const { child, done } = spawnCli(args);
      await waitFor(() => existsSync(out) && jsonl(readFileSync(out, 'utf8')).length >= 6);
      child.kill('SIGKILL');
      const r = await done;
      expect(r.signal).toBe('SIGKILL');
      expect(existsSync(`${out}.lock`)).toBe(true); // left behind: its process is gone
      const before = jsonl(readFileSync(out, 'utf8'));
      expect(before.length).toBeLessThan(50);
      appendFileSync(out, '{"id":"h:torn","prompt":"half a li'); // a write cut short by the crash
      const again = await runCli(args);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/removed an incomplete last line \(\d+ bytes\)/);
      expect(again.stdout).toMatch(new RegExp(`50 prompts: ${50 - before.length} answered now, ${before.length} already`));
      const all = jsonl(readFileSync(out, 'utf8'));
      expect(all).toHaveLength(50);
      expect(new Set(all.map((l) => l.id)).size).toBe(50);
      expect(all.every((l) => l.text === `reply to ${l.prompt}`)).toBe(true);
      expect(all.slice(0, before.length)).toEqual(before); // nothing written before the crash was touched
    } finally {
      await server.close();
    }
  });

  it('refuses a second probe on the same output while the first runs', async () => {
    const server = await startFakeServer(() => ({ kind: 'ok', text: 'x', delayMs: 500 }));
    try {
      const out = join(s.dir, 'locked.jsonl');
      const promptFile = prompts('locked-prompts.jsonl', 10);
      const args = ['probe', '--endpoint', `${server.url}/v1/completions`, '--prompts', promptFile, '--out', out, '--concurrency', '1'];
      const first = spawnCli(args);
      await waitFor(() => existsSync(`${out}.lock`));
      const second = await runCli(args);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/being written by another probe \(pid \d+/);
      first.child.kill('SIGTERM');
      await first.done;
      // A stale lock (its process is gone) is taken over.
      writeFileSync(`${out}.lock`, '999999999');
      appendFileSync(out, '');
      const third = await runCli([...args.slice(0, -1), '10']);
      expect(third.code).toBe(0);
      expect(jsonl(readFileSync(out, 'utf8'))).toHaveLength(10);
    } finally {
      await server.close();
    }
  });

  it('usage errors exit 2 with a hint and no stack trace', async () => {
    const r = await runCli(['probe', '--prompts', 'x.jsonl', '--out', 'y.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('radiomark probe: --endpoint is required (see radiomark probe --help)\n');
    const r2 = await runCli(['probe', '--endpoint', 'http://127.0.0.1:9', '--prompts', join(s.dir, 'nope.jsonl'), '--out', join(s.dir, 'o.jsonl')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--prompts .*nope\.jsonl: no such file or directory/);
    const r3 = await runCli(['probe', '--endpoint', 'http://127.0.0.1:9', '--prompts', 'p', '--out', 'o', '--concurrency', 'lots']);
    expect(r3.stderr).toMatch(/--concurrency must be an integer in \[1, 1024\], got "lots"/);
    const help = await runCli(['probe', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: radiomark probe/);
  });
});
