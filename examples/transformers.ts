/**
 * Watermarking transformers.js generation with radiomark/transformers.
 *
 *   npx tsx examples/transformers.ts                       # offline: a stub model (no download)
 *   npx tsx examples/transformers.ts --model onnx-community/Qwen2.5-0.5B-Instruct   # a real model
 *
 * The real-model path downloads weights from the Hugging Face hub on first use (or reads them from
 * `env.localModelPath`). The offline path runs transformers.js's real generate() loop over a
 * GPT-2 model class whose forward() returns a seeded bigram model's logits, so the pipeline around
 * the processor is exactly the library's.
 */
import { parseArgs } from 'node:util';
import { AutoModelForCausalLM, AutoTokenizer, GPT2LMHeadModel, PretrainedConfig, Tensor, random } from '@huggingface/transformers';
import { generateKey } from 'radiomark/key';
import { createWatermark } from 'radiomark/sampler';
import { watermarkProcessors } from 'radiomark/transformers';

const { values } = parseArgs({ options: { model: { type: 'string' }, tokens: { type: 'string', default: '64' } } });
const newTokens = Number(values.tokens);
const key = generateKey();

if (values.model) {
  const tokenizer = await AutoTokenizer.from_pretrained(values.model);
  const model = await AutoModelForCausalLM.from_pretrained(values.model, { dtype: 'q8' });
  const inputs = tokenizer('The history of the printing press', { add_special_tokens: false });
  // The logits width (config.vocab_size) can exceed the tokenizer's size (padded embeddings): the
  // watermark must be created with the logits width; the green list does not depend on it.
  const vocabSize = (model.config as unknown as { vocab_size: number }).vocab_size;
  const wm = createWatermark({ key, vocabSize, delta: 2, contextWidth: 2 });
  const out = (await model.generate({ ...inputs, do_sample: true, temperature: 0.8, max_new_tokens: newTokens, logits_processor: watermarkProcessors(wm) })) as Tensor;
  const ids = (out.tolist() as bigint[][])[0]!.map(Number);
  console.log(tokenizer.decode(ids, { skip_special_tokens: true }));
  report(wm, ids, (inputs.input_ids as Tensor).dims.at(-1)!);
} else {
  const V = 5000;
  const config = new PretrainedConfig({ model_type: 'gpt2', vocab_size: V, n_layer: 0, n_head: 1, n_embd: 4, eos_token_id: null, bos_token_id: null });
  const model = new GPT2LMHeadModel(config, {}, {});
  (model as unknown as { forward: (i: { input_ids: Tensor }) => Promise<{ logits: Tensor }> }).forward = async ({ input_ids }) => {
    const [B, S] = input_ids.dims as [number, number];
    const data = new Float32Array(B * S * V);
    for (let b = 0; b < B; b++) {
      const prev = Number((input_ids.data as BigInt64Array)[b * S + S - 1]!);
      let x = Math.imul(prev, 2654435761);
      const u = (): number => ((x = (Math.imul(x, 1664525) + 1013904223) | 0) >>> 8) / 2 ** 24;
      for (let t = 0; t < V; t++) data[(b * S + S - 1) * V + t] = (u() + u() + u() - 1.5) * 2.4;
    }
    return { logits: new Tensor('float32', data, [B, S, V]) };
  };
  const wm = createWatermark({ key, vocabSize: V, delta: 2, contextWidth: 2 });
  random.seed(1);
  const prompt = [11n, 12n, 13n];
  const out = (await model.generate({
    input_ids: new Tensor('int64', BigInt64Array.from(prompt), [1, 3]),
    attention_mask: new Tensor('int64', BigInt64Array.from([1n, 1n, 1n]), [1, 3]),
    do_sample: true,
    top_k: 0, // transformers.js keeps the top 50 by default; sample from the whole distribution here
    max_new_tokens: newTokens,
    logits_processor: watermarkProcessors(wm),
  })) as Tensor;
  report(wm, (out.tolist() as bigint[][])[0]!.map(Number), prompt.length);
}

function report(wm: ReturnType<typeof createWatermark>, ids: number[], promptLength: number): void {
  const s = wm.session({ prompt: ids.slice(0, promptLength) });
  let scored = 0;
  let green = 0;
  for (let i = promptLength; i < ids.length; i++) {
    if (s.willBias) {
      scored++;
      if (wm.isGreen(ids.slice(0, i), ids[i]!)) green++;
    }
    s.accept(ids[i]!);
  }
  console.log(`${green} of ${scored} watermarked positions are green (${((100 * green) / Math.max(1, scored)).toFixed(1)}%; ${(100 * wm.greenProbability).toFixed(1)}% expected without the watermark)`);
}
