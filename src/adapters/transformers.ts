/**
 * transformers.js (`@huggingface/transformers`, an optional peer dependency) adapter: a
 * `LogitsProcessor` that watermarks `model.generate()`.
 *
 * The processor class extends transformers.js's own `LogitsProcessor`, imported statically: this
 * entry point (`radiomark/transformers`) is only loaded by code that uses transformers.js, and a
 * static ESM import of the peer keeps the class a real subclass (transformers.js's processors are
 * callable objects built by its `Callable` base). The root `radiomark` entry never imports it.
 *
 * @module radiomark/transformers
 */
import { LogitsProcessor, LogitsProcessorList, type Tensor } from '@huggingface/transformers';
import { SEED_WORDS } from '../scheme/green-list.js';
import type { Watermark } from '../sampler/watermark.js';
import type { WatermarkSession } from '../sampler/session.js';
import { checkOptionalBoolean, describe, typeError } from '../assert.js';
import { RadiomarkRangeError } from '../errors.js';
import { checkWatermark } from '../sampler/check.js';
import { nanError } from '../sampler/validate.js';

/** Options of {@link WatermarkLogitsProcessor}. */
export interface WatermarkLogitsProcessorOptions {
  /** Repeated-context masking per generated row (default true; see `wm.session`). */
  readonly masking?: boolean;
}

/**
 * A transformers.js `LogitsProcessor` that adds `delta` to the green tokens of each row's current
 * window, in place, and returns the tensor (transformers.js passes each processor's return value to
 * the next one).
 *
 * - Batch-aware: row `b` of the `[batch, vocab]` logits is biased with the window at the end of
 *   `input_ids[b]` (the prompt plus what was generated so far).
 * - Order: transformers.js applies user processors after its own ones, temperature included, so
 *   the bias is added to `logits / T`: it acts as `delta`, not `delta / T`, on the sampling
 *   distribution (unlike `wm.sample`, which biases before dividing by the temperature). Its
 *   sampler then keeps the top-k (default 50) and draws; it has no top-p.
 * - Masking: one `wm.session` per row, started from the row when a new `generate()` call begins
 *   (a new `input_ids` array) and advanced by one token per step. Use one processor per
 *   concurrent `generate()` call: calls that interleave on one processor still get the right bias,
 *   but each step then restarts the sessions and masking is lost.
 * - Cost: one pass per row (the NaN check and the bias together, on the scheme's one-pass
 *   kernels). All or nothing: a call that throws (a NaN logit, an id out of range) leaves the
 *   logits untouched, and the next call restarts the sessions from its `input_ids`.
 *
 * @example
 * ```ts
 * import { LogitsProcessorList } from '@huggingface/transformers';
 * const list = new LogitsProcessorList();
 * list.push(new WatermarkLogitsProcessor(wm));
 * const out = await model.generate({ ...inputs, do_sample: true, max_new_tokens: 64, logits_processor: list });
 * ```
 */
export class WatermarkLogitsProcessor extends LogitsProcessor {
  /** The watermark applied. */
  readonly watermark: Watermark;
  /** Whether repeated-context masking is on. */
  readonly masking: boolean;
  private sessions: WatermarkSession[] = [];
  private lengths: number[] = [];
  private lastIds: bigint[][] | null = null;
  /** Per-row seeds and "biased" flags of the last call, grown to the largest batch seen. */
  private seeds = new Uint32Array(0);
  private active = new Uint8Array(0);
  private readonly tail: number[] = [];

  /**
   * @param watermark - from `createWatermark`; its `vocabSize` must equal the logits' width
   * @param options - `masking` (default true)
   * @throws TypeError when `watermark` is not a watermark or `masking` is not a boolean
   */
  constructor(watermark: Watermark, options: WatermarkLogitsProcessorOptions = {}) {
    super();
    checkWatermark('WatermarkLogitsProcessor', 'watermark', watermark);
    const masking = checkOptionalBoolean('WatermarkLogitsProcessor', 'masking', options.masking) ?? true;
    this.watermark = watermark;
    this.masking = masking;
  }

  /**
   * Biases `logits` in place and returns it.
   *
   * @param input_ids - one array of ids (bigint) per row: the prompt and the tokens so far
   * @param logits - float32 `[batch, vocab]`
   * @returns `logits`
   * @throws TypeError when the tensor is not float32; RangeError when its shape is not
   *   `[input_ids.length, vocabSize]`, an id is out of range, or a logit is NaN
   */
  override _call(input_ids: bigint[][], logits: Tensor): Tensor {
    const api = 'WatermarkLogitsProcessor';
    const data = logits.data;
    if (!(data instanceof Float32Array)) throw typeError(api, 'logits', `a float32 tensor (got type ${String(logits.type)})`, data);
    const dims = logits.dims;
    const V = this.watermark.config.vocabSize;
    if (dims.length !== 2 || dims[1] !== V) {
      throw new RadiomarkRangeError(
        `${api}: logits shape [${dims.join(', ')}] does not match [batch, vocabSize ${V}] (create the watermark with the model's logits width, ${String(dims.at(-1))}; the green list does not depend on it)`,
        { api, field: 'logits' },
      );
    }
    const B = dims[0]!;
    if (!Array.isArray(input_ids) || input_ids.length !== B) {
      throw new RadiomarkRangeError(`${api}: ${Array.isArray(input_ids) ? input_ids.length : describe(input_ids)} input_ids rows for a batch of ${B} logits rows`, { api, field: 'input_ids' });
    }
    try {
      this.step(api, input_ids, B, V);
    } catch (e) {
      this.lastIds = null; // sessions may have moved: the next call restarts them from input_ids
      throw e;
    }
    // Every row's NaN check and bias in one pass per row, all or nothing across rows.
    const bad = this.watermark.greenList.addGreenRows(this.seeds, this.active, data, B, this.watermark.config.delta);
    if (bad >= 0) {
      this.lastIds = null;
      throw nanError(api, bad, V);
    }
    this.lastIds = input_ids;
    return logits;
  }

  /** Advances (or restarts) each row's session and records its seed and whether it is biased. */
  private step(api: string, input_ids: bigint[][], B: number, V: number): void {
    const fresh = input_ids !== this.lastIds || this.sessions.length < B;
    while (this.sessions.length < B) {
      this.sessions.push(this.watermark.session({ masking: this.masking }));
      this.lengths.push(-1);
    }
    if (this.active.length < B) {
      this.seeds = new Uint32Array(SEED_WORDS * B);
      this.active = new Uint8Array(B);
    }
    const h = this.watermark.greenList.contextWidth;
    const biased = this.watermark.config.delta > 0;
    for (let b = 0; b < B; b++) {
      const row = input_ids[b]!;
      const s = this.sessions[b]!;
      const n = row.length;
      if (!fresh && n === this.lengths[b]! + 1) {
        s.accept(toId(api, row, n - 1, V));
      } else {
        this.tail.length = 0;
        for (let i = Math.max(0, n - h); i < n; i++) this.tail.push(toId(api, row, i, V));
        s.reset({ prompt: this.tail });
      }
      this.lengths[b] = n;
      this.active[b] = biased && s.stepSeed(this.seeds, SEED_WORDS * b) ? 1 : 0;
    }
  }

  /** Forgets the per-row state (the next call starts new sessions from `input_ids`). */
  reset(): void {
    this.lastIds = null;
  }
}

/**
 * A `LogitsProcessorList` holding one {@link WatermarkLogitsProcessor}, ready for
 * `generate({ logits_processor })`.
 *
 * @param watermark - from `createWatermark`
 * @param options - `masking` (default true)
 * @returns a new list with the processor
 * @throws as the processor's constructor
 * @example
 * ```ts
 * await model.generate({ ...inputs, do_sample: true, logits_processor: watermarkProcessors(wm) });
 * ```
 */
export function watermarkProcessors(watermark: Watermark, options?: WatermarkLogitsProcessorOptions): LogitsProcessorList {
  const list = new LogitsProcessorList();
  list.push(new WatermarkLogitsProcessor(watermark, options));
  return list;
}

function toId(api: string, row: ArrayLike<bigint | number>, i: number, V: number): number {
  const x = row[i];
  const id = typeof x === 'bigint' ? Number(x) : x;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= V) {
    throw new RadiomarkRangeError(`${api}: input_ids id ${String(x)} at position ${i} is not a token id in [0, ${V})`, { api, field: 'input_ids' });
  }
  return id;
}
