/**
 * Issue 11's "Bad input" list, the cases not already pinned by test/key-family.test.ts (family
 * members, files), test/sampler.test.ts (sessions), test/detect-family.test.ts (detectors) and
 * test/cli-family.test.ts / test/cli-keygen.test.ts (flags): the runtime adapters given a family's
 * watermark, and the secret hygiene of a family detector's outputs (result, state, errors).
 */
import { inspect } from 'node:util';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { createKeyFamily, keyFromBytes } from '../src/key/index.js';
import { secretBytes } from '../src/key/secret-key.js';
import { createWatermark } from '../src/sampler/index.js';
import { createDetector } from '../src/detect/index.js';
import { WatermarkLogitsProcessor } from '../src/adapters/transformers.js';
import { createWebLlmProcessor } from '../src/adapters/web-llm.js';
import { createLlamaWatermark } from '../src/adapters/node-llama-cpp.js';
import type { RadiomarkError } from '../src/errors.js';

const V = 500;
const master = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255), { gamma: 0.25, contextWidth: 2, vocabSize: V });
const family = createKeyFamily(master, { cohorts: 4, epochDays: 30, epochOrigin: '2026-01-01' });

function thrown(f: () => unknown): RadiomarkError {
  try {
    f();
  } catch (e) {
    return e as RadiomarkError;
  }
  throw new Error('did not throw');
}

describe('a key family\'s watermark given to a runtime adapter (which marks with one key)', () => {
  const fwm = createWatermark({ key: family, vocabSize: V });
  const cases: [string, string, () => unknown][] = [
    ['transformers.js', 'WatermarkLogitsProcessor', () => new WatermarkLogitsProcessor(fwm as never)],
    ['web-llm', 'createWebLlmProcessor', () => createWebLlmProcessor(fwm as never)],
    ['node-llama-cpp', 'createLlamaWatermark', () => createLlamaWatermark(fwm as never, { createTokenBias: () => ({ set: () => {} }) as never })],
  ];
  for (const [name, api, f] of cases) {
    it(`${name}: KEY_MISMATCH naming the family's fingerprint and how to pass one member`, () => {
      const e = thrown(f);
      expect(e.code).toBe('KEY_MISMATCH');
      expect([e.api, e.field]).toEqual([api, 'watermark']);
      expect(e.message).toContain(family.fingerprint);
      expect(e.message).toContain('fwm.member(cohort, epoch)');
    });
  }

  it('a member\'s watermark is accepted (the refusal is about the family, not the key)', () => {
    expect(() => new WatermarkLogitsProcessor(fwm.member(1, 0))).not.toThrow();
    expect(() => createWebLlmProcessor(fwm.member(3, 2))).not.toThrow();
  });
});

describe('secret hygiene of a family detector', () => {
  const secrets = [master, ...family.members(3).map((m) => m.key)].map((k) => bytesToHex(secretBytes(k)));
  const expectNoSecret = (text: string): void => {
    for (const s of secrets) {
      expect(text).not.toContain(s);
      for (let i = 0; i + 16 <= s.length; i += 8) expect(text.toLowerCase()).not.toContain(s.slice(i, i + 16));
    }
  };

  it('no master or member secret in the result, the state, or an error', () => {
    const det = createDetector({ key: family, epochs: 3, vocabSize: V, curve: true });
    det.add(Array.from({ length: 400 }, (_, i) => (i * 7919) % V));
    const r = det.result();
    expect(r.family!.perMember).toHaveLength(12);
    expectNoSecret(JSON.stringify(r));
    expectNoSecret(inspect(r, { depth: 9 }));
    expectNoSecret(inspect(det.state(), { depth: 9, maxArrayLength: 0 }));
    const e = thrown(() => createDetector({ key: family, vocabSize: V }));
    expect(e.code).toBe('KEY_MISMATCH');
    expect(e.message).toContain(family.fingerprint);
    expectNoSecret(`${e.message} ${inspect(e)}`);
    expectNoSecret(inspect(createWatermark({ key: family, vocabSize: V }).member(2, 1), { depth: 6, showHidden: true }));
  });
});
