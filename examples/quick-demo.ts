/**
 * Interim demo (until `radiomark simulate` lands): draws tokens from a toy LLM-shaped distribution
 * with and without the watermark bias and prints the green rate of each.
 *
 * Run: npx tsx examples/quick-demo.ts
 */
import { createWatermark, generateKey } from '../src/index.js';

const V = 50_000;
const steps = 5_000;
const key = generateKey();
const wm = createWatermark({ key, vocabSize: V, gamma: 0.25, delta: 2, contextWidth: 2 });

let rng = 12345;
const rand = (): number => ((rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0) / 2 ** 32);

function toyLogits(out: Float32Array): void {
  for (let i = 0; i < V; i++) out[i] = -Math.log(1 + i) * 1.1; // Zipf-like tail
  for (let k = 0; k < 3; k++) out[Math.floor(rand() * 200)] += 4 * rand(); // a few dominant tokens
}

function draw(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i]! > max) max = logits[i]!;
  let z = 0;
  for (let i = 0; i < V; i++) z += Math.exp(logits[i]! - max);
  let u = rand() * z;
  for (let i = 0; i < V; i++) {
    u -= Math.exp(logits[i]! - max);
    if (u <= 0) return i;
  }
  return V - 1;
}

function run(marked: boolean): number {
  const ids = [1, 2];
  const logits = new Float32Array(V);
  const seed = new Uint32Array(3);
  let green = 0;
  for (let s = 0; s < steps; s++) {
    toyLogits(logits);
    wm.greenList.seedWindow(ids, ids.length, seed);
    if (marked) wm.greenList.addGreen(seed, 0, logits, 0, wm.config.delta);
    const t = draw(logits);
    if (wm.greenList.isGreenSeeded(seed, 0, t)) green++;
    ids.push(t);
  }
  return green / steps;
}

console.log(`key fingerprint ${wm.fingerprint}; gamma ${wm.config.gamma}, delta ${wm.config.delta}, contextWidth ${wm.config.contextWidth}`);
console.log(`green rate without the watermark: ${run(false).toFixed(4)} (expected ${wm.greenProbability})`);
console.log(`green rate with the watermark:    ${run(true).toFixed(4)}`);
