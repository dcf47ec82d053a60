/**
 * A distiller who fights back: the attacks of `radiomark simulate --attack NAME
 * [--attack-strength X]`, each with one strength knob swept from harmless to destructive.
 *
 * - `neutralize` (Pan et al., ACL 2025, WN): estimate the green pairs from the harvest
 *   (`steal.ts`) and, at the student's inference, subtract delta' (the strength) from the logits
 *   of the pairs labelled green. delta' beyond the scheme's delta over-corrects.
 * - `scrub`: before training, each harvested token whose pair is labelled green is replaced, with
 *   probability s (the strength), by the reference model's most probable unlabelled alternative.
 * - `paraphrase`: before training, each harvested token is resampled with probability q (the
 *   strength) from the distiller's reference model given the rewritten text so far (untargeted and
 *   context-consistent, not random ids).
 * - `dilute`: after distillation, further training on m (the strength) times as many clean tokens
 *   as the distillation used (the distiller's further human text, then samples of its reference
 *   model).
 * - `multi-teacher`: a share s (the strength) of the harvest comes from a second provider serving
 *   the same kind of model under another key, unknown to us; the harvest's size is unchanged.
 * - `temperature` / `top-p`: the student decodes its n-gram part at temperature T (0: greedy) or
 *   with nucleus p. For these two the strength is T or p, and smaller is stronger.
 */

import { RadiomarkRangeError } from '../errors.js';
import type { NGramModel } from './ngram.js';
import type { Random } from '../random/index.js';
import { DEFAULT_ESTIMATOR, estimateGreen, type Estimate, type EstimatorOptions, type HarvestedAnswer } from './steal.js';
import type { Decoding, TrainingSequence } from './student.js';
import type { Neutralization } from './gain.js';

/** Names accepted by `--attack`. */
export const ATTACK_NAMES = ['none', 'neutralize', 'scrub', 'paraphrase', 'dilute', 'multi-teacher', 'temperature', 'top-p'] as const;

/** An attack's name. */
export type AttackName = (typeof ATTACK_NAMES)[number];

/** An attack's strength knob. */
export interface AttackKnob {
  /** What the number is. */
  readonly meaning: string;
  /** Accepted range (inclusive unless `openMin`). */
  readonly min: number;
  readonly max: number;
  readonly openMin?: boolean;
  /** The value that does nothing. */
  readonly harmless: number;
  /** Default when `--attack-strength` is omitted. */
  readonly default: number;
  /** The sweep of the experiments, harmless first (fixed before any result was seen). */
  readonly sweep: readonly number[];
}

/** Every attack's knob. */
export const ATTACK_KNOBS: Readonly<Record<AttackName, AttackKnob | undefined>> = Object.freeze({
  none: undefined,
  neutralize: {
    meaning: "delta', the logit subtracted from labelled pairs at inference",
    min: 0,
    max: 20,
    harmless: 0,
    default: 3,
    sweep: [0, 1, 2, 3, 4, 6, 10],
  },
  scrub: { meaning: 'probability of replacing a labelled-green harvested token', min: 0, max: 1, harmless: 0, default: 1, sweep: [0, 0.25, 0.5, 0.75, 1] },
  paraphrase: { meaning: 'probability of resampling a harvested token', min: 0, max: 1, harmless: 0, default: 0.25, sweep: [0, 0.1, 0.25, 0.5, 0.75, 1] },
  dilute: { meaning: 'further clean tokens, as a multiple of the distillation tokens', min: 0, max: 8, harmless: 0, default: 1, sweep: [0, 0.5, 1, 2, 4] },
  'multi-teacher': { meaning: "share of the harvest from the other provider's key", min: 0, max: 1, harmless: 0, default: 0.5, sweep: [0, 0.25, 0.5, 0.75, 0.9] },
  temperature: { meaning: 'student sampling temperature (0: greedy; smaller is stronger)', min: 0, max: 1, harmless: 1, default: 0.7, sweep: [1, 0.85, 0.7, 0.5, 0] },
  'top-p': { meaning: 'student nucleus p (smaller is stronger)', min: 0, max: 1, openMin: true, harmless: 1, default: 0.9, sweep: [1, 0.95, 0.9, 0.8, 0.5] },
});

/** A validated attack. */
export interface Attack {
  readonly name: AttackName;
  /** The knob's value (undefined for `none`). */
  readonly strength: number | undefined;
  /** The green-pair estimate's thresholds (neutralize, scrub). */
  readonly estimator: EstimatorOptions;
}

/**
 * Validates an attack name and strength.
 *
 * @param name - the attack
 * @param strength - its knob, or undefined for the default
 * @param estimator - thresholds of the estimate (default {@link DEFAULT_ESTIMATOR})
 * @param api - the API or flag prefix for messages
 * @returns the attack
 * @throws RadiomarkRangeError naming `attack` or `attackStrength` and the value
 */
export function resolveAttack(name: string, strength: number | undefined, estimator: Partial<EstimatorOptions> = {}, api = 'simulate'): Attack {
  if (!(ATTACK_NAMES as readonly string[]).includes(name)) {
    throw new RadiomarkRangeError(`${api}: "attack" must be one of ${ATTACK_NAMES.join(', ')}, got ${JSON.stringify(name)}`, { api, field: 'attack' });
  }
  const n = name as AttackName;
  const knob = ATTACK_KNOBS[n];
  if (knob === undefined) {
    if (strength !== undefined) {
      throw new RadiomarkRangeError(`${api}: "attackStrength" does not apply to attack "none", got ${strength}`, { api, field: 'attackStrength' });
    }
  } else if (strength !== undefined && !(typeof strength === 'number' && (knob.openMin ? strength > knob.min : strength >= knob.min) && strength <= knob.max)) {
    throw new RadiomarkRangeError(
      `${api}: "attackStrength" of ${n} (${knob.meaning}) must be in ${knob.openMin ? '(' : '['}${knob.min}, ${knob.max}], got ${String(strength)}`,
      { api, field: 'attackStrength' },
    );
  }
  const e = { ...DEFAULT_ESTIMATOR, ...estimator };
  for (const [field, v, lo] of [
    ['minWindow', e.minWindow, 1],
    ['minPair', e.minPair, 1],
    ['ratio', e.ratio, 0],
  ] as const) {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= lo && (field === 'ratio' || Number.isInteger(v)))) {
      throw new RadiomarkRangeError(`${api}: estimator "${field}" must be ${field === 'ratio' ? 'a number' : 'an integer'} >= ${lo}, got ${String(v)}`, { api, field });
    }
  }
  return { name: n, strength: knob === undefined ? undefined : (strength ?? knob.default), estimator: e };
}

/** What an attack needs from the run. */
export interface AttackContext {
  readonly attack: Attack;
  /** The scheme's context width (known to every attacker). */
  readonly contextWidth: number;
  /** The distiller's clean model (trained on its clean text only): its reference. */
  readonly reference: NGramModel;
  /** End-of-text id of answers. */
  readonly endOfText: number | undefined;
  /** Turns an answer into a training sequence (prompt as context, end-of-text appended). */
  readonly toSequence: (a: HarvestedAnswer) => TrainingSequence;
  /** The distiller's further clean text (for `dilute`). */
  readonly extraClean: readonly Uint32Array[];
  /** Tokens of the distillation (clean + harvest), for `dilute`. */
  readonly distillationTokens: number;
}

/** The attacked student's recipe. */
export interface AttackedRecipe {
  /** The harvest as the student trains on it (rewritten by scrub / paraphrase). */
  readonly harvest: TrainingSequence[];
  /** Further clean training (dilute). */
  readonly further: TrainingSequence[];
  /** How the student decodes. */
  readonly decoding: Decoding;
  /** The deployed reweighting, for the log-likelihood (neutralize). */
  readonly neutralization: Neutralization | undefined;
  /** The green-pair estimate, when the attack made one. */
  readonly estimate: Estimate | undefined;
  /** Harvested tokens the attack rewrote (scrub, paraphrase). */
  readonly rewritten: number;
}

/**
 * Applies an attack to a harvest (the watermarked one, or the clean one of a control, so that the
 * controls go through the same attack).
 *
 * @param ctx - the run's pieces
 * @param harvest - the answers the distiller collected
 * @param random - the attack's stream
 * @returns the recipe of the attacked student
 */
export function applyAttack(ctx: AttackContext, harvest: readonly HarvestedAnswer[], random: Random): AttackedRecipe {
  const { attack } = ctx;
  const s = attack.strength ?? 0;
  const needsEstimate = attack.name === 'neutralize' || attack.name === 'scrub';
  const estimate = needsEstimate ? estimateGreen(harvest, ctx.reference, ctx.contextWidth, attack.estimator) : undefined;
  let rewritten = 0;
  let answers: readonly HarvestedAnswer[] = harvest;
  if (attack.name === 'scrub' || attack.name === 'paraphrase') {
    answers = harvest.map((a) => {
      const r = attack.name === 'scrub' ? scrubAnswer(a, ctx, estimate!, s, random) : paraphraseAnswer(a, ctx, s, random);
      rewritten += r.rewritten;
      return r.answer;
    });
  }
  const further = attack.name === 'dilute' ? furtherClean(ctx, Math.round(s * ctx.distillationTokens), random) : [];
  let decoding: Decoding = {};
  let neutralization: Neutralization | undefined;
  if (attack.name === 'neutralize' && s > 0) {
    const labels = estimate!.labels;
    const keep = Math.exp(-s);
    decoding = { accept: (seq, x) => (labels.has(seq, seq.length, x) ? keep : 1) };
    neutralization = { labels, delta: s };
  } else if (attack.name === 'temperature') decoding = { temperature: s };
  else if (attack.name === 'top-p') decoding = { topP: s };
  return { harvest: answers.map(ctx.toSequence), further, decoding, neutralization, estimate, rewritten };
}

function withCompletion(a: HarvestedAnswer, completion: number[]): HarvestedAnswer {
  return { prompt: a.prompt, completion: Uint32Array.from(completion) };
}

/** The reference's most probable token after `seq` that is not excluded. */
function bestAlternative(reference: NGramModel, seq: number[], exclude: (y: number) => boolean): number {
  const f = reference.followers(seq);
  let best = -1;
  let bestP = -1;
  for (let k = 0; k < f.ids.length; k++) {
    const y = f.ids[k]!;
    if (f.probs[k]! > bestP && !exclude(y)) {
      best = y;
      bestP = f.probs[k]!;
    }
  }
  const base = reference.baseByProbability();
  for (let k = 0; k < base.ids.length; k++) {
    const y = base.ids[k]!;
    if (f.baseWeight * base.probs[k]! <= bestP) break;
    if (!exclude(y) && !f.ids.includes(y)) return y;
  }
  return best;
}

function scrubAnswer(a: HarvestedAnswer, ctx: AttackContext, estimate: Estimate, s: number, random: Random): { answer: HarvestedAnswer; rewritten: number } {
  const seq = Array.from(a.prompt);
  const labels = estimate.labels;
  let rewritten = 0;
  for (const x of a.completion) {
    let y = x;
    if (labels.has(seq, seq.length, x) && random.next() < s) {
      const alt = bestAlternative(ctx.reference, seq, (t) => t === x || t === ctx.endOfText || labels.has(seq, seq.length, t));
      if (alt >= 0) {
        y = alt;
        rewritten++;
      }
    }
    seq.push(y);
  }
  return { answer: withCompletion(a, seq.slice(a.prompt.length)), rewritten };
}

function paraphraseAnswer(a: HarvestedAnswer, ctx: AttackContext, q: number, random: Random): { answer: HarvestedAnswer; rewritten: number } {
  const seq = Array.from(a.prompt);
  let rewritten = 0;
  for (const x of a.completion) {
    let y = x;
    if (random.next() < q) {
      for (let tries = 0; tries < 20; tries++) {
        const t = ctx.reference.sample(seq, random);
        if (t !== ctx.endOfText) {
          y = t;
          break;
        }
      }
      if (y !== x) rewritten++;
    }
    seq.push(y);
  }
  return { answer: withCompletion(a, seq.slice(a.prompt.length)), rewritten };
}

/** `tokens` clean tokens: the distiller's further human text first, then samples of its reference. */
function furtherClean(ctx: AttackContext, tokens: number, random: Random): TrainingSequence[] {
  const out: TrainingSequence[] = [];
  let n = 0;
  for (const d of ctx.extraClean) {
    if (n >= tokens) return out;
    out.push({ tokens: d, from: 0 });
    n += d.length;
  }
  while (n < tokens) {
    const seq: number[] = [];
    for (let i = 0; i < 64; i++) {
      const t = ctx.reference.sample(seq, random);
      seq.push(t);
      if (t === ctx.endOfText) break;
    }
    out.push({ tokens: Uint32Array.from(seq), from: 0 });
    n += seq.length;
  }
  return out;
}
