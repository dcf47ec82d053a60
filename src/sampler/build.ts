import { RadiomarkError } from '../errors.js';
import type { SecretKey } from '../key/secret-key.js';
import { createGreenList, SEED_WORDS, type GreenList } from '../scheme/green-list.js';
import type { ResolvedParams } from '../scheme/config.js';
import type { FusedSampler, SampleOptions } from './fused.js';
import { Session, type SessionOptions, type WatermarkSession } from './session.js';
import { checkArrayLike, checkIds, checkLogits, checkNoNaN, describe, firstBadId } from './validate.js';
import type { Watermark } from './watermark.js';

/**
 * @internal The watermark of one key with resolved parameters, sampling on `core` (shared by the
 * members of a family). `member` names the family member, for messages.
 */
export function buildWatermark(key: SecretKey, config: ResolvedParams, core: FusedSampler, member: string | undefined): Watermark {
  const greenList = createGreenList({ key, gamma: config.gamma, contextWidth: config.contextWidth, vocabSize: config.vocabSize });
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

/** The stateless `bias` and `biasBatch` of one green list. */
function biasFunctions(greenList: GreenList, delta: number): Pick<Watermark, 'bias' | 'biasBatch'> {
  const V = greenList.vocabSize;
  const h = greenList.contextWidth;
  const biasSeed = new Uint32Array(SEED_WORDS);

  const bias = (logits: Float32Array, context: ArrayLike<number>): Float32Array => {
    checkLogits('bias', logits, V);
    const windowed = windowSeed('bias', greenList, context, biasSeed);
    checkNoNaN('bias', logits, 0, V);
    if (windowed && delta > 0) greenList.addGreen(biasSeed, 0, logits, 0, delta);
    return logits;
  };

  const biasBatch = (logits: Float32Array, contexts: ArrayLike<ArrayLike<number>>): Float32Array => {
    if (!(logits instanceof Float32Array)) {
      throw new TypeError(`biasBatch: "logits" must be a Float32Array, got ${describe(logits)}`);
    }
    checkArrayLike('biasBatch', 'contexts', contexts);
    const B = contexts.length;
    if (logits.length !== B * V) {
      throw new RangeError(`biasBatch: logits length ${logits.length} is not contexts.length (${B}) x vocabSize (${V}) = ${B * V}`);
    }
    for (let b = 0; b < B; b++) {
      const ctx = contexts[b] as unknown;
      if (ctx === null || typeof ctx !== 'object' || typeof (ctx as { length?: unknown }).length !== 'number') {
        throw new TypeError(`biasBatch: contexts[${b}] must be an array of token ids, got ${describe(ctx)}`);
      }
      const n = (ctx as ArrayLike<number>).length;
      // The field name is built only on failure: no string per row per call.
      if (n >= h && firstBadId(ctx as ArrayLike<number>, n - h, n, V) >= 0) checkIds('biasBatch', `contexts[${b}]`, ctx as ArrayLike<number>, n - h, n, V);
    }
    checkNoNaN('biasBatch', logits, 0, B * V, V);
    if (delta > 0) {
      for (let b = 0; b < B; b++) {
        const ctx = contexts[b]!;
        const n = ctx.length;
        if (n < h) continue;
        greenList.seedWindow(ctx, n, biasSeed, 0);
        greenList.addGreen(biasSeed, 0, logits, b * V, delta);
      }
    }
    return logits;
  };
  return { bias, biasBatch };
}
