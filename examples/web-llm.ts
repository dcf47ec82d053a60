/**
 * Watermarking web-llm (in the browser, WebGPU) with radiomark/web-llm. Bundle this module into
 * your page or worker; it does not run under Node. It follows web-llm's own logit-processor example:
 * register the processor for the model id, prefill the prompt ids, then sample token by token with
 * `forwardTokensAndSample`; web-llm calls `processLogits` and `processSampledToken` itself.
 *
 * Key handling: code that runs in a browser hands its key to whoever runs the page. Watermark on
 * the client only where you control the runtime, and then with a key of its own (`deriveKey(key,
 * 'web/<deployment>')`) so a leak does not expose the key of your servers.
 *
 * web-llm is imported dynamically and typed by the few members used here, so this repository
 * type-checks without it (it is an optional peer dependency, not installed here).
 */
import type { SecretKey } from 'radiomark/key';
import { createWatermark } from 'radiomark/sampler';
import { createWebLlmProcessor, type LogitProcessor } from 'radiomark/web-llm';

/** The members of @mlc-ai/web-llm (0.2.86) this example uses. */
interface WebLlm {
  MLCEngine: new (config: { logitProcessorRegistry: Map<string, LogitProcessor> }) => {
    reload(modelId: string): Promise<void>;
    resetChat(keepStats?: boolean, modelId?: string): Promise<void>;
    forwardTokensAndSample(inputIds: number[], isPrefill: boolean, modelId?: string): Promise<number>;
  };
}

/**
 * Generates `maxTokens` watermarked tokens after `promptIds`.
 *
 * @param options - the model id (a web-llm prebuilt id), the prompt's ids from the model's
 *   tokenizer (e.g. transformers.js's AutoTokenizer for the same model), the logits width, the key
 * @returns the generated ids
 */
export async function watermarkedGenerate(options: { modelId: string; promptIds: number[]; vocabSize: number; key: SecretKey; maxTokens: number; eos?: number }): Promise<number[]> {
  const webllm = (await import(/* @vite-ignore */ '@mlc-ai/web-llm' as string)) as WebLlm;
  const wm = createWatermark({ key: options.key, vocabSize: options.vocabSize, delta: 2, contextWidth: 2 });
  const processor = createWebLlmProcessor(wm);
  const engine = new webllm.MLCEngine({ logitProcessorRegistry: new Map([[options.modelId, processor]]) });
  await engine.reload(options.modelId);
  await engine.resetChat(); // calls processor.resetState()
  processor.setPrompt(options.promptIds); // web-llm never shows prompt tokens to a processor
  const out: number[] = [];
  let token = await engine.forwardTokensAndSample(options.promptIds, true);
  while (out.length < options.maxTokens && token !== options.eos) {
    out.push(token);
    token = await engine.forwardTokensAndSample([token], false);
  }
  return out;
}
