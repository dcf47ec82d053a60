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
   * 32k-entry bias at V = 128k and gamma 0.25), so size it to your memory.
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
  const delta = watermark.config.delta;
  const cache = new BiasCache(watermark, createTokenBias, cacheSize);
  let empty: T | null = null;

  const session = (sessionOptions?: SessionOptions): LlamaWatermarkSession<T> => {
    const s = watermark.session(sessionOptions);
    const seed = new Uint32Array(SEED_WORDS);
    const tokenBias = (): T => {
      if (delta > 0 && s.stepSeed(seed, 0)) return cache.lookup(seed);
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
      return { hits: cache.hits, misses: cache.misses, size: cache.size };
    },
  });
}

/**
 * The bias of each recently used window, least recently used first out. Keyed by the seed's first
 * word (collisions resolved on all three); a miss lists the window's green ids in one branch-free
 * pass (addGreen of 1 on zeros) and builds one `TokenBias` with a single `set()` call.
 */
class BiasCache<T extends TokenBiasLike> {
  hits = 0;
  misses = 0;
  size = 0;
  private readonly map = new Map<number, Entry<T>[]>();
  private readonly ids: number[] = [];
  private readonly mask: Float32Array;

  constructor(
    private readonly watermark: Watermark,
    private readonly createTokenBias: () => T,
    private readonly capacity: number,
  ) {
    this.mask = new Float32Array(watermark.config.vocabSize);
  }

  lookup(seed: Uint32Array): T {
    const s0 = seed[0]!;
    const bucket = this.map.get(s0);
    if (bucket !== undefined) {
      for (let i = 0; i < bucket.length; i++) {
        const e = bucket[i]!;
        if (e.s1 === seed[1] && e.s2 === seed[2]) {
          this.hits++;
          this.touch(s0, bucket);
          return e.bias;
        }
      }
    }
    this.misses++;
    const bias = this.build(seed);
    const entry: Entry<T> = { s0, s1: seed[1]!, s2: seed[2]!, bias };
    if (bucket !== undefined) bucket.push(entry);
    this.touch(s0, bucket ?? [entry]);
    this.size++;
    while (this.size > this.capacity) this.evictOldest();
    return bias;
  }

  /** Moves the bucket to the end of the map's order (most recently used). */
  private touch(s0: number, bucket: Entry<T>[]): void {
    this.map.delete(s0);
    this.map.set(s0, bucket);
  }

  private evictOldest(): void {
    const [oldestKey, oldest] = this.map.entries().next().value as [number, Entry<T>[]];
    oldest.shift();
    this.size--;
    if (oldest.length === 0) this.map.delete(oldestKey);
  }

  /** The window's bias: every green id gets `delta`. */
  private build(seed: Uint32Array): T {
    const { mask, ids } = this;
    const V = mask.length;
    mask.fill(0);
    this.watermark.greenList.addGreen(seed, 0, mask, 0, 1);
    ids.length = 0;
    for (let t = 0; t < V; t++) if (mask[t] !== 0) ids.push(t);
    const bias = this.createTokenBias();
    bias.set(ids, { logit: this.watermark.config.delta });
    return bias;
  }
}
