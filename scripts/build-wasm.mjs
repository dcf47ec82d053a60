#!/usr/bin/env node
/**
 * Builds the scheme's WebAssembly kernels:
 *
 *   1. writes src/scheme/kernels.wat (the WebAssembly text; the BLAKE3 rounds are unrolled here,
 *      so the text is generated rather than typed: edit this script, not the .wat);
 *   2. compiles every src/scheme/*.wat with wabt (SIMD enabled);
 *   3. writes src/scheme/wasm-<name>.ts holding the bytes as base64, so `npm ci` and the build
 *      need no extra step and the package ships no separate .wasm file.
 *
 * Both the .wat and the generated .ts are committed. Run after editing: `node scripts/build-wasm.mjs`
 * (needs the devDependency `wabt`). `--check` compiles and compares without writing, exiting 1 when
 * a committed file is stale.
 *
 * The kernels implement exactly docs/SPEC.md (BLAKE3 keyed single-block compression, the keyed
 * XOF blocks of the token table, and the per-token decision); test/scheme-kernels.test.ts checks
 * them against the JavaScript implementation and the known-answer vectors.
 */
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemeDir = join(root, 'src', 'scheme');
const check = process.argv.includes('--check');

// ---------------------------------------------------------------------------------------------
// Memory layout shared with src/scheme/wasm.ts (keep in sync: the TS side reads these offsets
// from the module's exported globals, so only this script defines them).
const LAYOUT = {
  CTX_KEY: 0, // 8 words: the context key K_ctx
  TOK_KEY: 32, // 8 words: the token key K_tok (only while the table is built)
  SEED_OUT: 64, // 3 words: seed1's result
  BATCH: 256, // most positions per green4 call
  WIN: 1024, // BATCH windows, 8 words (32 bytes) each, zero beyond contextWidth
  TOK: 1024 + 256 * 32, // BATCH token ids
  OUT: 1024 + 256 * 32 + 256 * 4, // BATCH flags (bytes)
  TABLE: 65536, // the token table r (one page in), then the values scratch
};

// ---------------------------------------------------------------------------------------------
// BLAKE3 (https://github.com/BLAKE3-team/BLAKE3-specs): 7 rounds of 8 G mixes; the message words
// are permuted between rounds, which an unrolled body turns into a per-round index table.
const PERM = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a];
const MIX = [
  [0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15],
  [0, 5, 10, 15], [1, 6, 11, 12], [2, 7, 8, 13], [3, 4, 9, 14],
];
/** KEYED_HASH | ROOT | CHUNK_END | CHUNK_START: one block that is the whole keyed message. */
const FLAGS = 16 | 8 | 2 | 1;

function schedule() {
  const rounds = [];
  let idx = [...Array(16).keys()];
  for (let r = 0; r < 7; r++) {
    rounds.push(idx);
    idx = PERM.map((p) => idx[p]);
  }
  return rounds;
}

/**
 * The unrolled rounds over locals $v0..$v15 and message locals $m<k> for k < live (words at or
 * past `live` are zero and their additions are left out).
 */
function rounds(simd, live, indent) {
  const add = simd ? 'i32x4.add' : 'i32.add';
  const xor = simd ? 'v128.xor' : 'i32.xor';
  const get = (x) => `(local.get $${x})`;
  const sum3 = (a, b, k) => (k < live ? `(${add} (${add} ${get(a)} ${get(b)}) ${get('m' + k)})` : `(${add} ${get(a)} ${get(b)})`);
  // rotr by 16 and 8 are byte shuffles; by 12 and 7 two shifts and an or.
  const rot = (x, n) => {
    if (!simd) return `(i32.rotr ${x} (i32.const ${n}))`;
    if (n === 16) return `(i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 ${x} ${x})`;
    if (n === 8) return `(i8x16.shuffle 1 2 3 0 5 6 7 4 9 10 11 8 13 14 15 12 ${x} ${x})`;
    return `(v128.or (i32x4.shr_u ${x} (i32.const ${n})) (i32x4.shl ${x} (i32.const ${32 - n})))`;
  };
  const lines = [];
  schedule().forEach((idx, r) => {
    lines.push(`;; round ${r + 1}`);
    MIX.forEach(([a, b, c, d], g) => {
      const mx = idx[2 * g];
      const my = idx[2 * g + 1];
      const A = `v${a}`, B = `v${b}`, C = `v${c}`, D = `v${d}`;
      for (const [k, r1, r2] of [[mx, 16, 12], [my, 8, 7]]) {
        lines.push(`(local.set $${A} ${sum3(A, B, k)})`);
        lines.push(`(local.set $t (${xor} ${get(D)} ${get(A)}))`);
        lines.push(`(local.set $${D} ${rot('(local.get $t)', r1)})`);
        lines.push(`(local.set $${C} (${add} ${get(C)} ${get(D)}))`);
        lines.push(`(local.set $t (${xor} ${get(B)} ${get(C)}))`);
        lines.push(`(local.set $${B} ${rot('(local.get $t)', r2)})`);
      }
    });
  });
  return lines.join('\n' + indent);
}

const decl = (prefix, n, type, from = 0) =>
  Array.from({ length: n - from }, (_, i) => `(local $${prefix}${i + from} ${type})`).join(' ');

/** The state set-up of a 4-way compression: cv from 8 splatted key words at `keyPtr`. */
function initState4(keyPtr, counter, len) {
  const lines = [];
  for (let i = 0; i < 8; i++) lines.push(`(local.set $v${i} (v128.load32_splat offset=${4 * i} ${keyPtr}))`);
  IV.forEach((x, i) => lines.push(`(local.set $v${8 + i} (v128.const i32x4 ${x | 0} ${x | 0} ${x | 0} ${x | 0}))`));
  lines.push(`(local.set $v12 ${counter})`);
  lines.push(`(local.set $v13 (v128.const i32x4 0 0 0 0))`);
  lines.push(`(local.set $v14 (i32x4.splat ${len}))`);
  lines.push(`(local.set $v15 (v128.const i32x4 ${FLAGS} ${FLAGS} ${FLAGS} ${FLAGS}))`);
  return lines;
}

/** Loads message word k < live of four windows (32-byte stride) at $p into $m<k>. */
function loadWindows4(live = 8) {
  const lines = [];
  for (let k = 0; k < live; k++) {
    lines.push(
      `(local.set $m${k} (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 ` +
        `(i32x4.splat (i32.load offset=${4 * k} (local.get $p))) (i32.load offset=${32 + 4 * k} (local.get $p))) ` +
        `(i32.load offset=${64 + 4 * k} (local.get $p))) (i32.load offset=${96 + 4 * k} (local.get $p))))`,
    );
  }
  return lines;
}

function green4(name, live) {
  const L = LAYOUT;
  const I4 = '      ';
  return `  ;; green4(count, len, thr): for positions j < count (a multiple of 4, at most BATCH), with the
  ;; window at WIN + 32 j and the token id at TOK + 4 j, writes 1 (green) or 0 at OUT + j. Four
  ;; windows per compression, one per i32x4 lane; then the decision of SPEC §6 on the four lanes.
  (func (export "${name}") (param $count i32) (param $len i32) (param $thr i32)
    ${decl('v', 16, 'v128')} ${live > 0 ? decl('m', live, 'v128') : ''} (local $t v128)
    (local $j i32) (local $p i32) (local $q i32) (local $x v128) (local $T v128) (local $L i32)
    (local.set $T (i32x4.splat (local.get $thr)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $count)))
      (local.set $p (i32.add (i32.const ${L.WIN}) (i32.shl (local.get $j) (i32.const 5))))
      ${loadWindows4(live).join('\n' + I4)}
      ${initState4(`(i32.const ${L.CTX_KEY})`, '(v128.const i32x4 0 0 0 0)', '(local.get $len)').join('\n' + I4)}
      ${rounds(true, live, I4)}
      ;; r[token] for the four lanes
      (local.set $q (i32.add (i32.const ${L.TOK}) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $x (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1
        (i32x4.splat (i32.load offset=${L.TABLE} (i32.shl (i32.load offset=0 (local.get $q)) (i32.const 2))))
        (i32.load offset=${L.TABLE} (i32.shl (i32.load offset=4 (local.get $q)) (i32.const 2))))
        (i32.load offset=${L.TABLE} (i32.shl (i32.load offset=8 (local.get $q)) (i32.const 2))))
        (i32.load offset=${L.TABLE} (i32.shl (i32.load offset=12 (local.get $q)) (i32.const 2)))))
      ;; x = (r ^ s0) * (s1 | 1); x ^= x >> 16; x *= s2 | 1; green = (x >> 1) < thr
      (local.set $x (i32x4.mul (v128.xor (local.get $x) (v128.xor (local.get $v0) (local.get $v8)))
        (v128.or (v128.xor (local.get $v1) (local.get $v9)) (v128.const i32x4 1 1 1 1))))
      (local.set $x (i32x4.mul (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16)))
        (v128.or (v128.xor (local.get $v2) (local.get $v10)) (v128.const i32x4 1 1 1 1))))
      (local.set $L (i32x4.bitmask (i32x4.lt_u (i32x4.shr_u (local.get $x) (i32.const 1)) (local.get $T))))
      (local.set $q (i32.add (i32.const ${L.OUT}) (local.get $j)))
      (i32.store8 offset=0 (local.get $q) (i32.and (local.get $L) (i32.const 1)))
      (i32.store8 offset=1 (local.get $q) (i32.and (i32.shr_u (local.get $L) (i32.const 1)) (i32.const 1)))
      (i32.store8 offset=2 (local.get $q) (i32.and (i32.shr_u (local.get $L) (i32.const 2)) (i32.const 1)))
      (i32.store8 offset=3 (local.get $q) (i32.shr_u (local.get $L) (i32.const 3)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
  )

`;
}

function kernelsWat() {
  const L = LAYOUT;
  const I4 = '      ';
  return `;; radiomark scheme v1 kernels (docs/SPEC.md). GENERATED by scripts/build-wasm.mjs: edit that.
;;
;; Memory layout (bytes):
;;   ${L.CTX_KEY}: K_ctx as 8 little-endian words          ${L.TOK_KEY}: K_tok (while the table is built)
;;   ${L.SEED_OUT}: seed1's s0 s1 s2                          ${L.WIN}: windows, 32 bytes per position
;;   ${L.TOK}: token ids, 4 bytes per position            ${L.OUT}: green flags / seeds
;;   ${L.TABLE}: the token table r[0 .. V), then the values scratch of addGreen
;; Every compression is the single-block keyed hash (flags ${FLAGS}) of a message of at most 32 bytes,
;; so message words 8..15 are zero; the token table is the keyed XOF of the empty message.
(module
  (memory (export "memory") 2)
  (global (export "CTX_KEY") i32 (i32.const ${L.CTX_KEY}))
  (global (export "TOK_KEY") i32 (i32.const ${L.TOK_KEY}))
  (global (export "SEED_OUT") i32 (i32.const ${L.SEED_OUT}))
  (global (export "BATCH") i32 (i32.const ${L.BATCH}))
  (global (export "WIN") i32 (i32.const ${L.WIN}))
  (global (export "TOK") i32 (i32.const ${L.TOK}))
  (global (export "OUT") i32 (i32.const ${L.OUT}))
  (global (export "TABLE") i32 (i32.const ${L.TABLE}))

  ;; seed1(w1..w8, len): the seed of one window (ids as message words, zero past contextWidth;
  ;; len = 4 * contextWidth bytes), written as 3 words at SEED_OUT. Scalar, rotations native.
  (func (export "seed1")
    (param $m0 i32) (param $m1 i32) (param $m2 i32) (param $m3 i32)
    (param $m4 i32) (param $m5 i32) (param $m6 i32) (param $m7 i32) (param $len i32)
    ${decl('v', 16, 'i32')} (local $t i32)
    ${[...Array(8).keys()].map((i) => `(local.set $v${i} (i32.load offset=${L.CTX_KEY + 4 * i} (i32.const 0)))`).join('\n    ')}
    ${IV.map((x, i) => `(local.set $v${8 + i} (i32.const ${x | 0}))`).join(' ')}
    (local.set $v12 (i32.const 0)) (local.set $v13 (i32.const 0))
    (local.set $v14 (local.get $len)) (local.set $v15 (i32.const ${FLAGS}))
    ${rounds(false, 8, '    ')}
    (i32.store offset=${L.SEED_OUT} (i32.const 0) (i32.xor (local.get $v0) (local.get $v8)))
    (i32.store offset=${L.SEED_OUT + 4} (i32.const 0) (i32.xor (local.get $v1) (local.get $v9)))
    (i32.store offset=${L.SEED_OUT + 8} (i32.const 0) (i32.xor (local.get $v2) (local.get $v10)))
  )

${green4('green4', 8)}
${green4('green4w2', 2)}
  ;; table4(blocks): the token table r = BLAKE3_keyed(K_tok, "", 64 * blocks) (SPEC §4): output
  ;; block b is the compression with counter b; four blocks per pass. blocks is a multiple of 4.
  (func (export "table4") (param $blocks i32)
    ${decl('v', 16, 'v128')} (local $t v128) (local $j i32) (local $q i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $blocks)))
      ${initState4(
        `(i32.const ${L.TOK_KEY})`,
        '(i32x4.add (i32x4.splat (local.get $j)) (v128.const i32x4 0 1 2 3))',
        '(i32.const 0)',
      ).join('\n' + I4)}
      ${rounds(true, 0, I4)}
      ;; out[i] = v[i] ^ v[i + 8], out[i + 8] = v[i + 8] ^ cv[i]; lane = block
      (local.set $q (i32.add (i32.const ${L.TABLE}) (i32.shl (local.get $j) (i32.const 6))))
      ${[...Array(8).keys()].map((i) => `(local.set $v${i} (v128.xor (local.get $v${i}) (local.get $v${i + 8})))`).join(' ')}
      ${[...Array(8).keys()].map((i) => `(local.set $v${i + 8} (v128.xor (local.get $v${i + 8}) (v128.load32_splat offset=${L.TOK_KEY + 4 * i} (i32.const 0))))`).join('\n' + I4)}
      ${[0, 1, 2, 3]
        .map((lane) =>
          [...Array(16).keys()]
            .map((w) => `(i32.store offset=${64 * lane + 4 * w} (local.get $q) (i32x4.extract_lane ${lane} (local.get $v${w})))`)
            .join(' '),
        )
        .join('\n' + I4)}
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
  )

  ;; addGreen(vp, dp, n, s0, s1, s2, thr, amount) -> nan: dst[dp + 4t] = values[vp + 4t] + amount
  ;; for every green t < n, + 0 for the others (f32 adds, as the JavaScript kernel does; dp may be
  ;; vp), and returns 1 when a value read was NaN (the caller then discards the result), else 0.
  ;; Four ids per step, then a scalar tail.
  (func (export "addGreen") (param $vp i32) (param $dp i32) (param $n i32)
    (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $thr i32) (param $amt f32) (result i32)
    (local $S0 v128) (local $S1 v128) (local $S2 v128) (local $T v128) (local $A v128)
    (local $x v128) (local $v v128) (local $nan v128) (local $i i32) (local $end i32) (local $y i32)
    (local $f f32) (local $snan i32)
    (local.set $s1 (i32.or (local.get $s1) (i32.const 1)))
    (local.set $s2 (i32.or (local.get $s2) (i32.const 1)))
    (local.set $S0 (i32x4.splat (local.get $s0)))
    (local.set $S1 (i32x4.splat (local.get $s1)))
    (local.set $S2 (i32x4.splat (local.get $s2)))
    (local.set $T (i32x4.splat (local.get $thr)))
    (local.set $A (f32x4.splat (local.get $amt)))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $x (i32x4.mul (v128.xor (v128.load offset=${L.TABLE} (local.get $i)) (local.get $S0)) (local.get $S1)))
      (local.set $x (i32x4.mul (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))) (local.get $S2)))
      (local.set $v (v128.load (i32.add (local.get $vp) (local.get $i))))
      (local.set $nan (v128.or (local.get $nan) (f32x4.ne (local.get $v) (local.get $v))))
      (v128.store (i32.add (local.get $dp) (local.get $i))
        (f32x4.add (local.get $v)
          (v128.and (local.get $A) (i32x4.lt_u (i32x4.shr_u (local.get $x) (i32.const 1)) (local.get $T)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $y (i32.mul (i32.xor (i32.load offset=${L.TABLE} (local.get $i)) (local.get $s0)) (local.get $s1)))
      (local.set $y (i32.mul (i32.xor (local.get $y) (i32.shr_u (local.get $y) (i32.const 16))) (local.get $s2)))
      (local.set $f (f32.load (i32.add (local.get $vp) (local.get $i))))
      (local.set $snan (i32.or (local.get $snan) (f32.ne (local.get $f) (local.get $f))))
      (f32.store (i32.add (local.get $dp) (local.get $i))
        (f32.add (local.get $f)
          (select (local.get $amt) (f32.const 0) (i32.lt_u (i32.shr_u (local.get $y) (i32.const 1)) (local.get $thr)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (i32.or (local.get $snan) (v128.any_true (local.get $nan)))
  )

  ;; hasNaN(vp, n) -> 1 when one of the n f32 values at vp is NaN, else 0.
  (func (export "hasNaN") (param $vp i32) (param $n i32) (result i32)
    (local $nan v128) (local $v v128) (local $i i32) (local $end i32) (local $f f32) (local $snan i32)
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $v (v128.load (i32.add (local.get $vp) (local.get $i))))
      (local.set $nan (v128.or (local.get $nan) (f32x4.ne (local.get $v) (local.get $v))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $f (f32.load (i32.add (local.get $vp) (local.get $i))))
      (local.set $snan (i32.or (local.get $snan) (f32.ne (local.get $f) (local.get $f))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (i32.or (local.get $snan) (v128.any_true (local.get $nan)))
  )
)
`;
}

// ---------------------------------------------------------------------------------------------

function tsModule(name, bytes) {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines = b64.match(/.{1,100}/g) ?? [];
  return `// GENERATED by scripts/build-wasm.mjs from src/scheme/${name}.wat: do not edit.
/** The compiled ${name}.wat (${bytes.length} bytes), base64. */
export const ${camel(name)}Base64 =
${lines.map((l, i) => `  '${l}'${i === lines.length - 1 ? ';' : ' +'}`).join('\n')}
`;
}

function camel(s) {
  return s.replace(/[-_](.)/g, (_, c) => c.toUpperCase());
}

const { default: wabtInit } = await import('wabt').catch(() => {
  console.error('build-wasm: the devDependency "wabt" is missing (npm install)');
  process.exit(2);
});
const wabt = await wabtInit();

const generated = { 'kernels.wat': kernelsWat() };
let stale = 0;
for (const [file, text] of Object.entries(generated)) {
  const path = join(schemeDir, file);
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {}
  if (old !== text) {
    if (check) {
      console.error(`build-wasm: ${file} is stale`);
      stale++;
    } else writeFileSync(path, text);
  }
}
for (const file of readdirSync(schemeDir).filter((f) => f.endsWith('.wat'))) {
  const name = basename(file, '.wat');
  const text = generated[file] ?? readFileSync(join(schemeDir, file), 'utf8');
  const mod = wabt.parseWat(file, text, { simd: true });
  mod.resolveNames();
  mod.validate();
  const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
  mod.destroy();
  const out = join(schemeDir, `wasm-${name}.ts`);
  const ts = tsModule(name, buffer);
  let old = '';
  try {
    old = readFileSync(out, 'utf8');
  } catch {}
  if (old !== ts) {
    if (check) {
      console.error(`build-wasm: wasm-${name}.ts is stale`);
      stale++;
    } else writeFileSync(out, ts);
  }
  console.log(`${file}: ${buffer.length} bytes -> src/scheme/wasm-${name}.ts`);
}
if (stale > 0) process.exit(1);
