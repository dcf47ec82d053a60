/**
 * node-llama-cpp (an optional peer dependency) adapter: a `tokenBias` function for
 * `LlamaContextSequence.evaluate()`.
 *
 * node-llama-cpp has no logits hook. Its per-step hook is the `tokenBias` option, a `TokenBias` or
 * a function returning one, called with no arguments at every sampled position; the bias is added
 * to the logits natively, before its top-k / top-p / temperature. Building a `TokenBias` that covers
 * every green token costs milliseconds at V = 128k (measured in docs/serving.md), so this adapter
 * builds one per context window and caches it (LRU, shared by all sessions of the adapter: its
 * entries are a pure function of the window, so sharing them cannot make requests interfere).
 *
 * Typed structurally: nothing is imported from node-llama-cpp. Pass a factory for its `TokenBias`
 * (`() => new TokenBias(model.tokenizer)`); the returned function's type is that of your objects.
 *
 * @module radiomark/node-llama-cpp
 */
import { SEED_WORDS } from '../scheme/green-list.js';
import type { Watermark } from '../sampler/watermark.js';
import type { SessionOptions, WatermarkSession } from '../sampler/session.js';
import { checkInteger, typeError } from '../assert.js';
import { checkWatermark } from '../sampler/check.js';

/** The part of node-llama-cpp's `TokenBias` this adapter uses: `set(tokens, { logit })`. */
export interface TokenBiasLike {
  /** Adds `bias.logit` to the logits of `input`'s tokens (node-llama-cpp skips end-of-generation tokens). */
  set(input: number[], bias: { logit: number }): unknown;
}

/** Options of {@link createLlamaWatermark}. */
export interface LlamaWatermarkOptions<T extends TokenBiasLike> {
  /** Makes an empty bias for the model: `() => new TokenBias(model.tokenizer)`. */
  readonly createTokenBias: () => T;
  /**
   * Windows whose bias is kept (LRU; default 16). Each entry holds about gamma x V tokens (a
   * 32k-entry Map at V = 128k and gamma 0.25, roughly 2 MB), so size it to your memory.
   */
  readonly cacheSize?: number;
}

/** Per-request state: pass {@link LlamaWatermarkSession.tokenBias} to `evaluate` and accept each token. */
export interface LlamaWatermarkSession<T extends TokenBiasLike> {
  /**
   * The `tokenBias` option for `evaluate()`: returns the bias of the current window (an empty bias
   * when the window is short or repeated). node-llama-cpp calls it at every sampled position.
   */
  readonly tokenBias: () => T;
  /**
   * Advances the window; call it with every token `evaluate()` yields, before asking for the next.
   * @throws RangeError when `token` is not an integer in `[0, vocabSize)`
   */
  accept(token: number): void;
  /** Starts a new request in this object (see `session.reset`). */
  reset(options?: { readonly prompt?: ArrayLike<number> }): void;
  /** The underlying session (counters, `willBias`). */
  readonly session: WatermarkSession;
}

/** A watermark for node-llama-cpp, with its bias cache. */
export interface LlamaWatermark<T extends TokenBiasLike> {
  /**
   * Starts a request.
   * @param options - `prompt` (the ids you pass to `evaluate`) and `masking`
   * @returns a {@link LlamaWatermarkSession}
   */
  session(options?: SessionOptions): LlamaWatermarkSession<T>;
  /** Cache statistics since creation. */
  readonly stats: { readonly hits: number; readonly misses: number; readonly size: number };
}

interface Entry<T> {
  s0: number;
  s1: number;
  s2: number;
  bias: T;
}

/**
 * Creates a node-llama-cpp watermark.
 *
 * Caveats of the runtime, not of the scheme: node-llama-cpp's `TokenBias.set` ignores
 * end-of-generation tokens, so a green EOS is not favoured (the detector does not score positions
 * after end-of-text anyway); turn speculative decoding (`tokenPredictor`) off, since drafted
 * positions would ask for a bias before the previous token is accepted; and track tokens through
 * `sequence.evaluate()` (the chat and completion classes do not hand you each token before the next
 * one is sampled).
 *
 * @param watermark - from `createWatermark`, with `vocabSize` equal to the model's vocabulary
 * @param options - the `TokenBias` factory and the cache size
 * @returns a {@link LlamaWatermark}
 * @throws TypeError when `createTokenBias` is not a function; RangeError for a cache size that is
 *   not a positive integer
 * @example
 * ```ts
 * import { getLlama, TokenBias } from 'node-llama-cpp';
 * const model = await (await getLlama()).loadModel({ modelPath });
 * const sequence = (await model.createContext()).getSequence();
 * const vocabSize = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
 * const lw = createLlamaWatermark(createWatermark({ key, vocabSize }), { createTokenBias: () => new TokenBias(model.tokenizer) });
 * const prompt = model.tokenize('The capital of France is');
 * const s = lw.session({ prompt });
 * let n = 0;
 * for await (const token of sequence.evaluate(prompt, { temperature: 0.8, tokenBias: s.tokenBias })) {
 *   s.accept(token);
 *   if (++n === 64) break;
 * }
 * ```
 */
export function createLlamaWatermark<T extends TokenBiasLike>(watermark: Watermark, options: LlamaWatermarkOptions<T>): LlamaWatermark<T> {
  const api = 'createLlamaWatermark';
  checkWatermark(api, 'watermark', watermark);
  if (options === null || typeof options !== 'object' || typeof options.createTokenBias !== 'function') {
    throw typeError(api, 'createTokenBias', 'a function returning a TokenBias', options?.createTokenBias);
  }
  const cacheSize = options.cacheSize ?? 16;
  checkInteger(api, 'cacheSize', cacheSize, 1);
  const { createTokenBias } = options;
  const gl = watermark.greenList;
  const V = watermark.config.vocabSize;
  const delta = watermark.config.delta;
  // LRU by Map insertion order; key: the seed's first word (collisions resolved on all three).
  const cache = new Map<number, Entry<T>[]>();
  let size = 0;
  let hits = 0;
  let misses = 0;
  const ids: number[] = [];
  const mask = new Float32Array(V);
  let empty: T | null = null;

  const lookup = (seed: Uint32Array): T => {
    const s0 = seed[0]!;
    const s1 = seed[1]!;
    const s2 = seed[2]!;
    const bucket = cache.get(s0);
    if (bucket) {
      for (const e of bucket) {
        if (e.s1 === s1 && e.s2 === s2) {
          hits++;
          cache.delete(s0); // refresh: move the bucket to the end
          cache.set(s0, bucket);
          return e.bias;
        }
      }
    }
    misses++;
    // Green ids in one branch-free pass (addGreen of 1 on zeros), then one set() call.
    mask.fill(0);
    gl.addGreen(seed, 0, mask, 0, 1);
    ids.length = 0;
    for (let t = 0; t < V; t++) if (mask[t] !== 0) ids.push(t);
    const bias = createTokenBias();
    bias.set(ids, { logit: delta });
    const entry: Entry<T> = { s0, s1, s2, bias };
    if (bucket) {
      bucket.push(entry);
      cache.delete(s0);
      cache.set(s0, bucket);
    } else {
      cache.set(s0, [entry]);
    }
    size++;
    while (size > cacheSize) {
      const [oldestKey, oldest] = cache.entries().next().value as [number, Entry<T>[]];
      oldest.shift();
      size--;
      if (oldest.length === 0) cache.delete(oldestKey);
    }
    return bias;
  };

  const session = (sessionOptions?: SessionOptions): LlamaWatermarkSession<T> => {
    const s = watermark.session(sessionOptions);
    const seed = new Uint32Array(SEED_WORDS);
    const tokenBias = (): T => {
      if (delta > 0 && s.stepSeed(seed, 0)) return lookup(seed);
      empty ??= createTokenBias();
      return empty;
    };
    return Object.freeze({
      tokenBias,
      accept: (token: number) => s.accept(token),
      reset: (o?: { readonly prompt?: ArrayLike<number> }) => s.reset(o),
      session: s,
    });
  };

  return Object.freeze({
    session,
    get stats() {
      return { hits, misses, size };
    },
  });
}
