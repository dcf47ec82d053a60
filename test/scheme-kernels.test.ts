import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '@noble/hashes/utils.js';
import { keyFromBytes } from '../src/key/secret-key.js';
import { createGreenList, type GreenList } from '../src/scheme/green-list.js';
import { kernelInstance } from '../src/scheme/wasm.js';
import { createWatermark } from '../src/sampler/watermark.js';

/**
 * The WebAssembly SIMD kernels (src/scheme/kernels.wat) against the JavaScript kernels, which
 * test/scheme.test.ts checks against the known-answer vectors; and the vectors on both backends.
 */
const vectors = JSON.parse(readFileSync(new URL('./vectors/scheme.json', import.meta.url), 'utf8')) as {
  vectors: { key: string; contextWidth: number; gamma: number; window: number[]; token: number; green: boolean }[];
};

function both(h: number, V: number, gamma = 0.25, seed = 1): [GreenList, GreenList] {
  const key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + seed * 7 + h) & 255));
  const w = createGreenList({ key, gamma, contextWidth: h, vocabSize: V });
  const j = createGreenList({ key, gamma, contextWidth: h, vocabSize: V, kernels: 'js' });
  return [w, j];
}

/** Pseudo-random ids in [0, V), deterministic. */
function ids(n: number, V: number, salt: number): Uint32Array {
  const a = new Uint32Array(n);
  let x = salt | 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) | 0;
    a[i] = (x >>> 0) % V;
  }
  return a;
}

describe('WebAssembly SIMD kernels', () => {
  it('are active on this Node (SIMD is validated, not assumed)', () => {
    expect(kernelInstance()).not.toBeNull();
    expect(both(2, 100)[0].backend).toBe('wasm-simd');
    expect(both(2, 100)[1].backend).toBe('js');
  });

  for (const h of [0, 1, 2, 3, 5, 8]) {
    for (const V of [1, 3, 16, 17, 1000, 50257]) {
      it(`agree with the JavaScript kernels: contextWidth ${h}, V ${V}`, () => {
        const [w, j] = both(h, V, h === 3 ? 0.1 : 0.25, V);
        const doc = ids(700, V, h * 1000 + V);
        // seedWindow and isGreenSeeded over every id
        const sw = new Uint32Array(3);
        const sj = new Uint32Array(3);
        for (let e = h; e <= doc.length; e += 37) {
          w.seedWindow(doc, e, sw, 0);
          j.seedWindow(doc, e, sj, 0);
          expect(Array.from(sw)).toEqual(Array.from(sj));
        }
        for (let t = 0; t < V; t++) expect(w.isGreenSeeded(sw, 0, t)).toBe(j.isGreenSeeded(sj, 0, t));
        expect(w.countGreen(sw, 0)).toBe(j.countGreen(sj, 0));
        // greenAt: counts that are not multiples of 4 or of the batch size
        for (const count of [1, 3, 4, 255, 256, 257, 690 - h]) {
          const ends = Int32Array.from({ length: count }, (_, k) => h + ((k * 131) % (doc.length - h)));
          const gw = new Uint8Array(count);
          const gj = new Uint8Array(count);
          w.greenAt(doc, doc, ends, count, gw);
          j.greenAt(doc, doc, ends, count, gj);
          expect(Array.from(gw)).toEqual(Array.from(gj));
        }
        // greenAt with separate token ids (reading mode)
        const toks = ids(doc.length, V, 99);
        const ends = Int32Array.from({ length: 100 }, (_, k) => h + (k % (doc.length - h)));
        const gw = new Uint8Array(100);
        const gj = new Uint8Array(100);
        w.greenAt(doc, toks, ends, 100, gw);
        j.greenAt(doc, toks, ends, 100, gj);
        expect(Array.from(gw)).toEqual(Array.from(gj));
      });
    }
  }

  it('addGreen: bitwise the same float32 results, whole arrays and rows at an offset', () => {
    for (const V of [1, 5, 64, 1003]) {
      const [w, j] = both(2, V);
      const seed = new Uint32Array(3);
      w.seedWindow([4, 9], 2, seed, 0);
      const special = [-Infinity, -0, 0, 1e-30, 3.4e38, -3.4e38, 16777217, 0.1];
      const a = Float32Array.from({ length: 3 * V }, (_, i) => (i % 11 === 0 ? special[i % special.length]! : Math.sin(i) * 20));
      const b = a.slice();
      for (const amount of [2, 0.1, 1e-9, 0]) {
        for (const offset of [0, V, 2 * V]) {
          w.addGreen(seed, 0, a, offset, amount);
          j.addGreen(seed, 0, b, offset, amount);
        }
      }
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      const single = a.slice(0, V);
      const singleJ = single.slice();
      w.addGreen(seed, 0, single, 0, 2);
      j.addGreen(seed, 0, singleJ, 0, 2);
      expect(Buffer.from(single.buffer).equals(Buffer.from(singleJ.buffer))).toBe(true);
      // -Infinity stays -Infinity, and only green ids change
      const z = new Float32Array(V).fill(-Infinity);
      w.addGreen(seed, 0, z, 0, 2);
      expect(z.every((v) => v === -Infinity)).toBe(true);
      const zeros = new Float32Array(V);
      w.addGreen(seed, 0, zeros, 0, 1);
      for (let t = 0; t < V; t++) expect(zeros[t]).toBe(w.isGreenSeeded(seed, 0, t) ? 1 : 0);
    }
  });

  it('addGreenChecked and addGreenRows: the addGreen result, or the first NaN and nothing modified', () => {
    for (const V of [1, 6, 64, 1003]) {
      for (const gl of both(2, V)) {
        const rows = 3;
        const seeds = new Uint32Array(3 * rows);
        for (let b = 0; b < rows; b++) gl.seedWindow([b + 1, 2 * b + 5], 2, seeds, 3 * b);
        const base = Float32Array.from({ length: rows * V }, (_, i) => (i % 13 === 0 ? -Infinity : i % 17 === 0 ? -0 : Math.cos(i) * 9));
        // No NaN: the same as addGreen on the active rows, -1.
        for (const active of [Uint8Array.of(1, 1, 1), Uint8Array.of(0, 1, 0)]) {
          const a = base.slice();
          const b = base.slice();
          expect(gl.addGreenRows(seeds, active, a, rows, 2)).toBe(-1);
          for (let r = 0; r < rows; r++) if (active[r] !== 0) gl.addGreen(seeds, 3 * r, b, r * V, 2);
          expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
        }
        const one = base.slice(V, 2 * V);
        const ref = one.slice();
        expect(gl.addGreenChecked(seeds, 3, one, 0, 2)).toBe(-1);
        gl.addGreen(seeds, 3, ref, 0, 2);
        expect(Buffer.from(one.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
        const off = base.slice();
        const offRef = base.slice();
        expect(gl.addGreenChecked(seeds, 6, off, 2 * V, 0.5)).toBe(-1);
        gl.addGreen(seeds, 6, offRef, 2 * V, 0.5);
        expect(Buffer.from(off.buffer).equals(Buffer.from(offRef.buffer))).toBe(true);
        // A NaN anywhere (vector body, scalar tail, an inactive row): its index, nothing modified.
        for (const at of [0, V - 1, Math.floor(V / 2), V + (V > 4 ? 4 : 0), rows * V - 1]) {
          for (const active of [Uint8Array.of(1, 1, 1), Uint8Array.of(1, 0, 0)]) {
            const a = base.slice();
            a[at] = NaN;
            const before = Buffer.from(a.buffer.slice(0));
            let first = -1;
            for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) { first = i; break; }
            expect(gl.addGreenRows(seeds, active, a, rows, 2)).toBe(first);
            expect(Buffer.from(a.buffer).equals(before)).toBe(true);
          }
          if (at < V) {
            const r = base.slice(0, V);
            r[at] = NaN;
            const before = Buffer.from(r.buffer.slice(0));
            expect(gl.addGreenChecked(seeds, 0, r, 0, 2)).toBe(at);
            expect(Buffer.from(r.buffer).equals(before)).toBe(true);
          }
        }
      }
    }
  });

  it('reproduce every known-answer vector on both backends', () => {
    for (const wasm of [true, false]) {
      const cache = new Map<string, GreenList>();
      for (const v of vectors.vectors) {
        const id = `${v.key}/${v.contextWidth}/${v.gamma}`;
        let gl = cache.get(id);
        if (gl === undefined) {
          gl = createGreenList({ key: keyFromBytes(hexToBytes(v.key)), gamma: v.gamma, contextWidth: v.contextWidth, vocabSize: 262144, kernels: wasm ? 'auto' : 'js' });
          cache.set(id, gl);
        }
        expect(gl.backend).toBe(wasm ? 'wasm-simd' : 'js');
        expect(gl.isGreen(v.window, v.token), JSON.stringify(v)).toBe(v.green);
        const flags = new Uint8Array(1);
        const doc = [...v.window, v.token];
        gl.greenAt(doc, doc, [v.window.length], 1, flags);
        expect(flags[0], JSON.stringify(v)).toBe(v.green ? 1 : 0);
      }
    }
  });

  it('the kernel choice is an option of each green list (default auto), not a process-wide switch', () => {
    const key = keyFromBytes(new Uint8Array(32).fill(5));
    const js = createGreenList({ key, gamma: 0.25, contextWidth: 2, vocabSize: 10, kernels: 'js' });
    const auto = createGreenList({ key, gamma: 0.25, contextWidth: 2, vocabSize: 10 });
    expect([js.backend, auto.backend, createGreenList({ key, gamma: 0.25, contextWidth: 2, vocabSize: 10, kernels: 'auto' }).backend]).toEqual(['js', 'wasm-simd', 'wasm-simd']);
    expect(createWatermark({ key, vocabSize: 10, kernels: 'js' }).greenList.backend).toBe('js');
    expect(createWatermark({ key, vocabSize: 10 }).greenList.backend).toBe('wasm-simd');
    expect(() => createGreenList({ key, gamma: 0.25, contextWidth: 2, vocabSize: 10, kernels: 'wasm' as never })).toThrow(/createGreenList: "kernels" must be "auto" or "js", got "wasm"/);
  });

  it('serving is bitwise the same on both kernels: bias, biasBatch, session.bias, sample', () => {
    const key = keyFromBytes(new Uint8Array(32).fill(6));
    const V = 3001;
    const [w, j] = [createWatermark({ key, vocabSize: V, delta: 1.5 }), createWatermark({ key, vocabSize: V, delta: 1.5, kernels: 'js' })];
    const logits = Float32Array.from(ids(V, 1 << 20, 9), (x) => x / 65536 - 8);
    expect(w.bias(logits.slice(), [5, 6])).toEqual(j.bias(logits.slice(), [5, 6]));
    const two = new Float32Array(2 * V);
    two.set(logits);
    two.set(logits.map((x) => -x), V);
    expect(w.biasBatch(two.slice(), [[1, 2], [3]])).toEqual(j.biasBatch(two.slice(), [[1, 2], [3]]));
    const [sw, sj] = [w.session({ prompt: [7, 8] }), j.session({ prompt: [7, 8] })];
    for (let i = 0; i < 20; i++) {
      expect(sw.bias(logits.slice())).toEqual(sj.bias(logits.slice()));
      const u = (i * 0.618) % 1;
      const t = sw.sample(logits, { topK: 40, temperature: 0.9, random: () => u });
      expect(sj.sample(logits, { topK: 40, temperature: 0.9, random: () => u })).toBe(t);
    }
  });

  const hasWabt = (() => {
    try {
      createRequire(import.meta.url).resolve('wabt');
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasWabt)('the committed kernels.wat and wasm-kernels.ts are what scripts/build-wasm.mjs produces', () => {
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    });
  });
});
