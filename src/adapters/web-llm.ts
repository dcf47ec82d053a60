/**
 * web-llm (`@mlc-ai/web-llm`, an optional peer dependency; browser, WebGPU) adapter: an object
 * implementing web-llm's `LogitProcessor` interface.
 *
 * Typed structurally: nothing is imported from web-llm, so this entry point loads without it and
 * the object fits `new MLCEngine({ logitProcessorRegistry: new Map([[modelId, processor]]) })`.
 * The interface (checked against @mlc-ai/web-llm 0.2.86's `lib/types.d.ts`):
 * `processLogits(logits: Float32Array): Float32Array`, `processSampledToken(token: number): void`,
 * `resetState(): void`.
 *
 * @module radiomark/web-llm
 */
import type { Watermark } from '../sampler/watermark.js';
import type { WatermarkSession } from '../sampler/session.js';
import { checkArrayLike, checkIds } from '../assert.js';
import { checkWatermark } from '../sampler/check.js';

/** web-llm's `LogitProcessor` interface, restated (web-llm is not imported). */
export interface LogitProcessor {
  /** Processes the logits after forward() and before sampling (on the CPU); returns them. */
  processLogits: (logits: Float32Array) => Float32Array;
  /** Called with each sampled token. */
  processSampledToken: (token: number) => void;
  /** Called by `MLCEngine.resetChat()`. */
  resetState: () => void;
}

/** Options of {@link createWebLlmProcessor}. */
export interface WebLlmProcessorOptions {
  /**
   * The prompt ids of the first request (its tail forms the first window). web-llm never passes
   * prompt tokens to a processor, so the adapter must be told; see
   * {@link WebLlmWatermarkProcessor.setPrompt} for later requests.
   */
  readonly prompt?: ArrayLike<number>;
  /** Repeated-context masking (default true; see `wm.session`). */
  readonly masking?: boolean;
}

/**
 * A web-llm `LogitProcessor` backed by one watermark session.
 *
 * - `processLogits` biases the green tokens of the current window in place (web-llm calls it
 *   before its logit_bias, penalties and temperature, so the bias acts as `delta / T` there, as in
 *   `wm.sample`).
 * - `processSampledToken` advances the window.
 * - `resetState` (web-llm calls it from `resetChat()`) restarts the session from the prompt set by
 *   {@link WebLlmWatermarkProcessor.setPrompt} (or the constructor's).
 *
 * web-llm keeps one processor per model id and continues a conversation across turns without
 * resetting it: call `setPrompt(ids)` with the new prompt's ids before each request, or the first
 * windows of the answer are formed from the end of the previous answer instead of the prompt.
 * Register the processor inside the worker when you use the web-worker engine (the worker engine
 * ignores a registry passed from the page).
 *
 * @example
 * ```ts
 * import { MLCEngine } from '@mlc-ai/web-llm';
 * const wm = createWatermark({ key, vocabSize: 128256 }); // the model's logits width
 * const proc = createWebLlmProcessor(wm);
 * const engine = new MLCEngine({ logitProcessorRegistry: new Map([[modelId, proc]]) });
 * await engine.reload(modelId);
 * proc.setPrompt(promptIds);
 * await engine.chat.completions.create({ messages, stream: false });
 * ```
 */
export class WebLlmWatermarkProcessor implements LogitProcessor {
  /** The session holding the current window (read its counters; do not drive it directly). */
  readonly session: WatermarkSession;
  private prompt: number[];
  private readonly vocabSize: number;

  /**
   * @param watermark - from `createWatermark`, with `vocabSize` equal to the model's logits width
   * @param options - first prompt and masking
   * @throws TypeError / RangeError for a malformed watermark, prompt or masking flag
   */
  constructor(watermark: Watermark, options: WebLlmProcessorOptions = {}) {
    checkWatermark('createWebLlmProcessor', 'watermark', watermark);
    this.vocabSize = watermark.config.vocabSize;
    this.prompt = copyPrompt('createWebLlmProcessor', options.prompt, this.vocabSize);
    this.session = watermark.session({ prompt: this.prompt, masking: options.masking ?? true });
  }

  /**
   * Biases `logits` in place (see `session.bias`) and returns the same array.
   * @throws RangeError when `logits.length !== vocabSize` or a logit is NaN
   */
  processLogits = (logits: Float32Array): Float32Array => this.session.bias(logits);

  /**
   * Advances the window with the sampled token.
   * @throws RangeError when `token` is not an integer in `[0, vocabSize)`
   */
  processSampledToken = (token: number): void => this.session.accept(token);

  /** Restarts the session from the current prompt (web-llm calls this from `resetChat()`). */
  resetState = (): void => this.session.reset({ prompt: this.prompt });

  /**
   * Sets the prompt of the next request and restarts the session from it.
   *
   * @param prompt - the prompt's token ids (as the model's tokenizer produced them)
   * @throws TypeError / RangeError when ids are not integers in `[0, vocabSize)`
   */
  setPrompt(prompt: ArrayLike<number>): void {
    const next = copyPrompt('setPrompt', prompt, this.vocabSize);
    this.session.reset({ prompt: next });
    this.prompt = next;
  }
}

/**
 * Creates a {@link WebLlmWatermarkProcessor}.
 *
 * @param watermark - from `createWatermark`
 * @param options - first prompt and masking
 * @returns the processor, to register in `logitProcessorRegistry`
 * @throws as the constructor
 * @example
 * ```ts
 * const proc = createWebLlmProcessor(wm, { prompt: promptIds });
 * new MLCEngine({ logitProcessorRegistry: new Map([['Llama-3.1-8B-Instruct-q4f16_1-MLC', proc]]) });
 * ```
 */
export function createWebLlmProcessor(watermark: Watermark, options?: WebLlmProcessorOptions): WebLlmWatermarkProcessor {
  return new WebLlmWatermarkProcessor(watermark, options);
}

function copyPrompt(api: string, prompt: ArrayLike<number> | undefined, vocabSize: number): number[] {
  if (prompt === undefined) return [];
  checkArrayLike(api, 'prompt', prompt);
  checkIds(api, 'prompt', prompt, 0, prompt.length, vocabSize);
  return Array.from(prompt);
}
