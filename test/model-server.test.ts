import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateKey, keyFromBytes, parseKey } from 'radiomark/key';
import type { Watermark } from 'radiomark/sampler';
import { O200K_VOCAB_SIZE, startModelServer, toyVocabulary, type ModelServer } from '../examples/model-server.js';
import { log10BinomialUpperTail } from './adapters-helpers.js';

const key = keyFromBytes(new Uint8Array(32).fill(55), { tokenizer: 'o200k', vocabSize: O200K_VOCAB_SIZE, gamma: 0.25, delta: 2, contextWidth: 2 });

async function post(url: string, body: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // SSE or plain text
  }
  return { status: res.status, json, headers: res.headers };
}

async function stream(url: string, body: unknown): Promise<{ text: string; events: any[] }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...(body as object), stream: true }) });
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const raw = await res.text();
  const events = raw
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6));
  expect(events.at(-1)).toBe('[DONE]');
  const parsed = events.slice(0, -1).map((e) => JSON.parse(e));
  const text = parsed.map((e) => e.choices[0].text ?? e.choices[0].delta?.content ?? '').join('');
  return { text, events: parsed };
}

/** What an investigator sees: re-tokenized text, scored at the positions a session would bias. */
function score(wm: Watermark, pairs: { prompt: string; completion: string }[]): { n: number; green: number } {
  let n = 0;
  let green = 0;
  for (const { prompt, completion } of pairs) {
    const p = encode(prompt);
    const c = encode(completion);
    const s = wm.session({ prompt: p });
    const ctx = [...p];
    for (const t of c) {
      if (s.willBias) {
        n++;
        if (wm.isGreen(ctx, t)) green++;
      }
      s.accept(t);
      ctx.push(t);
    }
  }
  return { n, green };
}

const PROMPTS = ['Once upon a time', 'The weather today is', 'Write about the sea', 'My favourite animal', 'In the city at night', 'A letter to my father', 'The mountain and the river', 'What the children said'];

describe('examples/model-server.ts', () => {
  let server: ModelServer;
  let control: ModelServer;
  beforeAll(async () => {
    server = await startModelServer({ port: 0, key });
    control = await startModelServer({ port: 0, key, watermark: false });
  });
  afterAll(async () => {
    await server.close();
    await control.close();
  });

  test('toy vocabulary: every word is one o200k token and sequences re-tokenize to the same ids', () => {
    const { ids, comma, period } = toyVocabulary();
    expect(ids.length).toBeGreaterThan(250);
    // Any sequence the model can produce: words, and "," or "." only after a word.
    const seq: number[] = [];
    for (let i = 0; seq.length < 600; i++) {
      const t = ids[(i * 7919 + 13) % ids.length]!;
      const punct = (x: number | undefined): boolean => x === comma || x === period;
      if (punct(t) && (seq.length === 0 || punct(seq.at(-1)))) continue;
      seq.push(t);
    }
    expect(encode(seq.map((t) => decode([t])).join(''))).toEqual(seq);
  });

  test('POST /v1/completions: OpenAI shape and usage', async () => {
    const { status, json } = await post(`${server.url}/v1/completions`, { model: 'radiomark-toy', prompt: 'Once upon a time', max_tokens: 24 });
    expect(status).toBe(200);
    expect(json.object).toBe('text_completion');
    expect(json.model).toBe('radiomark-toy');
    expect(json.id).toMatch(/^cmpl-/);
    expect(json.choices).toHaveLength(1);
    expect(json.choices[0]).toMatchObject({ index: 0, logprobs: null });
    expect(['length', 'stop']).toContain(json.choices[0].finish_reason);
    expect(typeof json.choices[0].text).toBe('string');
    expect(json.usage.prompt_tokens).toBe(encode('Once upon a time').length);
    expect(json.usage.completion_tokens).toBe(encode(json.choices[0].text).length);
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
  });

  test('POST /v1/chat/completions and GET /v1/models', async () => {
    const { status, json } = await post(`${server.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'Tell me a story.' }], max_tokens: 20 });
    expect(status).toBe(200);
    expect(json.object).toBe('chat.completion');
    expect(json.choices[0].message.role).toBe('assistant');
    expect(typeof json.choices[0].message.content).toBe('string');
    const models = await (await fetch(`${server.url}/v1/models`)).json();
    expect(models).toMatchObject({ object: 'list', data: [{ id: 'radiomark-toy', object: 'model' }] });
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
  });

  test('served text is watermarked (re-tokenized, exact binomial tail); the unwatermarked control is not', async () => {
    const ask = async (s: ModelServer, i: number) => {
      const prompt = PROMPTS[i % PROMPTS.length]!;
      // Seeded, so the test is deterministic (a seed picks the uniforms, not the green lists).
      const { json } = await post(`${s.url}/v1/completions`, { prompt, max_tokens: 48, temperature: 1, seed: 1000 + i });
      return { prompt, completion: json.choices[0].text as string };
    };
    const marked = await Promise.all(Array.from({ length: 24 }, (_, i) => ask(server, i)));
    const clean = await Promise.all(Array.from({ length: 24 }, (_, i) => ask(control, i)));
    const wm = server.watermark!;
    const m = score(wm, marked);
    const c = score(wm, clean);
    expect(m.n).toBeGreaterThan(300);
    expect(log10BinomialUpperTail(m.green, m.n, wm.greenProbability)).toBeLessThan(-15);
    expect(log10BinomialUpperTail(c.green, c.n, wm.greenProbability)).toBeGreaterThan(-4);
    expect(control.watermark).toBeNull();
  });

  test('seed: reproducible; streaming gives the same text as a plain response (both endpoints)', async () => {
    const body = { prompt: 'The weather today is', max_tokens: 30, temperature: 0.9, top_p: 0.95, seed: 7 };
    const a = await post(`${server.url}/v1/completions`, body);
    const b = await post(`${server.url}/v1/completions`, body);
    expect(a.json.choices[0].text).toBe(b.json.choices[0].text);
    const other = await post(`${server.url}/v1/completions`, { ...body, seed: 8 });
    expect(other.json.choices[0].text).not.toBe(a.json.choices[0].text);
    const s = await stream(`${server.url}/v1/completions`, body);
    expect(s.text).toBe(a.json.choices[0].text);
    expect(s.events.at(-1).choices[0].finish_reason).toBe(a.json.choices[0].finish_reason);
    const chatBody = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 25, seed: 3 };
    const c = await post(`${server.url}/v1/chat/completions`, chatBody);
    const cs = await stream(`${server.url}/v1/chat/completions`, chatBody);
    expect(cs.events[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(cs.text).toBe(c.json.choices[0].message.content);
  });

  test('greedy (temperature 0) is deterministic without a seed', async () => {
    const body = { prompt: 'In the city at night', max_tokens: 20, temperature: 0 };
    const a = await post(`${server.url}/v1/completions`, body);
    const b = await post(`${server.url}/v1/completions`, body);
    expect(a.json.choices[0].text).toBe(b.json.choices[0].text);
  });

  test('concurrent requests give the same text as the same requests one by one (sessions do not interfere)', async () => {
    const slow = await startModelServer({ port: 0, key, tokenDelayMs: 1 });
    try {
      const bodies = PROMPTS.map((prompt, i) => ({ prompt, max_tokens: 20, temperature: 0.8, seed: 100 + i }));
      const sequential: string[] = [];
      for (const b of bodies) sequential.push((await post(`${slow.url}/v1/completions`, b)).json.choices[0].text);
      const concurrent = await Promise.all(bodies.map(async (b) => (await post(`${slow.url}/v1/completions`, b)).json.choices[0].text as string));
      expect(concurrent).toEqual(sequential);
    } finally {
      await slow.close();
    }
  });

  test('prompt forms: several strings (one choice each), token ids; stop sequences', async () => {
    const many = await post(`${server.url}/v1/completions`, { prompt: ['a', 'b', 'c'], max_tokens: 5, seed: 1 });
    expect(many.json.choices.map((c: any) => c.index)).toEqual([0, 1, 2]);
    const ids = await post(`${server.url}/v1/completions`, { prompt: encode('Once upon a time'), max_tokens: 12, seed: 2 });
    const text = await post(`${server.url}/v1/completions`, { prompt: 'Once upon a time', max_tokens: 12, seed: 2 });
    expect(ids.json.choices[0].text).toBe(text.json.choices[0].text);
    const full = text.json.choices[0].text as string;
    const word = full.trim().split(' ')[2]!;
    const stopped = await post(`${server.url}/v1/completions`, { prompt: 'Once upon a time', max_tokens: 12, seed: 2, stop: ` ${word}` });
    expect(stopped.json.choices[0].finish_reason).toBe('stop');
    expect(full.startsWith(stopped.json.choices[0].text)).toBe(true);
    expect(stopped.json.choices[0].text).not.toContain(` ${word}`);
  });

  test('bad requests get OpenAI-style errors', async () => {
    const url = `${server.url}/v1/completions`;
    const cases: [unknown, number, RegExp][] = [
      ['{not json', 400, /not valid JSON/],
      [[1, 2], 400, /must be a JSON object/],
      [{}, 400, /"prompt" must be a string/],
      [{ prompt: 'x', temperature: 3 }, 400, /"temperature" must be a number in \[0, 2\], got 3/],
      [{ prompt: 'x', top_p: 0 }, 400, /"top_p" must be a number in \(0, 1\], got 0/],
      [{ prompt: 'x', max_tokens: 0 }, 400, /"max_tokens" must be an integer in 1\.\.2048, got 0/],
      [{ prompt: 'x', n: 2 }, 400, /"n" must be 1/],
      [{ prompt: 'x', stop: 5 }, 400, /"stop"/],
      [{ prompt: 'x', model: 'gpt-4' }, 404, /does not exist/],
      [{ prompt: [1, O200K_VOCAB_SIZE] }, 400, /"prompt"/],
    ];
    for (const [body, status, msg] of cases) {
      const r = await post(url, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.json.error.message).toMatch(msg);
      expect(r.json.error).toHaveProperty('type');
    }
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(`${server.url}/v2/nothing`, { method: 'POST' })).status).toBe(404);
    const big = await post(url, { prompt: 'x'.repeat(2 << 20) });
    expect(big.status).toBe(413);
  });

  test('fault injection for retry logic: every n-th generation request fails with 503 (or 429)', async () => {
    const flaky = await startModelServer({ port: 0, key, failEvery: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await post(`${flaky.url}/v1/completions`, { prompt: 'x', max_tokens: 2 });
        statuses.push(r.status);
        if (r.status === 503) {
          expect(r.headers.get('retry-after')).toBe('0');
          expect(r.json.error.type).toBe('server_error');
        }
      }
      expect(statuses).toEqual([200, 200, 503, 200, 200, 503]);
      expect(flaky.stats.injected).toBe(2);
    } finally {
      await flaky.close();
    }
    const limited = await startModelServer({ port: 0, key, failEvery: 1, failStatus: 429 });
    try {
      const r = await post(`${limited.url}/v1/completions`, { prompt: 'x' });
      expect(r.status).toBe(429);
      expect(r.json.error.type).toBe('rate_limit_error');
    } finally {
      await limited.close();
    }
  });

  test('refuses a key bound to another tokenizer or a smaller vocabulary', async () => {
    await expect(startModelServer({ key: generateKey({ tokenizer: 'cl100k' }) })).rejects.toThrow(/binds tokenizer "cl100k", but this model speaks o200k/);
    await expect(startModelServer({ key: generateKey({ vocabSize: 50257 }) })).rejects.toThrow(/binds vocabSize 50257, but o200k ids go up to 200018/);
  });
});

describe('examples/model-server.ts as a program', () => {
  test('npx tsx examples/model-server.ts --port 0 --write-key FILE serves, and writes a usable key (mode 0600)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radiomark-server-'));
    const keyFile = join(dir, 'key.json');
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/model-server.ts', '--port', '0', '--write-key', keyFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no "listening" line: ${out}`)), 45_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/\S+) /.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      const { json } = await post(`${url}/v1/completions`, { prompt: 'hello', max_tokens: 5 });
      expect(json.choices[0].text.length).toBeGreaterThan(0);
      const k = parseKey(readFileSync(keyFile, 'utf8'));
      expect(k.params).toMatchObject({ tokenizer: 'o200k', vocabSize: O200K_VOCAB_SIZE });
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
