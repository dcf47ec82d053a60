/**
 * radiomark/web-llm. web-llm needs a browser with WebGPU, so the real engine cannot run here; the
 * processor is typed structurally (its shape was checked with tsc against @mlc-ai/web-llm 0.2.86's
 * own .d.ts, see docs/serving.md) and this test drives it exactly as web-llm's LLMChatPipeline
 * does: resetState() from resetChat(), then per token processLogits(logits) before sampling and
 * processSampledToken(token) after.
 */
import { describe, expect, test } from 'vitest';
import { keyFromBytes } from '../src/key/secret-key.js';
import { createWatermark } from '../src/sampler/watermark.js';
import { createWebLlmProcessor, type LogitProcessor } from '../src/adapters/web-llm.js';
import { seededRandom } from '../src/testing/sampler.js';
import { log10BinomialUpperTail } from './adapters-helpers.js';
import { referenceSample } from './reference-sampler.js';

const key = keyFromBytes(new Uint8Array(32).fill(33));
const V = 800;
const wm = createWatermark({ key, vocabSize: V, delta: 2, contextWidth: 2 });

function lmLogits(prev: number): Float32Array {
  const r = seededRandom(prev + 17);
  return Float32Array.from({ length: V }, () => (r() + r() + r() - 1.5) * 2.4);
}

/** web-llm's per-request call order; its sampler is stood in for by the reference sampler. */
function chat(proc: LogitProcessor, prompt: number[], steps: number, random: () => number, temperature = 0.8): number[] {
  proc.resetState();
  const out: number[] = [];
  let prev = prompt.at(-1)!;
  for (let i = 0; i < steps; i++) {
    const logits = proc.processLogits(lmLogits(prev));
    const token = referenceSample(wm, logits, null, { temperature, topP: 0.95 }, random);
    proc.processSampledToken(token);
    out.push(token);
    prev = token;
  }
  return out;
}

describe('createWebLlmProcessor', () => {
  test('drives a session: same bias and the same tokens as session.sample', () => {
    const prompt = [4, 5, 6];
    const proc = createWebLlmProcessor(wm, { prompt });
    const tokens = chat(proc, prompt, 300, seededRandom(1));
    const s = wm.session({ prompt });
    const r = seededRandom(1);
    const again: number[] = [];
    let prev = 6;
    for (let i = 0; i < 300; i++) {
      const t = s.sample(lmLogits(prev), { temperature: 0.8, topP: 0.95, random: r });
      again.push(t);
      prev = t;
    }
    expect(tokens).toEqual(again);
    expect(proc.session.steps).toBe(300);
  });

  test('the tokens it steers are green far above chance', () => {
    const prompt = [7, 8];
    const proc = createWebLlmProcessor(wm, { prompt });
    const tokens = chat(proc, prompt, 400, seededRandom(2), 1);
    const seq = [...prompt, ...tokens];
    const s = wm.session({ prompt });
    let n = 0;
    let green = 0;
    for (let i = 2; i < seq.length; i++) {
      if (s.willBias) {
        n++;
        if (wm.isGreen(seq.slice(0, i), seq[i]!)) green++;
      }
      s.accept(seq[i]!);
    }
    expect(log10BinomialUpperTail(green, n, wm.greenProbability)).toBeLessThan(-20);
  });

  test('resetState restarts from the prompt; setPrompt switches requests', () => {
    const proc = createWebLlmProcessor(wm, { prompt: [1, 2] });
    const a = chat(proc, [1, 2], 50, seededRandom(3));
    const b = chat(proc, [1, 2], 50, seededRandom(3)); // chat() calls resetState first
    expect(b).toEqual(a);
    proc.setPrompt([9, 10]);
    expect(proc.session.length).toBe(2);
    const c = chat(proc, [9, 10], 50, seededRandom(3));
    const fresh = createWebLlmProcessor(wm, { prompt: [9, 10] });
    expect(chat(fresh, [9, 10], 50, seededRandom(3))).toEqual(c);
  });

  test('without setPrompt, a second turn continues from the previous answer (documented trap)', () => {
    const proc = createWebLlmProcessor(wm, { prompt: [1, 2] });
    chat(proc, [1, 2], 10, seededRandom(4));
    proc.processSampledToken(3); // web-llm does not reset between turns of one conversation
    expect(proc.session.length).toBe(13);
  });

  test('bad input: logits width (P1 trap), NaN, token ids, prompt ids', () => {
    const proc = createWebLlmProcessor(wm, { prompt: [1, 2] });
    expect(() => proc.processLogits(new Float32Array(V + 64))).toThrow(/session.bias: logits length 864 does not match vocabSize 800/);
    const nan = new Float32Array(V);
    nan[5] = NaN;
    expect(() => proc.processLogits(nan)).toThrow(/logits\[5\] is NaN/);
    expect(() => proc.processSampledToken(800)).toThrow(/session.accept: "token" must be an integer token id in \[0, 800\), got 800/);
    expect(() => proc.setPrompt([1, -2])).toThrow(/setPrompt: prompt\[1\] must be an integer token id in \[0, 800\), got -2/);
    expect(() => createWebLlmProcessor(wm, { prompt: [900] })).toThrow(/createWebLlmProcessor: prompt\[0\]/);
    expect(() => createWebLlmProcessor(null as never)).toThrow(TypeError);
  });
});
