/**
 * Scores a neural suspect's answers with every detector variant of scripts/experiments/defenses.ts
 * (unfiltered and filtered by the owner's served log), after checking that the prototype pass
 * reproduces createDetector's counts.
 */
import { createWatermark } from '../../src/sampler/index.js';
import type { SecretKey } from '../../src/key/index.js';
import type { HarvestedAnswer } from '../../src/simulate/steal.js';
import type { Teacher } from '../../src/simulate/teacher.js';
import type { Tokenizer } from '../../src/tokenize/index.js';
import { checkAgainstDetector, defenses, scorePositions, windowCounts, type DefenseRow } from '../experiments/defenses.js';

/** Both sides of a neural suspect's detection (every variant). */
export interface Scored {
  unfiltered: DefenseRow;
  filtered: DefenseRow;
}

/**
 * @param answers - the suspect's answers (teacher ids)
 * @param o - key, tokenizer, the owner's served log (completions), the teacher (for the weights)
 */
export function scoreAnswers(answers: readonly HarvestedAnswer[], o: { key: SecretKey; tokenizer: Tokenizer; filter: readonly ArrayLike<number>[]; teacher: Teacher }): Scored {
  const s = scorePositions(answers, { key: o.key, tokenizer: o.tokenizer, logCounts: windowCounts(o.filter, createWatermark({ key: o.key }).config.contextWidth), teacher: o.teacher });
  checkAgainstDetector(answers, s, o.key, o.tokenizer);
  return { unfiltered: defenses(s, Infinity, false), filtered: defenses(s, Infinity, true) };
}
