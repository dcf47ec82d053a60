/**
 * A small OpenAI-compatible model server whose sampler is wrapped by a radiomark session: the shape
 * a real server takes (prompt ids in, one `session.sample` per generated token, text out), and a
 * target for `radiomark probe`.
 *
 * The model is an embedded toy language model over the o200k tokenizer (vocabulary 200,019 ids, so
 * the watermark and the detector use real token ids): a seeded order-2 model over a few hundred
 * common English words (each a single o200k token with its leading space) plus "," and ".", with an
 * end-of-text after some sentences. Its logits are a full 200,019-wide vector with every other id at
 * -Infinity, as a real model's masked vocabulary would be. Re-tokenizing its text with o200k gives
 * back exactly the ids it sampled, so `radiomark detect --tokenizer o200k` sees what was marked.
 *
 *   npx tsx examples/model-server.ts --port 8000 [--key key.json | --write-key key.json]
 *       [--no-watermark] [--fail-every N] [--token-delay-ms N] [--host 127.0.0.1]
 *
 * Endpoints: POST /v1/completions, POST /v1/chat/completions (both with `stream`), GET /v1/models,
 * GET /health. Request fields: prompt (string, string[], or token ids) / messages, max_tokens,
 * temperature (0 = greedy), top_p, top_k and min_p (extensions), seed, stop, stream, n (1 only).
 *
 * Import it from tests: `const server = await startModelServer({ port: 0, key }); ...; await server.close()`.
 */
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { generateKey, parseKey, serializeKey, type SecretKey } from 'radiomark/key';
import { createWatermark, type SampleOptions, type Watermark, type WatermarkSession } from 'radiomark/sampler';

/** tiktoken's n_vocab for o200k_base (ids 0..200018, specials included). */
export const O200K_VOCAB_SIZE = 200_019;
/** o200k's `<|endoftext|>`. */
export const END_OF_TEXT = 199_999;

/** Options of {@link startModelServer}. */
export interface ModelServerOptions {
  /** TCP port (default 0: an ephemeral port; read it from the returned `url`). */
  readonly port?: number;
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** The watermark key (default: a fresh key from `generateKey`). Its bound parameters apply. */
  readonly key?: SecretKey;
  /** Serve watermarked text (default true); false serves the same model unwatermarked (a control). */
  readonly watermark?: boolean;
  /** Scheme parameters when the key does not bind them (defaults: the package's). */
  readonly gamma?: number;
  readonly delta?: number;
  readonly contextWidth?: number;
  /** Repeated-context masking (default true). */
  readonly masking?: boolean;
  /** The model name reported and accepted (default `radiomark-toy`). */
  readonly modelName?: string;
  /** Seed of the toy model's tables (default 1): the same seed is the same model. */
  readonly modelSeed?: number;
  /** Fault injection for clients' retry logic: every n-th generation request fails (default: never). */
  readonly failEvery?: number;
  /** Status of injected failures (default 503; 429 is the other transient one clients see). */
  readonly failStatus?: number;
  /** Delay between generated tokens, in ms (default 0); makes requests overlap in tests. */
  readonly tokenDelayMs?: number;
  /** Largest accepted max_tokens (default 2048). */
  readonly maxTokensLimit?: number;
}

/** A running server. */
export interface ModelServer {
  /** Base URL, e.g. `http://127.0.0.1:39123` (endpoints under `/v1`). */
  readonly url: string;
  readonly port: number;
  /** The watermark in use, or null when serving unwatermarked. */
  readonly watermark: Watermark | null;
  /** The key's fingerprint (also when serving unwatermarked). */
  readonly fingerprint: string;
  /** Requests served so far, by outcome. */
  readonly stats: { requests: number; completions: number; failures: number; injected: number };
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * The toy model's vocabulary: common English words, kept when `' ' + word` is a single o200k
 * token, plus "," and ".". Exported for tests (re-tokenization round trip).
 */
export function toyVocabulary(): { ids: Int32Array; comma: number; period: number } {
  const ids: number[] = [];
  for (const w of WORDS.split(/\s+/)) {
    if (!w) continue;
    const e = encode(` ${w}`);
    if (e.length === 1 && !ids.includes(e[0]!)) ids.push(e[0]!);
  }
  const comma = encode(',')[0]!;
  const period = encode('.')[0]!;
  ids.push(comma, period);
  return { ids: Int32Array.from(ids), comma, period };
}

/** The embedded language model: logits for the next token given the last two. */
class ToyModel {
  readonly vocab: Int32Array;
  private readonly period: number;
  private readonly comma: number;
  private readonly prior: Float32Array;
  private readonly seed: number;

  constructor(seed: number) {
    const v = toyVocabulary();
    this.vocab = v.ids;
    this.period = v.period;
    this.comma = v.comma;
    this.seed = seed | 0;
    // Zipf-like prior over the word list's order (common words first), punctuation in the middle.
    this.prior = Float32Array.from(this.vocab, (id, r) => (id === v.period || id === v.comma ? -2.2 : -0.9 * Math.log(2 + r)));
  }

  /** Fills `out` (200,019 wide, -Infinity elsewhere, maintained by the caller) for context (a, b). */
  next(a: number, b: number, out: Float32Array): void {
    const vocab = this.vocab;
    for (let j = 0; j < vocab.length; j++) {
      const id = vocab[j]!;
      // A deterministic pseudo-normal per (a, b, id): the "learned" part of the model.
      let x = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + this.seed, 0xc2b2ae35) ^ Math.imul(id, 0x27d4eb2f);
      let g = 0;
      for (let k = 0; k < 3; k++) {
        x ^= x >>> 15;
        x = Math.imul(x, 0x2c1b3c6d);
        x ^= x >>> 12;
        g += (x >>> 8) / 16777216;
      }
      out[id] = this.prior[j]! + 2.2 * (g - 1.5);
    }
    if (b === this.period || b === this.comma) {
      out[this.period] = -Infinity; // no ". ." or ", ."
      out[this.comma] = -Infinity;
    }
    out[END_OF_TEXT] = b === this.period ? -0.5 : -Infinity;
  }
}

/** The embedded model as a plain function, for code that is not a server (see examples/serving-quickstart.ts). */
export interface ToyLanguageModel {
  /** Width of `logits()`: o200k's 200,019 ids. */
  readonly vocabSize: number;
  /** Next-token logits after `ids` (a fresh Float32Array; -Infinity outside the toy vocabulary). */
  logits(ids: ArrayLike<number>): Float32Array;
  /** o200k encoding (special-token text is plain text). */
  encode(text: string): number[];
  /** o200k decoding. */
  decode(ids: readonly number[]): string;
}

/**
 * The server's toy model without the server.
 *
 * @param seed - model seed (default 1, the server's)
 * @returns a {@link ToyLanguageModel}
 * @example
 * ```ts
 * const model = createToyModel();
 * const logits = model.logits(model.encode('Once upon a time'));
 * ```
 */
export function createToyModel(seed = 1): ToyLanguageModel {
  const m = new ToyModel(seed);
  return {
    vocabSize: O200K_VOCAB_SIZE,
    logits: (ids) => {
      const out = new Float32Array(O200K_VOCAB_SIZE).fill(-Infinity);
      const n = ids.length;
      m.next(n >= 2 ? ids[n - 2]! : END_OF_TEXT, n >= 1 ? ids[n - 1]! : END_OF_TEXT, out);
      return out;
    },
    encode: encodeText,
    decode: (ids) => decode(ids),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly type = status >= 500 ? 'server_error' : 'invalid_request_error',
  ) {
    super(message);
  }
}

interface Request {
  prompts: number[][];
  chat: boolean;
  maxTokens: number;
  sampling: SampleOptions;
  seed: number | undefined;
  stop: string[];
  stream: boolean;
  model: string;
}

/**
 * Starts the server.
 *
 * @param options - port, key, watermark on/off, fault injection
 * @returns the running {@link ModelServer}
 * @throws RangeError when the key binds a tokenizer other than o200k or a vocabulary too small for o200k ids
 * @example
 * ```ts
 * const server = await startModelServer({ port: 0, key });
 * const res = await fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 32 }) });
 * await server.close();
 * ```
 */
export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const key = options.key ?? generateKey();
  const bound = key.params;
  if (bound.tokenizer !== undefined && bound.tokenizer !== 'o200k') {
    throw new RangeError(`startModelServer: the key binds tokenizer ${JSON.stringify(bound.tokenizer)}, but this model speaks o200k`);
  }
  if (bound.vocabSize !== undefined && bound.vocabSize < O200K_VOCAB_SIZE) {
    throw new RangeError(`startModelServer: the key binds vocabSize ${bound.vocabSize}, but o200k ids go up to ${O200K_VOCAB_SIZE - 1}`);
  }
  const vocabSize = bound.vocabSize ?? O200K_VOCAB_SIZE;
  const wm = createWatermark({
    key,
    vocabSize,
    ...(options.gamma === undefined ? {} : { gamma: options.gamma }),
    ...(options.delta === undefined ? {} : { delta: options.delta }),
    ...(options.contextWidth === undefined ? {} : { contextWidth: options.contextWidth }),
  });
  const watermarked = options.watermark ?? true;
  // The control: the same sampler with the bias off (delta 0 hashes nothing), under a throwaway key.
  const plain = createWatermark({ key: generateKey(), vocabSize, delta: 0 });
  const masking = options.masking ?? true;
  const modelName = options.modelName ?? 'radiomark-toy';
  const model = new ToyModel(options.modelSeed ?? 1);
  const limit = options.maxTokensLimit ?? 2048;
  const delayMs = options.tokenDelayMs ?? 0;
  const stats = { requests: 0, completions: 0, failures: 0, injected: 0 };
  let generationRequests = 0;
  const created = Math.floor(Date.now() / 1000);

  /** Generates one completion; calls `onText` with each piece. */
  async function generate(prompt: number[], req: Request, onText: (piece: string) => void): Promise<{ text: string; tokens: number; finish: 'stop' | 'length' }> {
    // One session per request: it follows the window (prompt tail, then what is generated) and
    // the windows already used. Unwatermarked: the same code with the bias off.
    const session: WatermarkSession = (watermarked ? wm : plain).session({ prompt, masking });
    const logits = new Float32Array(vocabSize).fill(-Infinity);
    const random = req.seed === undefined ? undefined : splitmix(req.seed);
    const sampling: SampleOptions = { ...req.sampling, random };
    let a = prompt.length >= 2 ? prompt[prompt.length - 2]! : END_OF_TEXT;
    let b = prompt.length >= 1 ? prompt[prompt.length - 1]! : END_OF_TEXT;
    let text = '';
    for (let i = 0; i < req.maxTokens; i++) {
      model.next(a, b, logits);
      const token = session.sample(logits, sampling);
      if (token === END_OF_TEXT) return { text, tokens: i, finish: 'stop' };
      let piece = decode([token]);
      const joined = text + piece;
      const hit = firstStop(joined, req.stop, text.length);
      if (hit >= 0) {
        piece = joined.slice(text.length, hit);
        if (piece) onText(piece);
        return { text: joined.slice(0, hit), tokens: i + 1, finish: 'stop' };
      }
      text = joined;
      onText(piece);
      a = b;
      b = token;
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    }
    return { text, tokens: req.maxTokens, finish: 'length' };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/health') return sendJson(res, 200, { status: 'ok' });
    if (path === '/v1/models') {
      if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not allowed on /v1/models`);
      return sendJson(res, 200, { object: 'list', data: [{ id: modelName, object: 'model', created, owned_by: 'radiomark' }] });
    }
    const chat = path === '/v1/chat/completions';
    if (!chat && path !== '/v1/completions') throw new HttpError(404, `no route ${path}`, null, 'not_found_error');
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed on ${path}; use POST`);
    const body = await readJson(req);
    const request = parseRequest(body, chat, modelName, limit);
    generationRequests++;
    if (options.failEvery && generationRequests % options.failEvery === 0) {
      stats.injected++;
      const status = options.failStatus ?? 503;
      res.setHeader('retry-after', '0');
      throw new HttpError(status, status === 429 ? 'rate limited (injected by --fail-every)' : 'temporarily unavailable (injected by --fail-every)', null, status === 429 ? 'rate_limit_error' : 'server_error');
    }
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${Math.random().toString(36).slice(2, 14)}`;
    const now = Math.floor(Date.now() / 1000);
    if (request.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const chunk = (index: number, piece: string | null, finish: string | null): void => {
        const choice = chat
          ? { index, delta: piece === null ? {} : { content: piece }, finish_reason: finish }
          : { index, text: piece ?? '', logprobs: null, finish_reason: finish };
        res.write(`data: ${JSON.stringify({ id, object: chat ? 'chat.completion.chunk' : 'text_completion', created: now, model: request.model, choices: [choice] })}\n\n`);
      };
      for (const [index, prompt] of request.prompts.entries()) {
        if (chat) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: now, model: request.model, choices: [{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`);
        const out = await generate(prompt, request, (piece) => chunk(index, piece, null));
        chunk(index, null, out.finish);
      }
      res.end('data: [DONE]\n\n');
      stats.completions++;
      return;
    }
    const results = [];
    for (const prompt of request.prompts) results.push(await generate(prompt, request, () => {}));
    const promptTokens = request.prompts.reduce((s, p) => s + p.length, 0);
    const completionTokens = results.reduce((s, r) => s + r.tokens, 0);
    stats.completions++;
    sendJson(res, 200, {
      id,
      object: chat ? 'chat.completion' : 'text_completion',
      created: now,
      model: request.model,
      choices: results.map((r, index) =>
        chat
          ? { index, message: { role: 'assistant', content: r.text }, logprobs: null, finish_reason: r.finish }
          : { index, text: r.text, logprobs: null, finish_reason: r.finish },
      ),
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      stats.failures++;
      const e = err instanceof HttpError ? err : new HttpError(500, 'internal error');
      if (!(err instanceof HttpError)) console.error(err);
      if (res.headersSent) {
        res.end();
        return;
      }
      sendJson(res, e.status, { error: { message: e.message, type: e.type, param: e.param, code: null } });
    });
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    watermark: watermarked ? wm : null,
    fingerprint: key.fingerprint,
    stats,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function parseRequest(body: unknown, chat: boolean, modelName: string, limit: number): Request {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the request body must be a JSON object');
  const o = body as Record<string, unknown>;
  const model = o.model === undefined ? modelName : o.model;
  if (typeof model !== 'string') throw new HttpError(400, '"model" must be a string', 'model');
  if (model !== modelName) throw new HttpError(404, `the model ${JSON.stringify(model)} does not exist; this server serves ${JSON.stringify(modelName)}`, 'model', 'not_found_error');
  let prompts: number[][];
  if (chat) {
    const messages = o.messages;
    if (!Array.isArray(messages) || messages.length === 0) throw new HttpError(400, '"messages" must be a non-empty array', 'messages');
    const lines = messages.map((m, i) => {
      if (m === null || typeof m !== 'object') throw new HttpError(400, `messages[${i}] must be an object`, 'messages');
      const { role, content } = m as { role?: unknown; content?: unknown };
      if (typeof role !== 'string' || typeof content !== 'string') throw new HttpError(400, `messages[${i}] needs a string "role" and "content"`, 'messages');
      return `${role}: ${content}`;
    });
    prompts = [encodeText(`${lines.join('\n')}\nassistant:`)];
  } else {
    const p = o.prompt;
    if (typeof p === 'string') prompts = [encodeText(p)];
    else if (Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'string')) prompts = (p as string[]).map(encodeText);
    else if (Array.isArray(p) && p.length > 0 && p.every(isTokenId)) prompts = [p as number[]];
    else if (Array.isArray(p) && p.length > 0 && p.every((x) => Array.isArray(x) && x.every(isTokenId))) prompts = p as number[][];
    else throw new HttpError(400, '"prompt" must be a string, an array of strings, or token ids', 'prompt');
    if (prompts.length > 32) throw new HttpError(400, 'at most 32 prompts per request', 'prompt');
  }
  const maxTokens = o.max_tokens ?? (chat ? 256 : 16);
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1 || (maxTokens as number) > limit) {
    throw new HttpError(400, `"max_tokens" must be an integer in 1..${limit}, got ${JSON.stringify(maxTokens)}`, 'max_tokens');
  }
  const num = (name: string, ok: (x: number) => boolean, range: string): number | undefined => {
    const v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !ok(v)) throw new HttpError(400, `"${name}" must be ${range}, got ${JSON.stringify(v)}`, name);
    return v;
  };
  const temperature = num('temperature', (x) => x >= 0 && x <= 2, 'a number in [0, 2]');
  const topP = num('top_p', (x) => x > 0 && x <= 1, 'a number in (0, 1]');
  const topK = num('top_k', (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0 (0: off)');
  const minP = num('min_p', (x) => x >= 0 && x < 1, 'a number in [0, 1)');
  const seed = num('seed', (x) => Number.isInteger(x), 'an integer');
  const n = num('n', (x) => x === 1, '1 (this server returns one choice per prompt)');
  void n;
  const stopRaw = o.stop ?? [];
  const stop = typeof stopRaw === 'string' ? [stopRaw] : stopRaw;
  if (!Array.isArray(stop) || stop.length > 4 || !stop.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new HttpError(400, '"stop" must be a non-empty string or up to 4 of them', 'stop');
  }
  const stream = o.stream ?? false;
  if (typeof stream !== 'boolean') throw new HttpError(400, '"stream" must be a boolean', 'stream');
  // One object shape for every request (the sampler reads it once per token).
  const sampling: SampleOptions = { temperature: temperature ?? 1, topK: topK ? topK : undefined, topP: topP ?? 1, minP: minP ?? 0 };
  return { prompts, chat, maxTokens: maxTokens as number, sampling, seed, stop: stop as string[], stream, model };
}

function isTokenId(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < O200K_VOCAB_SIZE;
}

function encodeText(text: string): number[] {
  // Special-token text in a prompt is ordinary text here: never throw on "<|endoftext|>".
  return encode(text, { disallowedSpecial: new Set() });
}

function firstStop(text: string, stops: string[], from: number): number {
  let best = -1;
  for (const s of stops) {
    const i = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1 << 20) throw new HttpError(413, 'the request body is larger than 1 MiB');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

/** A seeded uniform source for `seed` requests (reproducible, not secret). */
function splitmix(seed: number): () => number {
  let s = BigInt.asUintN(64, BigInt(seed));
  return () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    z ^= z >> 31n;
    return Number(z >> 11n) / 2 ** 53;
  };
}

// Common English words, most frequent first (the toy model's prior follows this order).
const WORDS = `
the of and to in is you that it he was for on are as with his they at be this have from or one
had by word but not what all were we when your can said there use an each which she do how their
if will up other about out many then them these so some her would make like him into time has look
two more write go see number no way could people my than first water been call who oil its now
find long down day did get come made may part over new sound take only little work know place year
live me back give most very after thing our just name good sentence man think say great where help
through much before line right too mean old any same tell boy follow came want show also around
form three small set put end does another well large must big even such because turn here why ask
went men read need land different home us move try kind hand picture again change off play spell
air away animal house point page letter mother answer found study still learn should world high
every near add food between own below country plant last school father keep tree never start city
earth eye light thought head under story saw left few while along might close something seem next
hard open example begin life always those both paper together got group often run important until
children side feet car mile night walk white sea began grow took river four carry state once book
hear stop without second later miss idea enough eat face watch far really almost let above girl
sometimes mountain cut young talk soon list song being leave family
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8000' },
      host: { type: 'string', default: '127.0.0.1' },
      key: { type: 'string' },
      'write-key': { type: 'string' },
      'no-watermark': { type: 'boolean', default: false },
      'fail-every': { type: 'string' },
      'token-delay-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npx tsx examples/model-server.ts [--port 8000] [--host 127.0.0.1] [--key key.json | --write-key key.json] [--no-watermark] [--fail-every N] [--token-delay-ms N]');
    return;
  }
  const key = values.key ? parseKey(readFileSync(values.key, 'utf8'), values.key) : generateKey({ tokenizer: 'o200k', vocabSize: O200K_VOCAB_SIZE });
  if (!values.key && values['write-key']) writeFileSync(values['write-key'], serializeKey(key), { mode: 0o600 });
  const server = await startModelServer({
    port: Number(values.port),
    host: values.host,
    key,
    watermark: !values['no-watermark'],
    ...(values['fail-every'] ? { failEvery: Number(values['fail-every']) } : {}),
    ...(values['token-delay-ms'] ? { tokenDelayMs: Number(values['token-delay-ms']) } : {}),
  });
  console.log(`radiomark toy model server listening on ${server.url} (model radiomark-toy, ${server.watermark ? 'watermarked' : 'NOT watermarked'}, key fingerprint ${server.fingerprint})`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  });
}
