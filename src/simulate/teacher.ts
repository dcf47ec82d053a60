/**
 * Teachers: the language models whose outputs are watermarked, and the serving loop that samples
 * them through the real serving path (`wm.session(...).sample`).
 */

import type { Watermark } from '../sampler/index.js';
import type { NGramModel } from './ngram.js';
import type { Random } from '../random/index.js';

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
  /** Sum over its tokens of `-log P_teacher(token | context)` (the unbiased teacher, T = 1). */
  readonly nats: number;
  /** Steps not biased because their window was used earlier in the same completion (masking). */
  readonly masked: number;
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
  /** Wall time in milliseconds spent generating these completions. */
  readonly ms: number;
}

/** How much to serve: stop before the first prompt once either limit is reached. */
export interface ServeBudget {
  /** Completion tokens. */
  readonly tokens?: number;
  /** Completions. */
  readonly completions?: number;
}

/**
 * A teacher's server over an endless stream of prompts: for each prompt, a fresh
 * `wm.session({ prompt })` and one `session.sample(logits, { temperature, topK, topP, random })` per
 * token, until the end-of-text id or `maxNewTokens`. A watermark with `delta: 0` is the same code
 * with the watermark off.
 *
 * Generation is sequential, so the answer to a smaller budget is a prefix of the answer to a larger
 * one; {@link TeacherServer.take} returns that prefix, generating only what is missing. This is how
 * the experiments reuse one pool of watermarked answers for every rho.
 */
export class TeacherServer {
  private readonly done: Completion[] = [];
  private readonly cumTokens: number[] = [];
  private ms = 0;
  private readonly logits: Float32Array;
  private readonly sampleOptions: { temperature: number; topK?: number; topP?: number; random: () => number };

  /**
   * @param teacher - the model
   * @param wm - the watermark (the real sampler); `delta: 0` serves clean text
   * @param prompts - prompts, consumed in order
   * @param random - the seeded stream passed to the sampler as `random`
   * @param options - see {@link ServeOptions}
   * @throws RangeError when the watermark's vocabulary differs from the teacher's
   */
  constructor(
    private readonly teacher: Teacher,
    private readonly wm: Watermark,
    private readonly prompts: Iterator<ArrayLike<number>>,
    random: Random,
    private readonly options: ServeOptions = {},
  ) {
    if (wm.config.vocabSize !== teacher.vocabSize) {
      throw new RangeError(`serve: the watermark's vocabSize ${wm.config.vocabSize} differs from the teacher's ${teacher.vocabSize}`);
    }
    this.logits = new Float32Array(teacher.vocabSize);
    this.sampleOptions = {
      temperature: options.temperature ?? 1,
      ...(options.topK !== undefined ? { topK: options.topK } : {}),
      ...(options.topP !== undefined ? { topP: options.topP } : {}),
      random: () => random.next(),
    };
  }

  /**
   * The completions for a budget: generated on demand, identical to a fresh server's.
   * @param budget - token and/or completion limits
   * @returns the report of the prefix
   */
  take(budget: ServeBudget): ServeReport {
    const maxTokens = budget.tokens ?? Infinity;
    const maxCompletions = budget.completions ?? Infinity;
    let k = 0;
    for (;;) {
      const tokensBefore = k === 0 ? 0 : this.cumTokens[k - 1]!;
      if (tokensBefore >= maxTokens || k >= maxCompletions) break;
      if (k === this.done.length && !this.next()) break;
      k++;
    }
    const completions = this.done.slice(0, k);
    let nats = 0;
    let masked = 0;
    for (const c of completions) {
      nats += c.nats;
      masked += c.masked;
    }
    const tokens = k === 0 ? 0 : this.cumTokens[k - 1]!;
    const ms = this.done.length === 0 ? 0 : (this.ms * tokens) / Math.max(1, this.cumTokens[this.done.length - 1]!);
    return { completions, tokens, nats, maskedSteps: masked, ms };
  }

  /** Completions generated so far. */
  get generated(): number {
    return this.done.length;
  }

  private next(): boolean {
    const r = this.prompts.next();
    if (r.done) return false;
    const t0 = performance.now();
    const { teacher, wm, options, logits, sampleOptions } = this;
    const maxNew = options.maxNewTokens ?? 64;
    const eot = teacher.endOfText;
    const ignoreEot = options.ignoreEndOfText === true;
    const p = Uint32Array.from(r.value);
    const session = wm.session({ prompt: p, masking: options.masking ?? true });
    const ctx: number[] = Array.from(p);
    let nats = 0;
    for (let step = 0; step < maxNew; step++) {
      teacher.logits(ctx, logits);
      if (ignoreEot && eot !== undefined) logits[eot] = -Infinity;
      const x = session.sample(logits, sampleOptions);
      if (x === eot) break;
      nats -= teacher.logProb(ctx, x);
      ctx.push(x);
    }
    const completion = Uint32Array.from(ctx.slice(p.length));
    this.done.push({ prompt: p, completion, nats, masked: session.maskedSteps });
    this.cumTokens.push((this.cumTokens.length > 0 ? this.cumTokens[this.cumTokens.length - 1]! : 0) + completion.length);
    this.ms += performance.now() - t0;
    return true;
  }
}

/**
 * Serves completions for `prompts` until `tokenBudget` completion tokens (see
 * {@link TeacherServer}).
 *
 * @param teacher - the model
 * @param wm - the watermark; `delta: 0` serves clean text
 * @param prompts - prompts, consumed in order
 * @param tokenBudget - stop before the first prompt once this many tokens were produced
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
  return new TeacherServer(teacher, wm, prompts[Symbol.iterator](), random, options).take({ tokens: tokenBudget });
}

/** The entropy profile of a teacher at the contexts it visits. */
export interface EntropyProfile {
  /** Contexts measured. */
  readonly contexts: number;
  /** Mean next-token entropy in nats (temperature 1, unbiased teacher). */
  readonly mean: number;
  readonly median: number;
  /** Fraction of steps below 0.5 nats (near-deterministic) and above 3 nats (broad). */
  readonly below05: number;
  readonly above3: number;
}

/**
 * Measures a teacher's next-token entropy at the contexts of `completions` (prompt + completion so
 * far, at each completion position), from its full-width logits.
 *
 * @param teacher - the model
 * @param completions - where to measure
 * @param maxContexts - at most this many contexts
 * @returns the profile
 */
export function entropyProfile(teacher: Teacher, completions: readonly Completion[], maxContexts = 2000): EntropyProfile {
  const logits = new Float32Array(teacher.vocabSize);
  const hs: number[] = [];
  for (const c of completions) {
    const seq = [...c.prompt, ...c.completion];
    for (let i = c.prompt.length; i < seq.length && hs.length < maxContexts; i++) {
      teacher.logits(seq.slice(0, i), logits);
      let m = -Infinity;
      for (let t = 0; t < logits.length; t++) if (logits[t]! > m) m = logits[t]!;
      let z = 0;
      let s = 0;
      for (let t = 0; t < logits.length; t++) {
        const l = logits[t]!;
        if (l === -Infinity) continue;
        const w = Math.exp(l - m);
        z += w;
        s += w * (l - m);
      }
      hs.push(Math.log(z) - s / z);
    }
    if (hs.length >= maxContexts) break;
  }
  hs.sort((a, b) => a - b);
  const n = hs.length;
  return {
    contexts: n,
    mean: n > 0 ? hs.reduce((a, b) => a + b, 0) / n : NaN,
    median: n > 0 ? hs[n >> 1]! : NaN,
    below05: n > 0 ? hs.filter((h) => h < 0.5).length / n : NaN,
    above3: n > 0 ? hs.filter((h) => h > 3).length / n : NaN,
  };
}
