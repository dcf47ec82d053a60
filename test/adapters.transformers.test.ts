/**
 * radiomark/transformers against the real @huggingface/transformers (pinned ~4.3.2 in
 * devDependencies): its Tensor, LogitsProcessorList, and a real generate() loop over GPT2LMHeadModel
 * whose forward() is replaced by a stub language model (no weights can be downloaded here; the
 * stub leans on generate()'s internals, hence the pinned version).
 */
import { GPT2LMHeadModel, LogitsProcessor, LogitsProcessorList, PretrainedConfig, Tensor, random as hfRandom } from '@huggingface/transformers';
import { describe, expect, test } from 'vitest';
import { keyFromBytes } from '../src/key/secret-key.js';
import { createWatermark, type Watermark } from '../src/sampler/watermark.js';
import { WatermarkLogitsProcessor, watermarkProcessors } from '../src/adapters/transformers.js';
import { seededRandom } from '../src/testing/sampler.js';
import { log10BinomialUpperTail } from './adapters-helpers.js';

const key = keyFromBytes(new Uint8Array(32).fill(21));
const V = 1000;

/** A stub language model: next-token logits depend on the previous token (a random bigram table). */
function bigramModel(vocab: number, seed: number): (prev: number) => Float32Array {
  const cache = new Map<number, Float32Array>();
  return (prev) => {
    let row = cache.get(prev);
    if (!row) {
      const r = seededRandom(seed * 100_003 + prev);
      row = new Float32Array(vocab);
      for (let i = 0; i < vocab; i++) row[i] = (r() + r() + r() - 1.5) * 2.4;
      cache.set(prev, row);
    }
    return row;
  };
}

interface Recorded {
  sequences: number[][];
  before: Float32Array[][];
  after: Float32Array[][];
}

/** Runs a real transformers.js generate() with a stubbed forward(); records logits around our processor. */
async function generate(opts: { processors: LogitsProcessor[]; prompts: number[][]; newTokens: number; seed: number; temperature?: number }): Promise<Recorded> {
  const config = new PretrainedConfig({ model_type: 'gpt2', vocab_size: V, n_layer: 0, n_head: 1, n_embd: 4, eos_token_id: null, bos_token_id: null, pad_token_id: 0 });
  const model = new GPT2LMHeadModel(config, {}, {});
  const lm = bigramModel(V, 7);
  (model as unknown as { forward: (inputs: { input_ids: Tensor }) => Promise<{ logits: Tensor }> }).forward = async ({ input_ids }) => {
    const [B, S] = input_ids.dims as [number, number];
    const ids = input_ids.data as BigInt64Array;
    const out = new Float32Array(B * S * V);
    for (let b = 0; b < B; b++) out.set(lm(Number(ids[b * S + S - 1]!)), (b * S + S - 1) * V);
    return { logits: new Tensor('float32', out, [B, S, V]) };
  };
  const rec: Recorded = { sequences: [], before: opts.prompts.map(() => []), after: opts.prompts.map(() => []) };
  const spy = (into: Float32Array[][]): LogitsProcessor => {
    class Spy extends LogitsProcessor {
      override _call(_ids: bigint[][], logits: Tensor): Tensor {
        const d = logits.data as Float32Array;
        for (let b = 0; b < into.length; b++) into[b]!.push(d.slice(b * V, (b + 1) * V));
        return logits;
      }
    }
    return new Spy();
  };
  const list = new LogitsProcessorList();
  list.push(spy(rec.before));
  for (const p of opts.processors) list.push(p);
  list.push(spy(rec.after));
  hfRandom.seed(opts.seed);
  const flat = opts.prompts.flat().map(BigInt);
  const L = opts.prompts[0]!.length;
  const out = (await model.generate({
    input_ids: new Tensor('int64', BigInt64Array.from(flat), [opts.prompts.length, L]),
    attention_mask: new Tensor('int64', new BigInt64Array(flat.length).fill(1n), [opts.prompts.length, L]),
    do_sample: true,
    top_k: 0,
    temperature: opts.temperature ?? 1,
    max_new_tokens: opts.newTokens,
    logits_processor: list,
  })) as Tensor;
  rec.sequences = (out.tolist() as bigint[][]).map((row) => row.map(Number));
  return rec;
}

/** Green count over the positions a session would bias (full window, first occurrence). */
function greenCount(wm: Watermark, seq: number[], promptLength: number): { n: number; green: number } {
  const s = wm.session({ prompt: seq.slice(0, promptLength) });
  let n = 0;
  let green = 0;
  for (let i = promptLength; i < seq.length; i++) {
    if (s.willBias) {
      n++;
      if (wm.isGreen(seq.slice(0, i), seq[i]!)) green++;
    }
    s.accept(seq[i]!);
  }
  return { n, green };
}

describe('WatermarkLogitsProcessor with the real Tensor and LogitsProcessorList', () => {
  const wm = createWatermark({ key, vocabSize: V, delta: 2, contextWidth: 2 });

  test('batch-aware: each row biased with its own context, in place, and the tensor returned', () => {
    const rows = [randomRow(1), randomRow(2), randomRow(3)];
    const data = new Float32Array(3 * V);
    rows.forEach((r, b) => data.set(r, b * V));
    const logits = new Tensor('float32', data, [3, V]);
    const ids = [[5n, 6n, 7n], [8n], [9n, 10n]];
    const list = new LogitsProcessorList();
    list.push(new WatermarkLogitsProcessor(wm));
    const out = list(ids, logits);
    expect(out).toBe(logits);
    expect(out.data).toBe(data);
    expect(data.subarray(0, V)).toEqual(wm.bias(rows[0]!, [6, 7]));
    expect(data.subarray(V, 2 * V)).toEqual(rows[1]); // one id: no window at contextWidth 2
    expect(data.subarray(2 * V)).toEqual(wm.bias(rows[2]!, [9, 10]));
  });

  test('bad input: the P1 width trap, NaN, row counts, dtype, ids out of range', () => {
    const p = new WatermarkLogitsProcessor(wm);
    expect(() => p([[1n, 2n]], new Tensor('float32', new Float32Array(V + 8), [1, V + 8]))).toThrow(
      /WatermarkLogitsProcessor: logits shape \[1, 1008\] does not match \[batch, vocabSize 1000\].*logits width, 1008/,
    );
    const nan = new Float32Array(V);
    nan[17] = NaN;
    expect(() => p([[1n, 2n]], new Tensor('float32', nan, [1, V]))).toThrow(/logits\[0\]\[17\] \(flat index 17\) is NaN/);
    expect(() => p([[1n, 2n], [3n, 4n]], new Tensor('float32', new Float32Array(V), [1, V]))).toThrow(/2 input_ids rows for a batch of 1 logits rows/);
    expect(() => p([[1n, 2n]], new Tensor('float64', new Float64Array(V), [1, V]))).toThrow(TypeError);
    expect(() => p([[1n, 1000n]], new Tensor('float32', new Float32Array(V), [1, V]))).toThrow(/input_ids id 1000 at position 1 is not a token id in \[0, 1000\)/);
    expect(() => new WatermarkLogitsProcessor({} as Watermark)).toThrow(TypeError);
    expect(() => new WatermarkLogitsProcessor(wm, { masking: 1 as unknown as boolean })).toThrow(/"masking" must be a boolean/);
  });
});

describe('a real generate() loop (stubbed forward)', () => {
  const wm = createWatermark({ key, vocabSize: V, delta: 2, gamma: 0.25, contextWidth: 2 });
  const prompts = [[11, 12, 13, 14], [21, 22, 23, 24], [31, 32, 33, 34]];
  const NEW = 160;

  test('watermarked: generated tokens are green far above chance (exact binomial tail)', async () => {
    const rec = await generate({ processors: [new WatermarkLogitsProcessor(wm)], prompts, newTokens: NEW, seed: 1 });
    let n = 0;
    let green = 0;
    for (const seq of rec.sequences) {
      expect(seq).toHaveLength(4 + NEW);
      const c = greenCount(wm, seq, 4);
      n += c.n;
      green += c.green;
    }
    const log10p = log10BinomialUpperTail(green, n, wm.greenProbability);
    expect(n).toBeGreaterThan(400);
    expect(green / n).toBeGreaterThan(0.5);
    expect(log10p).toBeLessThan(-30);
  });

  test('the processor equals a session replay step by step (context tracking and masking inside generate)', async () => {
    const small = createWatermark({ key, vocabSize: V, delta: 2, contextWidth: 1 }); // h = 1: windows repeat often
    const proc = new WatermarkLogitsProcessor(small);
    const rec = await generate({ processors: [proc], prompts, newTokens: 120, seed: 2, temperature: 0.7 });
    let masked = 0;
    rec.sequences.forEach((seq, b) => {
      const s = small.session({ prompt: seq.slice(0, 4) });
      for (let t = 0; t < 120; t++) {
        expect(rec.after[b]![t]).toEqual(s.bias(rec.before[b]![t]!.slice()));
        s.accept(seq[4 + t]!);
      }
      masked += s.maskedSteps;
    });
    expect(masked).toBeGreaterThan(0); // masking was exercised
  });

  test('not watermarked: the green rate of the same pipeline is near gamma', async () => {
    const rec = await generate({ processors: [], prompts, newTokens: NEW, seed: 3 });
    let n = 0;
    let green = 0;
    for (const seq of rec.sequences) {
      const c = greenCount(wm, seq, 4);
      n += c.n;
      green += c.green;
    }
    expect(Math.abs(green / n - wm.greenProbability)).toBeLessThan(0.06);
    expect(log10BinomialUpperTail(green, n, wm.greenProbability)).toBeGreaterThan(-3);
  });

  test('watermarkProcessors() gives a ready list; reset() starts over', async () => {
    const list = watermarkProcessors(wm, { masking: false });
    expect(list).toBeInstanceOf(LogitsProcessorList);
    const p = [...list][0] as WatermarkLogitsProcessor;
    expect(p.masking).toBe(false);
    p.reset();
    const logits = new Tensor('float32', randomRow(4), [1, V]);
    const ids = [[1n, 2n]];
    expect((list(ids, logits).data as Float32Array)).toEqual(wm.bias(randomRow(4), [1, 2]));
  });
});

function randomRow(seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: V }, () => r() * 8 - 4);
}
