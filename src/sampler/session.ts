import { SEED_WORDS, type GreenList } from '../scheme/green-list.js';
import type { FusedSampler, SampleOptions } from './fused.js';
import type { FamilyWatermark } from './family.js';
import { checkArrayLike, checkId, checkIds, checkOptionalBoolean, typeError } from '../assert.js';
import { checkLogits, checkNoNaN, nanError } from './validate.js';

/** Options of `wm.session()`. */
export interface SessionOptions {
  /**
   * The request's prompt ids. Only its last `contextWidth` ids matter for the watermark (they form
   * the first window); all of them are validated. Without a prompt, the first `contextWidth` steps
   * have no full window and are not biased.
   */
  readonly prompt?: ArrayLike<number>;
  /**
   * Repeated-context masking (default `true`): a step whose window was already the window of an
   * earlier step of this session is not biased, so every window is marked at most once per
   * generation, as the detector scores it at most once. Has no effect with `contextWidth: 0`,
   * where every step shares the one empty window (masking would leave only the first step marked).
   */
  readonly masking?: boolean;
  /**
   * The cohort of the request's account, in `[0, cohorts)`: key families only (a
   * {@link FamilyWatermark}), required when the family has more than one cohort. Default mapping:
   * `family.cohortOf(accountId)`. A single-key watermark refuses it (`KEY_MISMATCH`).
   */
  readonly cohort?: number;
  /**
   * The epoch of the request: key families with epochs only, and required there. Default:
   * `family.epochOf(Date.now())` (or the request's own timestamp). A single-key watermark refuses
   * it (`KEY_MISMATCH`).
   */
  readonly epoch?: number;
}

/**
 * Per-request watermark state: the current window (prompt tail, then generated tokens) and the
 * windows already used in this generation. Use one session per generated sequence. Sessions share
 * no state with each other: the watermark's scratch buffers hold nothing between calls (each call
 * is synchronous), and the default random source's buffer, also the watermark's, only hands out
 * independent uniforms, so which session draws which word changes no distribution. Concurrent
 * requests cannot interfere: interleaved sessions produce exactly what they produce one by one
 * (tested with seeded sources).
 *
 * A step is either `sample(logits)` (draw and accept in one call), or `bias(logits)` followed by
 * `accept(token)` for servers whose own sampler picks the token.
 */
export interface WatermarkSession {
  /**
   * Adds `delta` in place to the logits of the green tokens of the current window and returns the
   * same array; leaves it untouched when the window is short or repeated (masking). Does not
   * advance the session: call {@link WatermarkSession.accept} with the chosen token.
   *
   * @param logits - `vocabSize` logits of the next step (modified in place)
   * @returns `logits`
   * @throws TypeError when `logits` is not a Float32Array; RangeError when its length is not
   *   `vocabSize` or an entry is NaN (then nothing is modified)
   */
  bias(logits: Float32Array): Float32Array;
  /**
   * Draws the next token from the biased, warped distribution (exactly as `wm.sample`) and accepts
   * it. `logits` is not modified.
   *
   * @param logits - `vocabSize` logits of the next step
   * @param options - temperature, topK, topP, minP, random (see `SampleOptions`)
   * @returns the token id, already accepted
   * @throws as `wm.sample`
   */
  sample(logits: Float32Array, options?: SampleOptions): number;
  /**
   * Records the token chosen at this step (after `bias` and the server's own sampler): marks the
   * window as used and slides it.
   *
   * @param token - the chosen id
   * @throws RangeError when `token` is not an integer in `[0, vocabSize)`
   */
  accept(token: number): void;
  /**
   * Starts a new generation in this session object, reusing its buffers: forgets the window and
   * the used windows, and loads a new prompt.
   *
   * @param options - the new `prompt` (masking keeps the session's setting)
   * @throws as `wm.session`
   */
  reset(options?: { readonly prompt?: ArrayLike<number> }): void;
  /**
   * Writes the seed of the current window into `out[offset .. offset + 3)` and returns whether this
   * step is watermarked. For runtimes that apply the bias themselves (see `radiomark/node-llama-cpp`);
   * use `wm.greenList.isGreenSeeded(out, offset, token)` to test tokens.
   *
   * @param out - at least `offset + 3` words
   * @param offset - first word to write (default 0)
   * @returns `false` (and `out` untouched) when the window is short or repeated
   */
  stepSeed(out: Uint32Array, offset?: number): boolean;
  /** Whether the next step is watermarked: its window is full and (with masking) not yet used. */
  readonly willBias: boolean;
  /** Whether repeated-context masking is on. */
  readonly masking: boolean;
  /** Prompt length plus accepted tokens. */
  readonly length: number;
  /** Accepted tokens. */
  readonly steps: number;
  /** Accepted steps whose window was repeated (not watermarked because of masking). */
  readonly maskedSteps: number;
  /** Accepted steps without a full window (not watermarked). */
  readonly shortSteps: number;
}

const INITIAL_SEEN = 64;

/** @internal */
export class Session implements WatermarkSession {
  readonly masking: boolean;
  private readonly gl: GreenList;
  private readonly core: FusedSampler;
  private readonly delta: number;
  private readonly h: number;
  private readonly V: number;
  private readonly win: Int32Array;
  private readonly seed = new Uint32Array(SEED_WORDS);
  private have = 0;
  private seedValid = false;
  private seenCur = false;
  private seenKeys: Uint32Array;
  private seenUsed: Uint8Array;
  private seenCount = 0;
  private len = 0;
  private nSteps = 0;
  private nMasked = 0;
  private nShort = 0;

  constructor(gl: GreenList, core: FusedSampler, delta: number, options: SessionOptions | undefined) {
    if (options !== undefined && (options === null || typeof options !== 'object')) throw typeError('session', 'options', 'an object', options);
    const masking = checkOptionalBoolean('session', 'masking', options?.masking) ?? true;
    this.masking = masking;
    this.gl = gl;
    this.core = core;
    this.delta = delta;
    this.h = gl.contextWidth;
    this.V = gl.vocabSize;
    this.win = new Int32Array(Math.max(this.h, 1));
    const cap = masking && this.h > 0 ? INITIAL_SEEN : 0;
    this.seenKeys = new Uint32Array(cap * SEED_WORDS);
    this.seenUsed = new Uint8Array(cap);
    this.load('session', options?.prompt);
  }

  get willBias(): boolean {
    if (this.have < this.h) return false;
    this.ensureSeed();
    return !this.seenCur;
  }

  get length(): number {
    return this.len;
  }

  get steps(): number {
    return this.nSteps;
  }

  get maskedSteps(): number {
    return this.nMasked;
  }

  get shortSteps(): number {
    return this.nShort;
  }

  bias(logits: Float32Array): Float32Array {
    checkLogits('session.bias', logits, this.V);
    if (this.delta > 0 && this.willBias) {
      // The NaN check and the bias in one pass, all or nothing (nothing written on a NaN).
      const bad = this.gl.addGreenChecked(this.seed, 0, logits, 0, this.delta);
      if (bad >= 0) throw nanError('session.bias', bad);
    } else {
      checkNoNaN('session.bias', logits, 0, this.V);
    }
    return logits;
  }

  sample(logits: Float32Array, options?: SampleOptions): number {
    checkLogits('session.sample', logits, this.V);
    const seed = this.willBias ? this.seed : null;
    const token = this.core.sample('session.sample', this.gl, logits, seed, 0, options);
    this.step(token);
    return token;
  }

  accept(token: number): void {
    checkId('session.accept', 'token', -1, token, this.V);
    this.step(token);
  }

  reset(options?: { readonly prompt?: ArrayLike<number> }): void {
    if (options !== undefined && (options === null || typeof options !== 'object')) throw typeError('session.reset', 'options', 'an object', options);
    this.load('session.reset', options?.prompt);
  }

  stepSeed(out: Uint32Array, offset = 0): boolean {
    if (!this.willBias) return false;
    out[offset] = this.seed[0]!;
    out[offset + 1] = this.seed[1]!;
    out[offset + 2] = this.seed[2]!;
    return true;
  }

  toString(): string {
    return `WatermarkSession(length ${this.len}, steps ${this.nSteps})`;
  }

  private load(api: string, prompt: ArrayLike<number> | undefined): void {
    if (prompt !== undefined) {
      checkArrayLike(api, 'prompt', prompt);
      checkIds(api, 'prompt', prompt, 0, prompt.length, this.V);
    }
    const n = prompt?.length ?? 0;
    const take = Math.min(this.h, n);
    for (let i = 0; i < take; i++) this.win[i] = prompt![n - take + i]!;
    this.have = take;
    this.len = n;
    this.nSteps = 0;
    this.nMasked = 0;
    this.nShort = 0;
    if (this.seenCount > 0) {
      this.seenUsed.fill(0);
      this.seenCount = 0;
    }
    this.seedValid = false;
  }

  private ensureSeed(): void {
    if (this.seedValid) return;
    this.gl.seedWindow(this.win, this.h, this.seed, 0);
    this.seenCur = this.masking && this.h > 0 && this.find() >= 0;
    this.seedValid = true;
  }

  private step(token: number): void {
    const h = this.h;
    if (this.have >= h) {
      this.ensureSeed();
      if (this.seenCur) this.nMasked++;
      else if (this.masking && h > 0) this.insert();
    } else {
      this.nShort++;
    }
    if (h > 0) {
      if (this.have < h) {
        this.win[this.have++] = token;
      } else {
        this.win.copyWithin(0, 1, h);
        this.win[h - 1] = token;
      }
      this.seedValid = false;
    }
    this.nSteps++;
    this.len++;
  }

  /** Slot of the current seed in the used-window table, or `~slot` of the empty slot where it would go. */
  private find(): number {
    const keys = this.seenKeys;
    const used = this.seenUsed;
    const mask = used.length - 1;
    const s0 = this.seed[0]!;
    const s1 = this.seed[1]!;
    const s2 = this.seed[2]!;
    // The seed is a keyed hash output: its low bits index the table directly.
    let i = s0 & mask;
    while (used[i] !== 0) {
      const o = i * SEED_WORDS;
      if (keys[o] === s0 && keys[o + 1] === s1 && keys[o + 2] === s2) return i;
      i = (i + 1) & mask;
    }
    return ~i;
  }

  private insert(): void {
    if ((this.seenCount + 1) * 2 > this.seenUsed.length) this.grow();
    const slot = ~this.find();
    const o = slot * SEED_WORDS;
    this.seenKeys[o] = this.seed[0]!;
    this.seenKeys[o + 1] = this.seed[1]!;
    this.seenKeys[o + 2] = this.seed[2]!;
    this.seenUsed[slot] = 1;
    this.seenCount++;
  }

  /** Doubles the used-window table (amortised: O(log n) allocations over n steps). */
  private grow(): void {
    const oldKeys = this.seenKeys;
    const oldUsed = this.seenUsed;
    const cap = Math.max(INITIAL_SEEN, oldUsed.length * 2);
    const keys = new Uint32Array(cap * SEED_WORDS);
    const used = new Uint8Array(cap);
    const mask = cap - 1;
    for (let s = 0; s < oldUsed.length; s++) {
      if (oldUsed[s] === 0) continue;
      const o = s * SEED_WORDS;
      let i = oldKeys[o]! & mask;
      while (used[i] !== 0) i = (i + 1) & mask;
      keys[i * SEED_WORDS] = oldKeys[o]!;
      keys[i * SEED_WORDS + 1] = oldKeys[o + 1]!;
      keys[i * SEED_WORDS + 2] = oldKeys[o + 2]!;
      used[i] = 1;
    }
    this.seenKeys = keys;
    this.seenUsed = used;
  }
}
