/**
 * Which accounts? When? (README): a server marks every answer with the key of its account's
 * cohort and the current epoch, derived from one master key (no per-account secret is stored);
 * an investigator then tests text against the whole family and, once the family test fires,
 * names the cohorts it came through. Runs over the model server's embedded toy model.
 *
 *   npx tsx examples/family-server.ts
 */
import { createDetector, createWatermark, generateKeyFamily } from 'radiomark';
import { createToyModel } from './model-server.js';

// --- the ten lines ---------------------------------------------------------------------------
const family = generateKeyFamily({ cohorts: 16, epochDays: 30, tokenizer: 'o200k', vocabSize: 200_019 }); // once; store serializeKeyFamily(family), mode 0600
const fwm = createWatermark({ key: family }); // one watermark for every (cohort, epoch) member
const model = createToyModel(); // your model: ids -> Float32Array of vocabSize logits

function complete(accountId: string, prompt: number[], now = Date.now(), maxTokens = 40): number[] {
  const session = fwm.session({ prompt, cohort: family.cohortOf(accountId), epoch: family.epochOf(now) });
  const out: number[] = [];
  while (out.length < maxTokens) out.push(session.sample(model.logits([...prompt, ...out]), { temperature: 0.8, topP: 0.95 }));
  return out;
}
// ---------------------------------------------------------------------------------------------

// Two accounts harvest answers; everyone else's traffic never reaches the suspect.
const harvesters = ['acct-1187', 'acct-20511'];
const answers: { prompt: number[]; completion: number[] }[] = [];
for (const [a, id] of harvesters.entries()) {
  for (let i = 0; i < 10; i++) {
    const prompt = model.encode(`Question ${i} from account ${a}: tell me a story`);
    answers.push({ prompt, completion: complete(id, prompt) });
  }
}
console.log(`served ${answers.length} answers to ${harvesters.map((id) => `${id} (cohort ${family.cohortOf(id)})`).join(' and ')}; ${family}`);

// The investigator (radiomark detect --key family.json does the same): every member key scored in
// one pass; epochs from the family's origin up to now, fixed before reading the text.
const det = createDetector({ key: family, epochs: family.epochOf(Date.now()) + 1, tokenizer: 'o200k', alpha: 1e-6 });
for (const a of answers) det.add(a.completion, { promptTokens: a.prompt });
const r = det.result();
const f = r.family!;
console.log(`family test over ${f.members} member keys, ${r.scored} scored pairs: p = 10^${r.log10PValue!.toFixed(1)}, ${r.verdict}`);
for (const c of f.attribution?.cohorts ?? []) {
  if (c.flagged) console.log(`cohort ${c.index}: flagged (Holm p = 10^${c.holmLog10PValue.toFixed(1)})`);
}
if (!f.attribution) console.log('no attribution: the family test did not fire');
