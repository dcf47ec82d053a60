/**
 * Students: smoothed n-gram models trained on a mix of teacher outputs (a fraction of them
 * watermarked) and clean text, plus an optional copy mechanism, answering prompts.
 */

import { NGramBuilder, type NGramModel } from './ngram.js';
import type { Random } from '../random/index.js';

/** One training sequence: `tokens[from..]` are predictions, `tokens[..from)` context only. */
export interface TrainingSequence {
  readonly tokens: ArrayLike<number>;
  readonly from: number;
}

/**
 * Trains a Witten-Bell n-gram student.
 *
 * @param sequences - the training mix
 * @param order - n-gram order (>= contextWidth + 1 to be able to learn the green lists)
 * @param vocabSize - the student's tokenizer id range
 * @returns the model
 */
export function trainNGram(sequences: Iterable<TrainingSequence>, order: number, vocabSize: number): NGramModel {
  const b = new NGramBuilder({ order, vocabSize });
  for (const s of sequences) b.add(s.tokens, s.from);
  return b.build();
}

/**
 * A student: the n-gram model, mixed with probability `copy` with a copy mechanism that continues
 * an earlier occurrence of the last two tokens in the same text (prompt included), the way an
 * LLM's induction heads repeat what is in their context. The copy part is what makes the
 * prompt-copying control meaningful: a student prompted with watermarked text reproduces some of
 * it verbatim, and only rule R1 (drop windows that occur in the prompt) keeps that from being
 * scored as evidence.
 *
 * `P(x | text) = copy · P_copy(x | text) + (1 - copy) · P_ngram(x | text)` when the last two tokens
 * occurred earlier in the text, `P_ngram` otherwise; `P_copy` is uniform over those occurrences'
 * successors.
 */
export class Student {
  /**
   * @param model - the trained n-gram model
   * @param copy - weight of the copy mechanism in [0, 1)
   * @param endOfText - the id that ends a completion (not included in it), if any
   */
  constructor(
    readonly model: NGramModel,
    readonly copy: number,
    readonly endOfText: number | undefined,
  ) {
    if (!(copy >= 0 && copy < 1)) throw new RangeError(`Student: "copy" must be in [0, 1), got ${copy}`);
  }

  /**
   * Answers one prompt.
   *
   * @param prompt - the prompt ids
   * @param random - the stream
   * @param maxNewTokens - largest completion length
   * @returns the completion ids
   */
  complete(prompt: ArrayLike<number>, random: Random, maxNewTokens: number): Uint32Array {
    const endOfText = this.endOfText;
    const seq: number[] = Array.from(prompt);
    const n0 = seq.length;
    const W = this.model.vocabSize + 1;
    // (a, b) -> positions of the tokens that followed them.
    const follow = new Map<number, number[]>();
    const note = (i: number): void => {
      // Records that seq[i] followed (seq[i-2], seq[i-1]).
      if (i < 2) return;
      const k = seq[i - 2]! * W + seq[i - 1]!;
      const list = follow.get(k);
      if (list) list.push(i);
      else follow.set(k, [i]);
    };
    if (this.copy > 0) for (let i = 2; i < n0; i++) note(i);
    for (let step = 0; step < maxNewTokens; step++) {
      const n = seq.length;
      let x = -1;
      if (this.copy > 0 && n >= 2) {
        const list = follow.get(seq[n - 2]! * W + seq[n - 1]!);
        if (list !== undefined && random.next() < this.copy) x = seq[list[random.int(list.length)]!]!;
      }
      if (x < 0) x = this.model.sample(seq, random);
      if (x === endOfText) break;
      seq.push(x);
      if (this.copy > 0) note(seq.length - 1);
    }
    return Uint32Array.from(seq.slice(n0));
  }
}
