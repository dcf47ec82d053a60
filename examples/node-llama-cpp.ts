/**
 * Watermarking node-llama-cpp with radiomark/node-llama-cpp.
 *
 *   npm install node-llama-cpp            # an optional peer dependency (large: platform binaries)
 *   npx tsx examples/node-llama-cpp.ts --model path/to/model.gguf [--prompt "..."] [--tokens 64]
 *
 * node-llama-cpp has no logits hook: the adapter gives `evaluate()` a `tokenBias` function that
 * returns the bias of the current window (cached per window), and `accept` follows the tokens.
 * node-llama-cpp is imported dynamically and typed by the few members used here, so this
 * repository type-checks without it.
 */
import { parseArgs } from 'node:util';
import { generateKey } from 'radiomark/key';
import { createWatermark } from 'radiomark/sampler';
import { createLlamaWatermark, type TokenBiasLike } from 'radiomark/node-llama-cpp';

/** The members of node-llama-cpp (3.22) this example uses. */
interface NodeLlamaCpp {
  getLlama(): Promise<{ loadModel(o: { modelPath: string }): Promise<Model> }>;
  TokenBias: new (tokenizer: unknown) => TokenBiasLike;
}
interface Model {
  tokenizer: unknown;
  fileInfo: { metadata: { tokenizer: { ggml: { tokens: readonly string[] } } } };
  tokenize(text: string): number[];
  detokenize(tokens: readonly number[]): string;
  createContext(): Promise<{ getSequence(): { evaluate(tokens: number[], o: { temperature: number; tokenBias: () => TokenBiasLike }): AsyncIterable<number> } }>;
}

const { values } = parseArgs({ options: { model: { type: 'string' }, prompt: { type: 'string', default: 'The history of the printing press' }, tokens: { type: 'string', default: '64' } } });
if (!values.model) {
  console.error('usage: npx tsx examples/node-llama-cpp.ts --model path/to/model.gguf [--prompt "..."] [--tokens 64]');
  process.exit(2);
}
const { getLlama, TokenBias } = (await import('node-llama-cpp' as string)) as NodeLlamaCpp;
const model = await (await getLlama()).loadModel({ modelPath: values.model });
const vocabSize = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
const wm = createWatermark({ key: generateKey(), vocabSize, delta: 2, contextWidth: 2 });
const llama = createLlamaWatermark(wm, { createTokenBias: () => new TokenBias(model.tokenizer) });
const sequence = (await model.createContext()).getSequence();

const prompt = model.tokenize(values.prompt);
const s = llama.session({ prompt });
const out: number[] = [];
// Keep speculative decoding (tokenPredictor) off: drafted positions would ask for a bias early.
for await (const token of sequence.evaluate(prompt, { temperature: 0.8, tokenBias: s.tokenBias })) {
  s.accept(token);
  out.push(token);
  if (out.length >= Number(values.tokens)) break;
}
console.log(values.prompt + model.detokenize(out));
console.log(`${s.session.steps} tokens, ${s.session.maskedSteps} repeated windows left unbiased; bias cache ${JSON.stringify(llama.stats)}`);
