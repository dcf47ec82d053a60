/**
 * The detector's deduplication set: its size per unique (window, token) pair, and the collision
 * bound of hashed fingerprints (docs/detection.md, "Deduplication set: fingerprints and memory").
 *
 *   npx tsx scripts/dedup-set-size.ts            # 10^5, 10^6, 4 x 10^6 and 10^7 unique pairs (seconds)
 *   npx tsx scripts/dedup-set-size.ts 250000     # other counts
 *
 * Inserts U distinct pairs (h = 2, V = 128,256: exact 64-bit fingerprints) into the set the detector
 * uses (DedupTable, created as createDetector creates it, filled in blocks of 65,536 as the
 * detector fills it) and prints its slots, bytes per unique pair and load. The figures follow from
 * the growth rule (8 bytes per slot, at most 75% full, growing by 1.4x); this checks the code
 * against it. Speed is `npm run bench`'s business.
 */
import { keyFromBytes } from '../src/key/index.js';
import { Fingerprinter, FINGERPRINT_PRIME } from '../src/detect/fingerprint.js';
import { DedupTable, DEDUP_GROWTH, DEDUP_MAX_LOAD } from '../src/detect/dedup.js';
import { BLOCK_CANDIDATES } from '../src/detect/block.js';

const counts = process.argv.slice(2).map(Number);
const U_LIST = counts.length > 0 ? counts : [1e5, 1e6, 4e6, 1e7];
const V = 128_256;
const fp = new Fingerprinter(keyFromBytes(new Uint8Array(32).fill(7)), 3, V);
if (!fp.exact) throw new Error('expected exact fingerprints at h = 2, V = 128,256');

console.log(`growth rule: 8 bytes per slot, at most ${DEDUP_MAX_LOAD} full, growing by ${DEDUP_GROWTH}x: ${(8 / DEDUP_MAX_LOAD).toFixed(1)}-${(8 / (DEDUP_MAX_LOAD / DEDUP_GROWTH)).toFixed(1)} bytes per unique pair`);
console.log('unique pairs | slots | bytes per unique pair | load');
const ids = new Uint32Array(2);
const lo = new Uint32Array(BLOCK_CANDIDATES);
const hi = new Uint32Array(BLOCK_CANDIDATES);
const isNew = new Uint8Array(BLOCK_CANDIDATES);
for (const U of U_LIST) {
  if (!Number.isInteger(U) || U < 1 || U > V * V) throw new RangeError(`pair count must be an integer in 1..${V * V}, got ${U}`);
  const set = new DedupTable(1024, 0x9e3779b9); // as createDetector: capacity 1024, a salt word
  let k = 0;
  for (let i = 0; i < U; i++) {
    ids[0] = i % V; // distinct windows, so distinct pairs
    ids[1] = Math.floor(i / V);
    fp.compute(ids, 0, (i * 7919) % V);
    lo[k] = fp.lo;
    hi[k++] = fp.hi;
    if (k === BLOCK_CANDIDATES || i === U - 1) {
      set.addBlock(lo, hi, k, isNew);
      k = 0;
    }
  }
  if (set.size !== U) throw new Error(`expected ${U} entries, the set holds ${set.size}`);
  console.log(`${U.toLocaleString('en-US')} | ${set.slots.toLocaleString('en-US')} | ${(set.bytes / U).toFixed(2)} | ${(U / set.slots).toFixed(3)}`);
}

// Hashed fingerprints (when (h + 1) ids do not fit in 62 bits): two lanes modulo P.
const P = FINGERPRINT_PRIME;
const perPair = 1 / (P * P);
console.log(`\nhashed mode: P = ${P} (2^29 - 3); two different pairs collide with probability at most 1/P^2 = ${perPair.toExponential(2)}`);
for (const U of [1e7, 1e8]) console.log(`  expected colliding pairs among U = 10^${Math.log10(U)} unique pairs, at most U^2/(2P^2): ${((U * U) / (2 * P * P)).toPrecision(2)}`);
