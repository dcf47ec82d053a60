import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  RadiomarkError,
  SecretKey,
  deriveKey,
  generateKey,
  keyFromBytes,
  parseKey,
  parseKeyFile,
  serializeKey,
} from '../src/index.js';
import { secretBytes } from '../src/key/secret-key.js';

const bytes = Uint8Array.from({ length: 32 }, (_, i) => i);
const secretHex = bytesToHex(bytes);

function fileWith(patch: (o: Record<string, unknown>) => void): string {
  const o = JSON.parse(serializeKey(keyFromBytes(bytes, { gamma: 0.25, contextWidth: 2 })));
  patch(o);
  return JSON.stringify(o);
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(secretHex);
  expect(text.toLowerCase()).not.toContain(secretHex.slice(0, 16));
}

describe('keys', () => {
  it('generateKey gives 32 fresh random bytes', () => {
    const a = generateKey();
    const b = generateKey();
    expect(secretBytes(a)).toHaveLength(32);
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });

  it('round-trips through the key file with its parameters', () => {
    const params = { gamma: 0.25, delta: 2, contextWidth: 2, tokenizer: 'o200k', vocabSize: 200019 };
    const key = keyFromBytes(bytes, params);
    const text = serializeKey(key);
    const back = parseKey(text);
    expect(bytesToHex(secretBytes(back))).toBe(secretHex);
    expect(back.fingerprint).toBe(key.fingerprint);
    expect(back.params).toEqual(params);
    expect(JSON.parse(text).version).toBe(1);
  });

  it('fingerprint matches the spec (HKDF-SHA256, info "fingerprint", 8 bytes)', () => {
    // Value from the independent Python reference, test/vectors/scheme.json keys[0].
    expect(keyFromBytes(bytes).fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('never shows the secret in toString, JSON.stringify or util.inspect', () => {
    const key = keyFromBytes(bytes, { gamma: 0.5 });
    for (const s of [String(key), `${key}`, JSON.stringify(key), JSON.stringify({ key }), inspect(key), inspect({ nested: [key] }, { depth: 5, showHidden: true })]) {
      expectNoSecret(s);
      expect(s).toContain(key.fingerprint);
    }
  });

  it('derived keys are distinct, deterministic, and carry the parameters', () => {
    const key = keyFromBytes(bytes, { gamma: 0.25 });
    const d1 = deriveKey(key, 'decoy/1');
    expect(deriveKey(key, 'decoy/1').fingerprint).toBe(d1.fingerprint);
    expect(deriveKey(key, 'decoy/2').fingerprint).not.toBe(d1.fingerprint);
    expect(d1.fingerprint).not.toBe(key.fingerprint);
    expect(d1.params).toEqual({ gamma: 0.25 });
    expect(() => deriveKey(key, '')).toThrow(TypeError);
  });

  it('keyFromBytes rejects wrong lengths and types', () => {
    expect(() => keyFromBytes(new Uint8Array(31))).toThrow(/32 bytes, got 31/);
    expect(() => keyFromBytes([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => secretBytes({} as SecretKey)).toThrow(TypeError);
  });
});

describe('parseKey rejects bad files with a message naming the field, never the secret', () => {
  const cases: [string, string, RegExp, string][] = [
    ['not JSON', '{"format": "radiomark-key", "secret": "' + secretHex, /not valid JSON/, 'KEY_FORMAT'],
    ['empty', '', /not valid JSON \(empty\)/, 'KEY_FORMAT'],
    ['array', '[]', /expected a JSON object/, 'KEY_FORMAT'],
    ['wrong format', fileWith((o) => (o.format = 'pem')), /"format" must be "radiomark-key" or "radiomark-key-family", got "pem"/, 'KEY_FORMAT'],
    ['unknown version', fileWith((o) => (o.version = 2)), /unsupported key-file "version" 2/, 'KEY_VERSION'],
    ['missing version', fileWith((o) => delete o.version), /"version" nothing \(field missing\)/, 'KEY_VERSION'],
    ['missing secret', fileWith((o) => delete o.secret), /"secret" must be a string/, 'KEY_FORMAT'],
    ['truncated secret', fileWith((o) => (o.secret = secretHex.slice(0, 63))), /64 hex digits, got 63 characters/, 'KEY_FORMAT'],
    ['non-hex secret', fileWith((o) => (o.secret = 'z' + secretHex.slice(1))), /non-hex/, 'KEY_FORMAT'],
    ['edited secret', fileWith((o) => (o.secret = 'f' + secretHex.slice(1))), /does not match the secret/, 'KEY_FORMAT'],
    ['bad gamma', fileWith((o) => ((o.scheme as Record<string, unknown>).gamma = 1.5)), /scheme\.gamma.*\(0, 1\), got 1\.5/, 'KEY_FORMAT'],
    ['bad contextWidth', fileWith((o) => ((o.scheme as Record<string, unknown>).contextWidth = 9)), /scheme\.contextWidth.*0\.\.8, got 9/, 'KEY_FORMAT'],
    ['bad delta type', fileWith((o) => ((o.scheme as Record<string, unknown>).delta = '2')), /scheme\.delta.*must be a number/, 'KEY_FORMAT'],
    ['bad vocabSize', fileWith((o) => ((o.scheme as Record<string, unknown>).vocabSize = 50257.5)), /scheme\.vocabSize/, 'KEY_FORMAT'],
    ['bad tokenizer', fileWith((o) => ((o.scheme as Record<string, unknown>).tokenizer = '')), /scheme\.tokenizer/, 'KEY_FORMAT'],
    ['unknown field', fileWith((o) => ((o.scheme as Record<string, unknown>).temperature = 1)), /unknown field "scheme\.temperature"/, 'KEY_FORMAT'],
    ['scheme not object', fileWith((o) => (o.scheme = 3)), /"scheme" must be an object/, 'KEY_FORMAT'],
  ];
  for (const [name, text, re, code] of cases) {
    it(name, () => {
      let err: unknown;
      try {
        parseKey(text, 'keys/k.json');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RadiomarkError);
      expect((err as RadiomarkError).code).toBe(code);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).toContain('keys/k.json');
      expectNoSecret((err as Error).message);
      expectNoSecret(inspect(err));
    });
  }

  it('never quotes key material a hand edit put elsewhere (format, fingerprint, version, tokenizer, a field name)', () => {
    const edits: ((o: Record<string, unknown>) => void)[] = [
      (o) => (o.format = secretHex),
      (o) => (o.fingerprint = secretHex),
      (o) => (o.version = secretHex),
      (o) => ((o.scheme as Record<string, unknown>).tokenizer = secretHex),
      (o) => ((o.scheme as Record<string, unknown>)[secretHex] = 1),
      (o) => ((o.scheme as Record<string, unknown>).gamma = secretHex),
      (o) => (o.scheme = secretHex),
    ];
    for (const edit of edits) {
      const text = fileWith(edit);
      let err: unknown;
      try {
        parseKeyFile(text, 'k.json');
      } catch (e) {
        err = e;
      }
      expect(err, String(edit)).toBeInstanceOf(RadiomarkError);
      expect((err as Error).message).toMatch(/not shown|64 characters/);
      expectNoSecret((err as Error).message);
      expect((err as Error).message.toLowerCase()).not.toContain(secretHex.slice(20, 28));
    }
  });

  it('rejects a non-string input with TypeError', () => {
    expect(() => parseKey(42 as unknown as string)).toThrow(TypeError);
  });

  it('serializeKey validates the parameters it writes', () => {
    expect(() => serializeKey(keyFromBytes(bytes), { gamma: 0 })).toThrow(RangeError);
    // fuzz finding 11: null params reached "Cannot read properties of null".
    expect(() => serializeKey(keyFromBytes(bytes), null as never)).toThrow(/^serializeKey: "params" must be an object of scheme parameters, got null/);
    expect(() => serializeKey(keyFromBytes(bytes), 3 as never)).toThrow(TypeError);
  });
});
