/**
 * radiomark/node-llama-cpp. node-llama-cpp is an optional peer and not a devDependency (its
 * platform binaries are ~700 MB), so this suite runs against a structural copy of its `TokenBias`
 * (below) and, when the real package can be imported, against the real class too:
 * `RADIOMARK_NODE_LLAMA_CPP=/path/to/node_modules/node-llama-cpp/dist/index.js npx vitest run test/adapters`
 * (or with node-llama-cpp installed). Both are driven the way `LlamaContextSequence.evaluate()` uses
 * them (node-llama-cpp 3.22.1, dist/evaluator/LlamaContext/LlamaContext.js): call the `tokenBias`
 * function at each sampled position, read the bias map, add it to the logits natively.
 */
import { describe, expect, test } from 'vitest';
import { keyFromBytes } from '../src/key/secret-key.js';
import { createWatermark } from '../src/sampler/watermark.js';
import { createLlamaWatermark, type TokenBiasLike } from '../src/adapters/node-llama-cpp.js';
import { seededRandom } from '../src/testing/sampler.js';
import { referenceSample } from './reference-sampler.js';
import { log10BinomialUpperTail } from './adapters-helpers.js';

const EOS = 2;
/** A tokenizer stub: node-llama-cpp's TokenBias only asks it isEogToken() for token arrays. */
const tokenizer = Object.assign(
  (): never => {
    throw new Error('the stub tokenizer does not tokenize text');
  },
  { isEogToken: (t: number) => t === EOS, isSpecialToken: (t: number) => t === EOS, detokenize: () => '' },
);

/** node-llama-cpp 3.22.1's TokenBias, restated: a Map of token -> logit bias; EOG tokens skipped. */
class StructuralTokenBias implements TokenBiasLike {
  readonly _biases = new Map<number, number>();
  constructor(readonly _tokenizer: typeof tokenizer) {}
  set(input: number[], bias: { logit: number }): this {
    for (const t of input) if (!this._tokenizer.isEogToken(t)) this._biases.set(t, bias.logit);
    return this;
  }
}

type AnyBias = { _biases: Map<number, number> };
const spec = process.env.RADIOMARK_NODE_LLAMA_CPP ?? 'node-llama-cpp';
const real = (await import(/* @vite-ignore */ spec).catch(() => null)) as { TokenBias: new (t: unknown) => AnyBias & TokenBiasLike } | null;

const V = 600;
const key = keyFromBytes(new Uint8Array(32).fill(44));
const wm = createWatermark({ key, vocabSize: V, delta: 2, contextWidth: 2 });

function lmLogits(prev: number): Float32Array {
  const r = seededRandom(prev * 31 + 5);
  return Float32Array.from({ length: V }, () => (r() + r() + r() - 1.5) * 2.4);
}

/** evaluate()'s use of the option: call it, read the map (getTokenBiasesForAddon), bias natively. */
function applyTokenBias(tokenBias: () => AnyBias, logits: Float32Array): Float32Array {
  const b = tokenBias();
  for (const [t, v] of b._biases) logits[t] = logits[t]! + v;
  return logits;
}

const kinds: [string, (() => AnyBias & TokenBiasLike) | null][] = [
  ['structural TokenBias', () => new StructuralTokenBias(tokenizer)],
  [`real node-llama-cpp TokenBias (${real ? 'loaded' : 'not installed: skipped'})`, real ? () => new real.TokenBias(tokenizer) : null],
];

for (const [label, make] of kinds) {
  describe.skipIf(make === null)(`createLlamaWatermark with the ${label}`, () => {
    const createTokenBias = make!;

    test('the bias it hands node-llama-cpp equals session.bias, except on end-of-generation tokens', () => {
      const lw = createLlamaWatermark(wm, { createTokenBias });
      const s = lw.session({ prompt: [10, 11] });
      const ref = wm.session({ prompt: [10, 11] });
      const random = seededRandom(1);
      let prev = 11;
      for (let i = 0; i < 200; i++) {
        const raw = lmLogits(prev);
        const got = applyTokenBias(s.tokenBias, raw.slice());
        const want = ref.bias(raw.slice());
        want[EOS] = raw[EOS]!; // node-llama-cpp's TokenBias.set skips EOG tokens
        expect(got).toEqual(want);
        const token = referenceSample(wm, got, null, { temperature: 0.8, topK: 40 }, random);
        s.accept(token);
        ref.accept(token);
        prev = token;
      }
      expect(s.session.steps).toBe(200);
    });

    test('generated tokens are green far above chance', () => {
      const lw = createLlamaWatermark(wm, { createTokenBias });
      const prompt = [20, 21];
      const s = lw.session({ prompt });
      const random = seededRandom(2);
      const seq = [...prompt];
      for (let i = 0; i < 300; i++) {
        const token = referenceSample(wm, applyTokenBias(s.tokenBias, lmLogits(seq.at(-1)!)), null, { temperature: 1 }, random);
        s.accept(token);
        seq.push(token);
      }
      const check = wm.session({ prompt });
      let n = 0;
      let green = 0;
      for (let i = 2; i < seq.length; i++) {
        if (check.willBias) {
          n++;
          if (wm.isGreen(seq.slice(0, i), seq[i]!)) green++;
        }
        check.accept(seq[i]!);
      }
      expect(log10BinomialUpperTail(green, n, wm.greenProbability)).toBeLessThan(-20);
    });

    test('one bias per window, cached (LRU) and shared by sessions; an empty bias when there is no window', () => {
      const lw = createLlamaWatermark(wm, { createTokenBias, cacheSize: 2 });
      const a = lw.session({ prompt: [1, 2] });
      const b = lw.session({ prompt: [1, 2] });
      const first = a.tokenBias();
      expect(first._biases.size).toBeGreaterThan(100);
      expect(b.tokenBias()).toBe(first); // same window, other request: a cache hit
      expect(a.tokenBias()).toBe(first); // asked twice at one position
      expect(lw.stats).toEqual({ hits: 2, misses: 1, size: 1 });
      a.accept(3); // window (2, 3)
      a.tokenBias();
      a.accept(4); // window (3, 4): evicts nothing yet
      a.tokenBias();
      expect(lw.stats.size).toBe(2);
      b.accept(5); // window (2, 5): evicts (1, 2), the least recently used
      b.tokenBias();
      expect(lw.stats.size).toBe(2);
      const c = lw.session({ prompt: [1, 2] });
      expect(c.tokenBias()).not.toBe(first); // rebuilt
      expect(c.tokenBias()._biases).toEqual(first._biases);
      const short = lw.session({ prompt: [7] });
      expect(short.tokenBias()._biases.size).toBe(0);
      // masking: a repeated window gets the empty bias
      const m = lw.session({ prompt: [1, 2] });
      m.accept(1);
      m.accept(2);
      expect(m.tokenBias()._biases.size).toBe(0);
      m.reset({ prompt: [1, 2] });
      expect(m.tokenBias()._biases.size).toBeGreaterThan(100);
    });
  });
}

describe('createLlamaWatermark: bad input', () => {
  test('refuses a missing factory, a bad cache size, bad tokens', () => {
    expect(() => createLlamaWatermark(wm, {} as never)).toThrow(/"createTokenBias" must be a function/);
    expect(() => createLlamaWatermark(wm, { createTokenBias: () => new StructuralTokenBias(tokenizer), cacheSize: 0 })).toThrow(/"cacheSize" must be an integer >= 1, got 0/);
    expect(() => createLlamaWatermark({} as never, { createTokenBias: () => new StructuralTokenBias(tokenizer) })).toThrow(TypeError);
    const s = createLlamaWatermark(wm, { createTokenBias: () => new StructuralTokenBias(tokenizer) }).session();
    expect(() => s.accept(V)).toThrow(/session.accept: "token" must be an integer token id in \[0, 600\), got 600/);
    expect(() => createLlamaWatermark(wm, { createTokenBias: () => new StructuralTokenBias(tokenizer) }).session({ prompt: [V] })).toThrow(RangeError);
  });
});
