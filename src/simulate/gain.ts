/**
 * What the distiller keeps: the student's log-likelihood on held-out clean teacher answers, and
 * the share of the distillation gain an attack leaves it,
 *
 *     gain kept = (LL_attacked - LL_without_harvest) / (LL_distilled - LL_without_harvest),
 *
 * with LL the mean log-likelihood per token (nats) of the teacher's unwatermarked answers to
 * held-out prompts. 1 means the attack cost the distiller nothing, 0 means it is back where it was
 * without the harvest, below 0 worse than that.
 */

import type { NGramModel } from './ngram.js';
import type { GreenLabels } from './steal.js';

/**
 * Weight of a uniform distribution over the tokenizer's ids mixed into every student's
 * probabilities for the evaluation only (an n-gram student gives probability 0 to a type it never
 * saw; the floor makes every LL finite and is the same for every student compared).
 */
export const LL_FLOOR = 1e-4;

/** A text to evaluate: `tokens[from..]` are scored, each given the tokens before it. */
export interface EvalText {
  readonly tokens: ArrayLike<number>;
  readonly from: number;
}

/**
 * Inference-time neutralization as the evaluation sees it: labelled pairs have their logits
 * lowered by `delta`, i.e. `P'(x) = P(x) · e^(-delta·[x labelled]) / Z` with
 * `Z = 1 - (1 - e^(-delta)) · Σ_{y labelled here} P(y)`.
 */
export interface Neutralization {
  readonly labels: GreenLabels;
  readonly delta: number;
}

/**
 * Mean log-likelihood per scored token (nats; higher is better) of `model` on `texts`, with the
 * {@link LL_FLOOR} mixture, optionally under neutralization.
 *
 * @param model - the student's n-gram model
 * @param texts - the held-out answers
 * @param neutralize - the deployed reweighting, if any
 * @returns mean log-likelihood and the number of tokens scored
 */
export function logLikelihood(model: NGramModel, texts: Iterable<EvalText>, neutralize?: Neutralization): { ll: number; tokens: number } {
  const uniform = LL_FLOOR / model.vocabSize;
  const keep = neutralize ? Math.exp(-neutralize.delta) : 1;
  let sum = 0;
  let n = 0;
  for (const { tokens, from } of texts) {
    for (let i = from; i < tokens.length; i++) {
      const x = tokens[i]!;
      let p = model.prob(tokens, x, i);
      if (neutralize) {
        const labelled = neutralize.labels.at(tokens, i);
        if (labelled !== undefined) {
          let mass = 0;
          for (const y of labelled) mass += model.prob(tokens, y, i);
          const z = 1 - (1 - keep) * Math.min(1, mass);
          p = ((labelled.includes(x) ? keep : 1) * p) / z;
        }
      }
      sum += Math.log((1 - LL_FLOOR) * p + uniform);
      n++;
    }
  }
  return { ll: n > 0 ? sum / n : NaN, tokens: n };
}

/** The three log-likelihoods of an attack and the share of the gain kept. */
export interface GainReport {
  /** Student trained on the distiller's clean text only (no harvest). */
  readonly withoutHarvest: number;
  /** Student distilled without any attack. */
  readonly distilled: number;
  /** The attacked student, as deployed. */
  readonly attacked: number;
  /**
   * The attacked student's own no-harvest baseline when the attack adds clean training (`dilute`:
   * the clean text plus the further clean text, without the harvest); else `withoutHarvest`. The
   * share kept is the harvest's contribution after the attack over its contribution before.
   */
  readonly attackedBaseline: number;
  /** `distilled - withoutHarvest` (nats per token): the gain the harvest bought. */
  readonly gain: number;
  /** `(attacked - attackedBaseline) / gain`; null when the gain is not positive. */
  readonly kept: number | null;
  /** Held-out answer tokens evaluated. */
  readonly tokens: number;
}

/**
 * Assembles the gain report.
 * @param withoutHarvest - LL of the student without the harvest
 * @param distilled - LL of the unattacked distilled student
 * @param attacked - LL of the attacked student
 * @param tokens - tokens evaluated
 * @param attackedBaseline - the attacked student's no-harvest baseline (default `withoutHarvest`)
 */
export function gainReport(withoutHarvest: number, distilled: number, attacked: number, tokens: number, attackedBaseline = withoutHarvest): GainReport {
  const gain = distilled - withoutHarvest;
  return { withoutHarvest, distilled, attacked, attackedBaseline, gain, kept: gain > 0 ? (attacked - attackedBaseline) / gain : null, tokens };
}
