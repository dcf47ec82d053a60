/**
 * The WebAssembly SIMD kernels of a green list (src/scheme/kernels.wat): the token table lives in
 * the instance's memory (JavaScript reads it through a view for `isGreenSeeded`); the bias kernels
 * copy the values in, add four ids per SIMD step and copy them back (two memcpy-speed copies cost
 * less than the scalar per-id work they replace); scoring colours four windows per BLAKE3 pass.
 *
 * @internal
 * @module
 */
import { subkey, type SecretKey } from '../key/secret-key.js';
import { keyWords } from './blake3.js';
import { firstNaN, greenOfTable, INFO_CONTEXT, INFO_TOKEN, type Kernels } from './kernels-js.js';
import type { KernelExports, WasmMemory } from './wasm.js';

/** Grows `memory` to at least `bytes`. */
function grow(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
}

/**
 * The views of one instance's memory, renewed whenever the memory grows (growing detaches the old
 * buffer), and the values scratch of the bias kernels: allocated on first use (detectors never
 * need it) and grown to the largest batch seen, `cap` floats at `vp`, the last row of which is
 * `addGreenRows`' output row.
 */
class Memory {
  u32: Uint32Array;
  f32: Float32Array;
  u8: Uint8Array;
  tokenTable: Uint32Array;
  valuesView: Float32Array = new Float32Array(0);
  workView: Float32Array = new Float32Array(0);
  workPtr = 0;
  private cap = 0;
  // Views of caller arrays at an offset (batched rows), so that copying a row in allocates
  // nothing after the first call with that array.
  private readonly rowViews = new WeakMap<Float32Array, Map<number, Float32Array>>();

  constructor(
    private readonly memory: WasmMemory,
    private readonly table: number,
    private readonly tableWords: number,
    /** Where the values scratch starts (after the table). */
    readonly vp: number,
    private readonly n: number,
  ) {
    grow(memory, vp);
    this.u32 = new Uint32Array(memory.buffer);
    this.f32 = new Float32Array(memory.buffer);
    this.u8 = new Uint8Array(memory.buffer);
    this.tokenTable = new Uint32Array(memory.buffer, table, tableWords);
  }

  /** Makes room for `floats` values in the scratch. */
  ensureValues(floats: number): void {
    if (floats <= this.cap) return;
    const { memory, n, vp } = this;
    grow(memory, vp + 4 * floats);
    this.cap = floats;
    this.u32 = new Uint32Array(memory.buffer);
    this.f32 = new Float32Array(memory.buffer);
    this.u8 = new Uint8Array(memory.buffer);
    this.tokenTable = new Uint32Array(memory.buffer, this.table, this.tableWords);
    this.valuesView = this.f32.subarray(vp >>> 2, (vp >>> 2) + n);
    this.workPtr = vp + 4 * (Math.floor(floats / n) - 1) * n;
    this.workView = this.f32.subarray(this.workPtr >>> 2, (this.workPtr >>> 2) + n);
  }

  /** `values[offset .. offset + n)` as a cached view (the array itself when it is exactly that row). */
  row(values: Float32Array, offset: number): Float32Array {
    const n = this.n;
    if (offset === 0 && values.length === n) return values;
    let m = this.rowViews.get(values);
    if (m === undefined) this.rowViews.set(values, (m = new Map()));
    let v = m.get(offset);
    if (v === undefined) m.set(offset, (v = values.subarray(offset, offset + n)));
    return v;
  }
}

/**
 * The WebAssembly kernels of one green list: builds the token table in the instance's memory and
 * returns the kernel functions over it.
 */
export function wasmKernels(k: KernelExports, key: SecretKey, h: number, vocabSize: number, threshold: number): Kernels {
  const blocks = Math.ceil(vocabSize / 16);
  const blocks4 = (blocks + 3) & ~3;
  const TABLE = k.TABLE.value;
  const mem = new Memory(k.memory, TABLE, blocks * 16, TABLE + 64 * blocks4, vocabSize);
  const TOK_KEY = k.TOK_KEY.value >>> 2;
  mem.u32.set(keyWords(subkey(key, INFO_CONTEXT)), k.CTX_KEY.value >>> 2);
  mem.u32.set(keyWords(subkey(key, INFO_TOKEN)), TOK_KEY);
  k.table4(blocks4);
  mem.u32.fill(0, TOK_KEY, TOK_KEY + 8); // the token key is needed only for the table

  const isGreenSeeded = (seed: Uint32Array, offset: number, token: number): boolean => {
    let x = mem.tokenTable[token]! ^ seed[offset]!;
    x = Math.imul(x, seed[offset + 1]! | 1);
    x ^= x >>> 16;
    x = Math.imul(x, seed[offset + 2]! | 1);
    return x >>> 1 < threshold;
  };
  const greenOf = (seed: Uint32Array, seedOffset: number, ids: Int32Array, count: number, out: Uint8Array): void => {
    greenOfTable(mem.tokenTable, threshold, seed, seedOffset, ids, count, out);
  };
  return {
    seedWindow: seedWindowKernel(k, mem, h),
    isGreenSeeded,
    greenOf,
    ...biasKernels(k, mem, vocabSize, threshold),
    ...scoringKernels(k, mem, h, threshold),
  };
}

/** `seedWindow` on the one-window BLAKE3 kernel (the seed of `h = 0` is a constant). */
function seedWindowKernel(k: KernelExports, mem: Memory, h: number): Kernels['seedWindow'] {
  const SEED_OUT = k.SEED_OUT.value >>> 2;
  const seed1 = k.seed1;
  if (h === 0) {
    seed1(0, 0, 0, 0, 0, 0, 0, 0, 0);
    const c0 = mem.u32[SEED_OUT]!, c1 = mem.u32[SEED_OUT + 1]!, c2 = mem.u32[SEED_OUT + 2]!;
    return (_ids, _end, out, outOffset = 0) => {
      out[outOffset] = c0;
      out[outOffset + 1] = c1;
      out[outOffset + 2] = c2;
    };
  }
  const len = 4 * h;
  return (ids, end, out, outOffset = 0) => {
    const s = end - h;
    if (h === 1) seed1(ids[s]!, 0, 0, 0, 0, 0, 0, 0, 4);
    else if (h === 2) seed1(ids[s]!, ids[s + 1]!, 0, 0, 0, 0, 0, 0, 8);
    else {
      seed1(
        ids[s]!, ids[s + 1]!, ids[s + 2]!,
        h > 3 ? ids[s + 3]! : 0, h > 4 ? ids[s + 4]! : 0, h > 5 ? ids[s + 5]! : 0,
        h > 6 ? ids[s + 6]! : 0, h > 7 ? ids[s + 7]! : 0, len,
      );
    }
    const u32 = mem.u32;
    out[outOffset] = u32[SEED_OUT]!;
    out[outOffset + 1] = u32[SEED_OUT + 1]!;
    out[outOffset + 2] = u32[SEED_OUT + 2]!;
  };
}

/** The full-vocabulary bias kernels: `addGreen`, `addGreenChecked` and `addGreenRows`. */
function biasKernels(k: KernelExports, mem: Memory, n: number, threshold: number): Pick<Kernels, 'addGreen' | 'addGreenChecked' | 'addGreenRows'> {
  const vp = mem.vp;
  const addGreen = (seed: Uint32Array, seedOffset: number, values: Float32Array, offset: number, amount: number): void => {
    mem.ensureValues(n);
    mem.f32.set(mem.row(values, offset), vp >>> 2);
    k.addGreen(vp, vp, n, seed[seedOffset]!, seed[seedOffset + 1]!, seed[seedOffset + 2]!, threshold, amount);
    values.set(mem.valuesView, offset);
  };

  const addGreenChecked = (seed: Uint32Array, seedOffset: number, values: Float32Array, offset: number, amount: number): number => {
    mem.ensureValues(n);
    mem.f32.set(mem.row(values, offset), vp >>> 2);
    if (k.addGreen(vp, vp, n, seed[seedOffset]!, seed[seedOffset + 1]!, seed[seedOffset + 2]!, threshold, amount) !== 0) {
      return firstNaN(values, offset, n);
    }
    values.set(mem.valuesView, offset);
    return -1;
  };

  // Rows are biased one at a time, as single calls are (copy in, kernel, copy out while the row is
  // in cache), and each row's original is kept in the scratch: a NaN in a later row restores the
  // rows already written, so the call is all or nothing without a separate NaN pass.
  const addGreenRows = (seeds: Uint32Array, active: Uint8Array, values: Float32Array, rows: number, amount: number): number => {
    mem.ensureValues((rows + 1) * n);
    const work = mem.workPtr;
    for (let b = 0; b < rows; b++) {
      const p = vp + 4 * b * n;
      const q = 3 * b;
      mem.f32.set(mem.row(values, b * n), p >>> 2);
      const nan = active[b] !== 0 ? k.addGreen(p, work, n, seeds[q]!, seeds[q + 1]!, seeds[q + 2]!, threshold, amount) : k.hasNaN(p, n);
      if (nan !== 0) {
        for (let r = 0; r < b; r++) if (active[r] !== 0) values.set(mem.f32.subarray((vp >>> 2) + r * n, (vp >>> 2) + (r + 1) * n), r * n);
        return b * n + firstNaN(values, b * n, n);
      }
      if (active[b] !== 0) values.set(mem.workView, b * n);
    }
    return -1;
  };
  return { addGreen, addGreenChecked, addGreenRows };
}

/** The batched scoring kernel `greenAt`: four windows per BLAKE3 pass. */
function scoringKernels(k: KernelExports, mem: Memory, h: number, threshold: number): Pick<Kernels, 'greenAt'> {
  const BATCH = k.BATCH.value;
  const WIN = k.WIN.value >>> 2;
  const TOK = k.TOK.value >>> 2;
  const OUT = k.OUT.value;
  const len = 4 * h;
  const green4 = h <= 2 ? k.green4w2 : k.green4;

  /** Copies the windows ending at ends[from .. from + m) and their tokens into the batch area. */
  const load = (ids: ArrayLike<number>, toks: ArrayLike<number>, ends: ArrayLike<number>, from: number, m: number): number => {
    const w = mem.u32;
    for (let j = 0; j < m; j++) {
      const e = ends[from + j]!;
      const o = WIN + 8 * j;
      if (h === 2) {
        w[o] = ids[e - 2]!;
        w[o + 1] = ids[e - 1]!;
      } else {
        for (let i = 0; i < h; i++) w[o + i] = ids[e - h + i]!;
      }
      w[TOK + j] = toks[e]!;
    }
    const m4 = (m + 3) & ~3;
    for (let j = m; j < m4; j++) w[TOK + j] = 0; // padding lanes: any valid id
    return m4;
  };

  const greenAt = (ids: ArrayLike<number>, toks: ArrayLike<number>, ends: ArrayLike<number>, count: number, out: Uint8Array): void => {
    for (let base = 0; base < count; base += BATCH) {
      const m = count - base < BATCH ? count - base : BATCH;
      green4(load(ids, toks, ends, base, m), len, threshold);
      const b = mem.u8;
      for (let j = 0; j < m; j++) out[base + j] = b[OUT + j]!;
    }
  };

  return { greenAt };
}
