import { checkArrayLike, checkIds, describe, typeError } from '../assert.js';
import { RadiomarkError, RadiomarkRangeError } from '../errors.js';
import type { SecretKey } from '../key/secret-key.js';
import { createGreenList, SEED_WORDS, type GreenList, type KernelChoice } from '../scheme/green-list.js';
import type { ResolvedParams } from '../scheme/config.js';
import type { FusedSampler, SampleOptions } from './fused.js';
import { Session, type SessionOptions, type WatermarkSession } from './session.js';
import { checkLogits, checkNoNaN, firstBadId, nanError } from './validate.js';
import type { Watermark } from './watermark.js';

/** @internal How {@link buildWatermark} builds: the kernels, and the family member's name (for messages). */
export interface BuildOptions {
  readonly kernels: KernelChoice | undefined;
  readonly member: string | undefined;
}

/**
 * @internal The watermark of one key with resolved parameters, sampling on `core` (shared by the
 * members of a family).
 */
export function buildWatermark(key: SecretKey, config: ResolvedParams, core: FusedSampler, build: BuildOptions): Watermark {
  const { member, kernels } = build;
  const greenList = createGreenList({ key, gamma: config.gamma, contextWidth: config.contextWidth, vocabSize: config.vocabSize, kernels });
  const sampleSeed = new Uint32Array(SEED_WORDS);
  const sample = (logits: Float32Array, context: ArrayLike<number>, sampleOptions?: SampleOptions): number => {
    checkLogits('sample', logits, config.vocabSize);
    const seed = windowSeed('sample', greenList, context, sampleSeed) ? sampleSeed : null;
    return core.sample('sample', greenList, logits, seed, 0, sampleOptions);
  };
  const session = (sessionOptions?: SessionOptions): WatermarkSession => {
    refuseMember('session', key, sessionOptions);
    return new Session(greenList, core, config.delta, sessionOptions);
  };
  const name = member === undefined ? `fingerprint ${key.fingerprint}` : `fingerprint ${key.fingerprint}, ${member}`;
  return Object.freeze({
    config,
    greenProbability: greenList.greenProbability,
    fingerprint: key.fingerprint,
    greenList,
    isGreen: greenList.isGreen,
    ...biasFunctions(greenList, config.delta),
    sample,
    session,
    toString: () => `Watermark(${name})`,
    [Symbol.for('nodejs.util.inspect.custom')]: () => `Watermark(${name}, ${JSON.stringify(config)})`,
  });
}

/** A single-key watermark's session refuses a cohort or an epoch: only a family has members. */
function refuseMember(api: string, key: SecretKey, options: SessionOptions | undefined): void {
  if (options === null || typeof options !== 'object') return; // Session reports it
  for (const field of ['cohort', 'epoch'] as const) {
    if (options[field] !== undefined) {
      throw new RadiomarkError(
        'KEY_MISMATCH',
        `${api}: "${field}" ${describe(options[field])} given, but this watermark's key (fingerprint ${key.fingerprint}) is a single key, not a key family`,
        { api, field },
      );
    }
  }
}

/**
 * Validates the window of `context` and writes its seed to `out`; `false` (nothing written) when
 * the context is shorter than the context width.
 */
function windowSeed(api: string, gl: GreenList, context: ArrayLike<number>, out: Uint32Array): boolean {
  checkArrayLike(api, 'context', context);
  const n = context.length;
  const h = gl.contextWidth;
  if (n < h) return false;
  checkIds(api, 'context', context, n - h, n, gl.vocabSize);
  gl.seedWindow(context, n, out, 0);
  return true;
}

/** The stateless `bias` and `biasBatch` of one green list, on its one-pass kernels. */
function biasFunctions(greenList: GreenList, delta: number): Pick<Watermark, 'bias' | 'biasBatch'> {
  const V = greenList.vocabSize;
  const biasSeed = new Uint32Array(SEED_WORDS);
  const rows = new RowSeeds();

  const bias = (logits: Float32Array, context: ArrayLike<number>): Float32Array => {
    checkLogits('bias', logits, V);
    if (windowSeed('bias', greenList, context, biasSeed) && delta > 0) {
      // The NaN check and the bias in one pass, all or nothing (nothing written on a NaN).
      const bad = greenList.addGreenChecked(biasSeed, 0, logits, 0, delta);
      if (bad >= 0) throw nanError('bias', bad);
    } else {
      checkNoNaN('bias', logits, 0, V);
    }
    return logits;
  };

  const biasBatch = (logits: Float32Array, contexts: ArrayLike<ArrayLike<number>>): Float32Array => {
    const api = 'biasBatch';
    if (!(logits instanceof Float32Array)) throw typeError(api, 'logits', 'a Float32Array', logits);
    checkArrayLike(api, 'contexts', contexts);
    const B = contexts.length;
    if (logits.length !== B * V) {
      throw new RadiomarkRangeError(`${api}: logits length ${logits.length} is not contexts.length (${B}) x vocabSize (${V}) = ${B * V}`, { api, field: 'logits' });
    }
    rows.load(greenList, contexts, delta > 0);
    // Every row's NaN check and bias in one pass per row, all or nothing across rows.
    const bad = greenList.addGreenRows(rows.seeds, rows.active, logits, B, delta);
    if (bad >= 0) throw nanError(api, bad, V);
    return logits;
  };
  return { bias, biasBatch };
}

/**
 * Per-row seeds and "biased" flags of a batch, in buffers that grow to the largest batch seen (no
 * allocation per call after that).
 */
class RowSeeds {
  seeds = new Uint32Array(0);
  active = new Uint8Array(0);

  /** Validates every row's window (all rows before any is used) and seeds the full ones. */
  load(gl: GreenList, contexts: ArrayLike<ArrayLike<number>>, biased: boolean): void {
    const B = contexts.length;
    const V = gl.vocabSize;
    const h = gl.contextWidth;
    if (this.active.length < B) {
      this.seeds = new Uint32Array(SEED_WORDS * B);
      this.active = new Uint8Array(B);
    }
    for (let b = 0; b < B; b++) {
      const ctx = contexts[b] as unknown;
      if (ctx === null || typeof ctx !== 'object' || typeof (ctx as { length?: unknown }).length !== 'number') {
        throw typeError('biasBatch', `contexts[${b}]`, 'an array of token ids', ctx);
      }
      const n = (ctx as ArrayLike<number>).length;
      // The field name is built only on failure: no string per row per call.
      if (n >= h && firstBadId(ctx as ArrayLike<number>, n - h, n, V) >= 0) checkIds('biasBatch', `contexts[${b}]`, ctx as ArrayLike<number>, n - h, n, V);
    }
    for (let b = 0; b < B; b++) {
      const ctx = contexts[b]!;
      const on = biased && ctx.length >= h;
      this.active[b] = on ? 1 : 0;
      if (on) gl.seedWindow(ctx, ctx.length, this.seeds, SEED_WORDS * b);
    }
  }
}
