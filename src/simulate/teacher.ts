/**
 * Teachers: the language models whose outputs are watermarked, and the serving loop that samples
 * them through the real serving path (`wm.session(...).sample`).
 */

import type { Watermark } from '../sampler/index.js';
import type { NGramModel } from './ngram.js';
import type { Random } from './random.js';

/**
 * A conditional language model over a tokenizer's full id range. `logits` fills a full
 * `vocabSize` array, as a model's output layer does; ids outside the model's support are
 * `-Infinity`, which the sampler drops without hashing.
 */
export interface Teacher {
  /** `ngram` or `synthetic`. */
  readonly kind: string;
  /** One line describing the model, for the output. */
  readonly description: string;
  /** Width of the logits, the tokenizer's id range. */
  readonly vocabSize: number;
  /** Id that ends a completion (not part of it), if the model emits one. */
  readonly endOfText: number | undefined;
  /**
   * Writes the next-token logits after `context` into `out` (length `vocabSize`).
   * @returns `out`
   */
  logits(context: ArrayLike<number>, out: Float32Array): Float32Array;
  /** Natural log of the unbiased model's probability of `token` after `context` (temperature 1). */
  logProb(context: ArrayLike<number>, token: number): number;
}

/** A teacher backed by a Witten-Bell n-gram model (see `ngram.ts`). */
export class NGramTeacher implements Teacher {
  readonly kind = 'ngram';
  readonly description: string;
  readonly vocabSize: number;

  /**
   * @param model - the trained model
   * @param endOfText - the id that ends a gloss (the model learned to emit it)
   * @param description - what it was trained on
   */
  constructor(
    readonly model: NGramModel,
    readonly endOfText: number | undefined,
    description: string,
  ) {
    this.vocabSize = model.vocabSize;
    this.description = description;
  }

  logits(context: ArrayLike<number>, out: Float32Array): Float32Array {
    return this.model.logits(context, out);
  }

  logProb(context: ArrayLike<number>, token: number): number {
    return Math.log(this.model.prob(context, token));
  }
}

/** Sampling settings of the teacher's server. */
export interface ServeOptions {
  /** Softmax temperature (default 1). */
  readonly temperature?: number;
  /** Top-k truncation (default none). */
  readonly topK?: number;
  /** Nucleus truncation (default none). */
  readonly topP?: number;
  /** Repeated-context masking of the watermark (default true). */
  readonly masking?: boolean;
  /** Largest completion length (default 64). */
  readonly maxNewTokens?: number;
  /** Keep sampling past the end-of-text id (masked to `-Infinity`), as `ignore_eos` does. */
  readonly ignoreEndOfText?: boolean;
}

/** One prompt and the teacher's completion (the end-of-text id not included). */
export interface Completion {
  readonly prompt: Uint32Array;
  readonly completion: Uint32Array;
}

/** What a serving run produced. */
export interface ServeReport {
  readonly completions: Completion[];
  /** Completion tokens generated. */
  readonly tokens: number;
  /** Sum over generated tokens of `-log P_teacher(token | context)` (unbiased teacher, T = 1). */
  readonly nats: number;
  /** Steps the session did not bias because their window was used earlier in the same completion. */
  readonly maskedSteps: number;
  /** Wall time in milliseconds. */
  readonly ms: number;
}

/**
 * Serves completions: for each prompt, a fresh `wm.session({ prompt })` and one
 * `session.sample(logits, { temperature, topK, topP, random })` per token, until the end-of-text id
 * or `maxNewTokens`. A watermark with `delta: 0` is the same code with the watermark off.
 *
 * @param teacher - the model
 * @param wm - the watermark (the real sampler); `delta: 0` serves clean text
 * @param prompts - prompts, consumed in order until `tokenBudget` completion tokens are produced
 * @param tokenBudget - stop after the completion during which this many tokens were reached
 * @param random - the seeded stream passed to the sampler as `random`
 * @param options - see {@link ServeOptions}
 * @returns the completions and their statistics
 */
export function serve(
  teacher: Teacher,
  wm: Watermark,
  prompts: Iterable<ArrayLike<number>>,
  tokenBudget: number,
  random: Random,
  options: ServeOptions = {},
): ServeReport {
  const t0 = performance.now();
  const V = teacher.vocabSize;
  if (wm.config.vocabSize !== V) {
    throw new RangeError(`serve: the watermark's vocabSize ${wm.config.vocabSize} differs from the teacher's ${V}`);
  }
  const maxNew = options.maxNewTokens ?? 64;
  const eot = teacher.endOfText;
  const ignoreEot = options.ignoreEndOfText === true;
  const sampleOptions = {
    temperature: options.temperature ?? 1,
    ...(options.topK !== undefined ? { topK: options.topK } : {}),
    ...(options.topP !== undefined ? { topP: options.topP } : {}),
    random: () => random.next(),
  };
  const logits = new Float32Array(V);
  const completions: Completion[] = [];
  let tokens = 0;
  let nats = 0;
  let masked = 0;
  const ctx: number[] = [];
  for (const prompt of prompts) {
    if (tokens >= tokenBudget) break;
    const p = Uint32Array.from(prompt);
    const session = wm.session({ prompt: p, masking: options.masking ?? true });
    ctx.length = 0;
    for (let i = 0; i < p.length; i++) ctx.push(p[i]!);
    for (let step = 0; step < maxNew; step++) {
      teacher.logits(ctx, logits);
      if (ignoreEot && eot !== undefined) logits[eot] = -Infinity;
      const x = session.sample(logits, sampleOptions);
      if (x === eot) break;
      nats -= teacher.logProb(ctx, x);
      ctx.push(x);
    }
    masked += session.maskedSteps;
    const completion = Uint32Array.from(ctx.slice(p.length));
    tokens += completion.length;
    completions.push({ prompt: p, completion });
  }
  return { completions, tokens, nats, maskedSteps: masked, ms: performance.now() - t0 };
}
