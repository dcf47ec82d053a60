import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blake3 } from '@noble/hashes/blake3.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { RadiomarkError, createWatermark, keyFromBytes, createGreenList, deriveKey } from '../src/index.js';
import { compress, keyWords, KEYED_SINGLE_BLOCK_FLAGS } from '../src/scheme/blake3.js';
import { subkey } from '../src/key/secret-key.js';

interface Vector { key: string; contextWidth: number; gamma: number; window: number[]; token: number; score: number; threshold: number; green: boolean }
const vectors = JSON.parse(readFileSync(new URL('./vectors/scheme.json', import.meta.url), 'utf8')) as {
  keys: { key: string; fingerprint: string; contextKey: string; tokenKey: string; decoy1: string }[];
  vectors: Vector[];
};

describe('BLAKE3 compression agrees with @noble/hashes', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255);
  for (const len of [0, 1, 4, 8, 12, 16, 32, 63, 64]) {
    it(`keyed hash of ${len} bytes`, () => {
      const msg = Uint8Array.from({ length: len }, (_, i) => (i * 13 + 5) & 255);
      const block = new Uint32Array(16);
      new Uint8Array(block.buffer).set(msg);
      const out = new Uint32Array(16);
      compress(keyWords(key), block, 0, len, KEYED_SINGLE_BLOCK_FLAGS, out);
      expect(Buffer.from(out.buffer).subarray(0, 32).toString('hex')).toBe(Buffer.from(blake3(msg, { key })).toString('hex'));
    });
  }
  it('keyed XOF blocks of the empty message', () => {
    const xof = blake3(new Uint8Array(0), { key, dkLen: 64 * 5 });
    const out = new Uint32Array(16);
    for (let b = 0; b < 5; b++) {
      compress(keyWords(key), new Uint32Array(16), b, 0, KEYED_SINGLE_BLOCK_FLAGS, out);
      expect(Buffer.from(out.buffer).toString('hex')).toBe(Buffer.from(xof.subarray(64 * b, 64 * b + 64)).toString('hex'));
    }
  });
  it('rejects a key that is not 32 bytes', () => {
    expect(() => keyWords(new Uint8Array(16))).toThrow(RangeError);
  });
});

describe('known-answer vectors from the independent Python reference (scripts/scheme-vectors.py)', () => {
  it('has at least 200 vectors covering contextWidth 0, 1, 2, 4 and gammas 0.1/0.25/0.5', () => {
    expect(vectors.vectors.length).toBeGreaterThanOrEqual(200);
    for (const h of [0, 1, 2, 4]) expect(vectors.vectors.some((v) => v.contextWidth === h)).toBe(true);
    for (const g of [0.1, 0.25, 0.5]) expect(vectors.vectors.some((v) => v.gamma === g)).toBe(true);
    expect(vectors.vectors.some((v) => v.green)).toBe(true);
    expect(vectors.vectors.some((v) => !v.green)).toBe(true);
  });

  it('derives the same fingerprint and subkeys', () => {
    for (const k of vectors.keys) {
      const key = keyFromBytes(hexToBytes(k.key));
      expect(key.fingerprint).toBe(k.fingerprint);
      expect(Buffer.from(subkey(key, 'scheme/context')).toString('hex')).toBe(k.contextKey);
      expect(Buffer.from(subkey(key, 'scheme/token')).toString('hex')).toBe(k.tokenKey);
      expect(Buffer.from(subkey(key, 'derive:decoy/1')).toString('hex')).toBe(k.decoy1);
      expect(deriveKey(key, 'decoy/1').fingerprint).toBe(keyFromBytes(hexToBytes(k.decoy1)).fingerprint);
    }
  });

  it('recomputes every green decision', () => {
    const cache = new Map<string, ReturnType<typeof createGreenList>>();
    for (const v of vectors.vectors) {
      const id = `${v.key}/${v.contextWidth}/${v.gamma}`;
      let gl = cache.get(id);
      if (!gl) {
        gl = createGreenList({ key: keyFromBytes(hexToBytes(v.key)), gamma: v.gamma, contextWidth: v.contextWidth, vocabSize: 262144 });
        cache.set(id, gl);
      }
      expect(gl.threshold).toBe(v.threshold);
      expect(gl.isGreen(v.window, v.token), JSON.stringify(v)).toBe(v.green);
    }
  });
});

describe('createWatermark', () => {
  const key = keyFromBytes(new Uint8Array(32).fill(7));

  it('exposes the exact threshold probability, not the nominal gamma', () => {
    const wm = createWatermark({ key, vocabSize: 1000, gamma: 0.1 });
    expect(wm.greenProbability).toBe(Math.floor(0.1 * 2 ** 31) / 2 ** 31);
    expect(wm.greenProbability).not.toBe(0.1);
    expect(createWatermark({ key, vocabSize: 1000, gamma: 0.25 }).greenProbability).toBe(0.25);
  });

  it('uses defaults gamma 0.25, delta 3, contextWidth 2', () => {
    const wm = createWatermark({ key, vocabSize: 10 });
    expect(wm.config).toMatchObject({ gamma: 0.25, delta: 3, contextWidth: 2, vocabSize: 10 });
    expect(wm.fingerprint).toBe(key.fingerprint);
  });

  it('isGreen uses only the last contextWidth ids', () => {
    const wm = createWatermark({ key, vocabSize: 5000, contextWidth: 2 });
    for (let t = 0; t < 200; t++) expect(wm.isGreen([9, 8, 7, 1, 2], t)).toBe(wm.isGreen([1, 2], t));
  });

  it('takes parameters from the key file and refuses a contradiction', () => {
    const bound = keyFromBytes(new Uint8Array(32).fill(7), { gamma: 0.5, contextWidth: 1, vocabSize: 100 });
    const wm = createWatermark({ key: bound });
    expect(wm.config).toMatchObject({ gamma: 0.5, contextWidth: 1, vocabSize: 100 });
    expect(() => createWatermark({ key: bound, gamma: 0.25 })).toThrow(RadiomarkError);
    expect(() => createWatermark({ key: bound, gamma: 0.25 })).toThrow(/"gamma" is 0.25 but the key file .* binds 0.5/);
    expect(() => createWatermark({ key: bound, vocabSize: 101 })).toThrow(/CONFIG|binds 100/);
    expect(createWatermark({ key: bound, gamma: 0.5 }).config.gamma).toBe(0.5);
  });

  const bad: [string, object, ErrorConstructor, RegExp][] = [
    ['gamma 0', { gamma: 0 }, RangeError, /"gamma" must be in \(0, 1\), got 0/],
    ['gamma 1.5', { gamma: 1.5 }, RangeError, /"gamma" must be in \(0, 1\), got 1.5/],
    ['gamma NaN', { gamma: NaN }, RangeError, /"gamma"/],
    ['gamma string', { gamma: '0.25' }, TypeError, /"gamma" must be a number/],
    ['gamma too small', { gamma: 1e-12 }, RangeError, /too small/],
    ['negative delta', { delta: -1 }, RangeError, /"delta" must be finite and >= 0, got -1/],
    ['infinite delta', { delta: Infinity }, RangeError, /"delta"/],
    ['delta type', { delta: null }, TypeError, /"delta" must be a number/],
    ['contextWidth 9', { contextWidth: 9 }, RangeError, /"contextWidth" must be an integer in 0..8, got 9/],
    ['contextWidth -1', { contextWidth: -1 }, RangeError, /contextWidth/],
    ['contextWidth 1.5', { contextWidth: 1.5 }, RangeError, /contextWidth/],
    ['contextWidth type', { contextWidth: '2' }, TypeError, /contextWidth/],
    ['vocabSize 1.5', { vocabSize: 1.5 }, RangeError, /"vocabSize" must be an integer/],
    ['vocabSize 0', { vocabSize: 0 }, RangeError, /vocabSize/],
    ['vocabSize huge', { vocabSize: 2 ** 30 }, RangeError, /vocabSize/],
    ['vocabSize type', { vocabSize: '5' }, TypeError, /vocabSize/],
    ['tokenizer type', { tokenizer: 5 }, TypeError, /tokenizer/],
  ];
  for (const [name, opts, cls, re] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => createWatermark({ key, vocabSize: 100, ...opts } as never)).toThrow(cls);
      expect(() => createWatermark({ key, vocabSize: 100, ...opts } as never)).toThrow(re);
      expect(() => createWatermark({ key, vocabSize: 100, ...opts } as never)).toThrow(/createWatermark/);
    });
  }
  it('rejects a missing vocabSize, a missing key and non-object options', () => {
    expect(() => createWatermark({ key } as never)).toThrow(/"vocabSize" is required/);
    expect(() => createWatermark({ vocabSize: 5 } as never)).toThrow(/"key" must be a SecretKey/);
    expect(() => createWatermark(null as never)).toThrow(TypeError);
  });

  it('isGreen rejects short contexts, bad ids and non-arrays', () => {
    const wm = createWatermark({ key, vocabSize: 100, contextWidth: 2 });
    expect(() => wm.isGreen([1], 3)).toThrow(/at least contextWidth=2 ids, got 1/);
    expect(() => wm.isGreen([1, 100], 3)).toThrow(/context\[1\] must be an integer token id in \[0, 100\), got 100/);
    expect(() => wm.isGreen([1, 2], -1)).toThrow(/"token" must be an integer token id/);
    expect(() => wm.isGreen([1, 2], 1.5)).toThrow(RangeError);
    expect(() => wm.isGreen([1, 2], NaN)).toThrow(RangeError);
    expect(() => wm.isGreen(null as never, 1)).toThrow(TypeError);
  });

  it('createGreenList validates its own parameters', () => {
    // fuzz finding 12: no options reached "Cannot destructure property 'key'".
    expect(() => (createGreenList as (o?: unknown) => unknown)()).toThrow(/^createGreenList: "options" must be an object, got undefined/);
    expect(() => createGreenList(null as never)).toThrow(TypeError);
    expect(() => createGreenList({ key, gamma: 0.25, contextWidth: 9, vocabSize: 10 })).toThrow(RangeError);
    expect(() => createGreenList({ key, gamma: 0.25, contextWidth: 1, vocabSize: 0 })).toThrow(RangeError);
    expect(() => createGreenList({ key, gamma: 1, contextWidth: 1, vocabSize: 10 })).toThrow(RangeError);
  });

  it('addGreen adds exactly the amount on green ids and nothing elsewhere; -Infinity stays', () => {
    const wm = createWatermark({ key, vocabSize: 3000, contextWidth: 2 });
    const gl = wm.greenList;
    const seed = new Uint32Array(3);
    gl.seedWindow([17, 4], 2, seed);
    const v = new Float32Array(3000).map((_, i) => (i % 7 === 0 ? -Infinity : i / 10));
    const before = Float32Array.from(v);
    gl.addGreen(seed, 0, v, 0, 2);
    let greens = 0;
    for (let t = 0; t < 3000; t++) {
      const g = gl.isGreenSeeded(seed, 0, t);
      if (g) greens++;
      expect(v[t]).toBe(g ? Math.fround(before[t]! + 2) : before[t]);
    }
    expect(greens).toBe(gl.countGreen(seed, 0));
    expect(greens).toBeGreaterThan(600);
  });

  it('never prints key material', () => {
    const wm = createWatermark({ key, vocabSize: 10 });
    expect(String(wm.greenList)).toBe(`GreenList(fingerprint ${key.fingerprint})`);
    expect(JSON.stringify(wm)).not.toMatch(/0707070707/);
  });
});
