/**
 * The ten-line integration of docs/serving.md, runnable: a completion handler whose sampler is a
 * watermark session, over the model server's embedded toy model.
 *
 *   npx tsx examples/serving-quickstart.ts
 */
import { createWatermark, generateKey } from 'radiomark';
import { createToyModel } from './model-server.js';

// --- the ten lines ---------------------------------------------------------------------------
const key = generateKey({ tokenizer: 'o200k', vocabSize: 200_019 }); // once; store it with serializeKey
const wm = createWatermark({ key }); // gamma, delta, contextWidth: package defaults unless the key binds them
const model = createToyModel(); // your model: ids -> Float32Array of vocabSize logits

function complete(prompt: string, maxTokens = 40): string {
  const ids = model.encode(prompt);
  const session = wm.session({ prompt: ids }); // one per request: window + used windows
  const out: number[] = [];
  while (out.length < maxTokens) out.push(session.sample(model.logits([...ids, ...out]), { temperature: 0.8, topP: 0.95 }));
  return model.decode(out);
}
// ---------------------------------------------------------------------------------------------

const prompt = 'Once upon a time';
const text = complete(prompt);
console.log(`${prompt}${text}`);

// What an investigator holding the key sees in that text (re-tokenized, first occurrences only).
const p = model.encode(prompt);
const c = model.encode(text);
const s = wm.session({ prompt: p });
let scored = 0;
let green = 0;
c.forEach((t, i) => {
  if (s.willBias) {
    scored++;
    if (wm.isGreen([...p, ...c.slice(0, i)], t)) green++;
  }
  s.accept(t);
});
console.log(`key ${wm.fingerprint}: ${green}/${scored} scored tokens green (${wm.greenProbability * 100}% expected without the watermark)`);
