/**
 * The WebAssembly SIMD kernels of the scheme (src/scheme/kernels.wat, built by
 * scripts/build-wasm.mjs): 4-way BLAKE3 seeding and green decisions, the token table, and the
 * full-vocabulary bias. Used when the engine validates the module (WebAssembly SIMD: Node >= 16.4,
 * Chrome 91, Firefox 89, Safari 16.4) and `kernels` is `'auto'`; otherwise the scheme runs its
 * JavaScript kernels, which
 * compute the same values (test/scheme-kernels.test.ts checks both against each other and the
 * known-answer vectors).
 *
 * @module
 */
import { kernelsBase64 } from './wasm-kernels.js';

/** The part of `WebAssembly.Memory` used here (the project's TypeScript lib has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** An exported immutable i32 global. */
interface WasmGlobal {
  readonly value: number;
}

/** Exports of one kernel instance (see kernels.wat for the contracts). */
export interface KernelExports {
  readonly memory: WasmMemory;
  readonly CTX_KEY: WasmGlobal;
  readonly TOK_KEY: WasmGlobal;
  readonly SEED_OUT: WasmGlobal;
  readonly BATCH: WasmGlobal;
  readonly WIN: WasmGlobal;
  readonly TOK: WasmGlobal;
  readonly OUT: WasmGlobal;
  readonly TABLE: WasmGlobal;
  seed1(w1: number, w2: number, w3: number, w4: number, w5: number, w6: number, w7: number, w8: number, len: number): void;
  green4(count: number, len: number, threshold: number): void;
  /** green4 for contextWidth <= 2 (message words 2..7 are zero and left out). */
  green4w2(count: number, len: number, threshold: number): void;
  table4(blocks: number): void;
  /** Reads at `valuesPtr`, writes at `destPtr` (may be the same); returns 1 when a value read was NaN. */
  addGreen(valuesPtr: number, destPtr: number, n: number, s0: number, s1: number, s2: number, threshold: number, amount: number): number;
  hasNaN(valuesPtr: number, n: number): number;
}

/** The part of the `WebAssembly` global used here. */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

/** The compiled module, once compiled (`null`: the engine has no WebAssembly SIMD). */
let compiled: object | null | undefined;

function decode(b64: string): Uint8Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function wasmApi(): WasmApi | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return api !== undefined && typeof api.validate === 'function' ? api : undefined;
}

function kernelModule(): object | null {
  if (compiled !== undefined) return compiled;
  let mod: object | null = null;
  try {
    const api = wasmApi();
    if (api !== undefined) {
      const bytes = decode(kernelsBase64);
      // validate() is the feature test: an engine without SIMD rejects the module.
      if (api.validate(bytes)) mod = new api.Module(bytes);
    }
  } catch {
    mod = null; // e.g. a Content-Security-Policy without 'wasm-unsafe-eval'
  }
  compiled = mod;
  return mod;
}

/**
 * A fresh kernel instance (its own memory), or `null` when WebAssembly SIMD is unavailable. The
 * choice between these kernels and the JavaScript ones is the `kernels` option of
 * `createGreenList` (and of `createWatermark`); nothing here is a switch.
 * @internal
 */
export function kernelInstance(): KernelExports | null {
  const mod = kernelModule();
  if (mod === null) return null;
  try {
    return new (wasmApi() as WasmApi).Instance(mod, {}).exports as KernelExports;
  } catch {
    return null;
  }
}
