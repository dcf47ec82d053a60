import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  RadiomarkError,
  RadiomarkRangeError,
  RadiomarkTypeError,
  createGreenList,
  createKeyFamily,
  generateKeyFamily,
  isKeyFamily,
  keyFromBytes,
  parseKey,
  parseKeyFamily,
  parseKeyFile,
  serializeKey,
  serializeKeyFamily,
  type KeyFamily,
} from '../src/index.js';
import { checkKeyFamily, checkSecretKey } from '../src/key/family.js';
import { secretBytes } from '../src/key/secret-key.js';

interface MemberVector {
  master: string; cohorts: number; epochDays: number | null; cohort: number; epoch: number | null;
  label: string | null; key: string; fingerprint: string; window: number[]; token: number; score: number;
}
const vectors = JSON.parse(readFileSync(new URL('./vectors/scheme-family.json', import.meta.url), 'utf8')) as {
  members: MemberVector[];
  cohorts: { master: string; cohorts: number; account: string; cohort: number }[];
  epochs: { epochOrigin: string; epochDays: number; timeMs: number; epoch: number }[];
};

const bytes = Uint8Array.from({ length: 32 }, (_, i) => i);
const secretHex = bytesToHex(bytes);
const master = keyFromBytes(bytes, { gamma: 0.25, contextWidth: 2, vocabSize: 1000 });

function family(cohorts: number, epochDays?: number, epochOrigin = '2026-01-01'): KeyFamily {
  return createKeyFamily(master, epochDays === undefined ? { cohorts } : { cohorts, epochDays, epochOrigin });
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(secretHex);
  expect(text.toLowerCase()).not.toContain(secretHex.slice(0, 16));
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** The exact 31-bit score of (window, token) under `key`, read off two thresholds around it. */
function greenAtScore(keyHex: string, window: number[], token: number, score: number): [boolean, boolean] {
  const key = keyFromBytes(hexToBytes(keyHex));
  const at = (t: number): boolean => createGreenList({ key, gamma: t / 2 ** 31, contextWidth: 2, vocabSize: 262144 }).isGreen(window, token);
  return [at(score + 1), score >= 1 ? at(score) : false];
}

describe('known-answer vectors from the independent Python reference (scripts/scheme-family-vectors.py)', () => {
  it('covers every family shape: K = 1 / K > 1, with and without epochs, the largest K and epoch', () => {
    const shapes = new Set(vectors.members.map((v) => `${v.cohorts}/${v.epochDays}`));
    expect([...shapes].sort()).toEqual(['1/30', '1/null', '16/7', '16/null', '65536/1']);
    expect(vectors.members.some((v) => v.epoch === 2 ** 20 - 1)).toBe(true);
    expect(vectors.cohorts.length).toBeGreaterThanOrEqual(200);
    expect(vectors.epochs.length).toBeGreaterThanOrEqual(20);
  });

  it('derives every member key (label, bytes, fingerprint) and marks with it', () => {
    for (const v of vectors.members) {
      const m = keyFromBytes(hexToBytes(v.master));
      const fam = createKeyFamily(m, v.epochDays === null ? { cohorts: v.cohorts } : { cohorts: v.cohorts, epochDays: v.epochDays, epochOrigin: '2026-01-01' });
      const key = fam.key(v.cohort, v.epoch ?? undefined);
      expect(bytesToHex(secretBytes(key)), JSON.stringify(v)).toBe(v.key);
      expect(key.fingerprint).toBe(v.fingerprint);
      if (v.label === null) expect(key).toBe(m);
      expect(greenAtScore(v.key, v.window, v.token, v.score)).toEqual([true, false]);
    }
  });

  it('maps every account to the same cohort', () => {
    const fams = new Map<string, KeyFamily>();
    for (const v of vectors.cohorts) {
      const id = `${v.master}/${v.cohorts}`;
      let fam = fams.get(id);
      if (fam === undefined) {
        fam = createKeyFamily(keyFromBytes(hexToBytes(v.master)), { cohorts: v.cohorts });
        fams.set(id, fam);
      }
      expect(fam.cohortOf(v.account), JSON.stringify(v)).toBe(v.cohort);
    }
  });

  it('puts every time in the same epoch', () => {
    for (const v of vectors.epochs) {
      const fam = createKeyFamily(master, { cohorts: 2, epochDays: v.epochDays, epochOrigin: v.epochOrigin });
      expect(fam.epochOf(v.timeMs), JSON.stringify(v)).toBe(v.epoch);
      expect(fam.epochOf(new Date(v.timeMs))).toBe(v.epoch);
      expect(fam.epochStart(v.epoch)).toBeLessThanOrEqual(v.timeMs);
      expect(fam.epochStart(v.epoch + 1)).toBeGreaterThan(v.timeMs);
    }
  });
});

describe('key families', () => {
  it('K = 1 without epochs is the master key itself', () => {
    const fam = family(1);
    expect(fam.key(0)).toBe(master);
    expect(fam.members()).toEqual([{ cohort: 0, epoch: undefined, key: master }]);
    expect(fam.cohortOf('anyone')).toBe(0);
    expect(fam.fingerprint).toBe(master.fingerprint);
    expect(fam.params).toEqual(master.params);
  });

  it('members are distinct, deterministic, cached, and carry the parameters', () => {
    const fam = family(4, 30);
    const all = fam.members(3);
    expect(all.map((m) => [m.cohort, m.epoch])).toEqual([0, 1, 2, 3].flatMap((c) => [0, 1, 2].map((e) => [c, e])));
    expect(new Set(all.map((m) => m.key.fingerprint)).size).toBe(12);
    expect(all.some((m) => m.key.fingerprint === master.fingerprint)).toBe(false);
    expect(fam.key(2, 1)).toBe(all[7]!.key);
    expect(family(4, 30).key(2, 1).fingerprint).toBe(fam.key(2, 1).fingerprint);
    expect(fam.key(2, 1).params).toEqual(master.params);
    // The epoch length and origin are not part of the derivation: epoch 1 is epoch 1.
    expect(family(4, 7, '2020-05-05').key(2, 1).fingerprint).toBe(fam.key(2, 1).fingerprint);
  });

  it('spreads accounts over the cohorts about evenly', () => {
    const fam = family(16);
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16000; i++) counts[fam.cohortOf(`acct_${i}`)]!++;
    // Binomial(16000, 1/16): mean 1000, sd 30.6; 6 sd either side.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(184);
  });

  it('the mapping is keyed: another master puts accounts elsewhere', () => {
    const other = createKeyFamily(keyFromBytes(new Uint8Array(32).fill(9)), { cohorts: 16 });
    const fam = family(16);
    let same = 0;
    for (let i = 0; i < 1000; i++) if (fam.cohortOf(`acct_${i}`) === other.cohortOf(`acct_${i}`)) same++;
    expect(same).toBeLessThan(120); // expected 62.5
  });

  it('labels members for reports', () => {
    expect(family(4, 30).label(3, 12)).toBe('cohort 3, epoch 12');
    expect(family(4).label(3)).toBe('cohort 3');
  });

  it('generateKeyFamily binds parameters and defaults the origin to today (UTC)', () => {
    const fam = generateKeyFamily({ cohorts: 8, epochDays: 30, gamma: 0.5, vocabSize: 50 });
    expect(fam.params).toEqual({ gamma: 0.5, vocabSize: 50 });
    expect(fam.epochOrigin).toBe(new Date().toISOString().slice(0, 10));
    expect(fam.epochOf(Date.now())).toBe(0);
    expect(generateKeyFamily({ cohorts: 8 }).fingerprint).not.toBe(fam.fingerprint);
    expect(generateKeyFamily({ cohorts: 8 }).epochOrigin).toBeUndefined();
    expect(() => generateKeyFamily({ cohorts: 8, gamma: 2 })).toThrow(/generateKeyFamily: "gamma" must be in \(0, 1\), got 2/);
  });
});

describe('bad input: clear errors naming the value and the family fingerprint', () => {
  const fp = master.fingerprint;
  const cases: [string, () => unknown, abstract new (...args: never[]) => Error, RegExp, string][] = [
    ['cohort = K', () => family(16).key(16), RadiomarkRangeError, /KeyFamily\.key: "cohort" must be an integer in \[0, 16\) for key family \w+, got 16/, 'cohort'],
    ['negative cohort', () => family(16).key(-1), RadiomarkRangeError, /got -1/, 'cohort'],
    ['fractional cohort', () => family(16).key(1.5), RadiomarkRangeError, /got 1\.5/, 'cohort'],
    ['string cohort', () => family(16).key('3' as unknown as number), RadiomarkTypeError, /"cohort" must be a number .*16 cohorts.*got "3"/, 'cohort'],
    ['epoch without epochs', () => family(16).key(0, 3), RadiomarkRangeError, /"epoch" must be undefined: key family \w+ has no epochs, got 3/, 'epoch'],
    ['missing epoch', () => family(16, 30).key(0), RadiomarkTypeError, /"epoch" must be a number: key family \w+ has epochs of 30 days, got undefined/, 'epoch'],
    ['negative epoch', () => family(16, 30).key(0, -1), RadiomarkRangeError, /"epoch" must be an integer in \[0, 1048575\] for key family \w+, got -1/, 'epoch'],
    ['epoch too large', () => family(16, 30).key(0, 2 ** 20), RadiomarkRangeError, /got 1048576/, 'epoch'],
    ['time before origin', () => family(2, 30).epochOf(Date.UTC(2025, 11, 31)), RadiomarkRangeError, /"time" 2025-12-31T00:00:00\.000Z is before the epoch origin 2026-01-01 of key family \w+/, 'time'],
    ['time NaN', () => family(2, 30).epochOf(NaN), RadiomarkRangeError, /"time" must be a finite time, got NaN/, 'time'],
    // fuzz finding 14: a time outside Date's range reached "Invalid time value".
    ['time past Date\'s range', () => family(2, 30).epochOf(-2.36e234), RadiomarkRangeError, /"time" -2\.36e\+234 is before the epoch origin 2026-01-01/, 'time'],
    ['time far ahead', () => family(2, 30).epochOf(1e300), RadiomarkRangeError, /"time" 1e\+300 is after the last epoch/, 'time'],
    ['time as string', () => family(2, 30).epochOf('2026' as unknown as number), RadiomarkTypeError, /"time" must be milliseconds/, 'time'],
    ['epochOf without epochs', () => family(2).epochOf(0), RadiomarkError, /KeyFamily\.epochOf: key family \w+ has no epochs/, 'time'],
    ['members without epochCount', () => family(2, 30).members(), RadiomarkRangeError, /"epochCount" must be an integer in \[1, 1048576\]/, 'epochCount'],
    ['members with epochCount, no epochs', () => family(2).members(3), RadiomarkRangeError, /has no epochs, got 3/, 'epochCount'],
    ['empty account', () => family(2).cohortOf(''), RadiomarkTypeError, /"accountId" must be a non-empty string, got ""/, 'accountId'],
    ['numeric account', () => family(2).cohortOf(42 as unknown as string), RadiomarkTypeError, /got 42/, 'accountId'],
    ['zero cohorts', () => createKeyFamily(master, { cohorts: 0 }), RadiomarkRangeError, /createKeyFamily: "cohorts" must be an integer in \[1, 65536\], got 0/, 'cohorts'],
    ['too many cohorts', () => createKeyFamily(master, { cohorts: 65537 }), RadiomarkRangeError, /got 65537/, 'cohorts'],
    ['fractional epochDays', () => createKeyFamily(master, { cohorts: 2, epochDays: 0.5, epochOrigin: '2026-01-01' }), RadiomarkRangeError, /"epochDays" must be an integer in \[1, 36500\], got 0\.5/, 'epochDays'],
    ['origin missing', () => createKeyFamily(master, { cohorts: 2, epochDays: 7 }), RadiomarkTypeError, /"epochOrigin" must be a date YYYY-MM-DD \(required with "epochDays"\)/, 'epochOrigin'],
    ['origin invalid date', () => createKeyFamily(master, { cohorts: 2, epochDays: 7, epochOrigin: '2026-02-30' }), RadiomarkRangeError, /got "2026-02-30"/, 'epochOrigin'],
    ['origin before 1970', () => createKeyFamily(master, { cohorts: 2, epochDays: 7, epochOrigin: '1969-12-31' }), RadiomarkRangeError, /got "1969-12-31"/, 'epochOrigin'],
    ['origin without epochDays', () => createKeyFamily(master, { cohorts: 2, epochOrigin: '2026-01-01' }), RadiomarkRangeError, /"epochOrigin" must be absent without "epochDays"/, 'epochOrigin'],
    ['master not a key', () => createKeyFamily({} as never, { cohorts: 2 }), RadiomarkTypeError, /"master" must be a SecretKey/, 'master'],
  ];
  for (const [name, f, type, re, field] of cases) {
    it(name, () => {
      const e = thrown(f);
      expect(e).toBeInstanceOf(type);
      expect(e.message).toMatch(re);
      expect((e as RadiomarkError).field).toBe(field);
      expect((e as RadiomarkError).api).not.toBe('');
      expectNoSecret(e.message);
      expectNoSecret(inspect(e));
    });
  }

  it('member errors name this family\'s fingerprint', () => {
    expect(thrown(() => family(16).key(16)).message).toContain(fp);
    expect(thrown(() => family(16, 30).key(0)).message).toContain(fp);
  });

  it('a family where a single key is expected, and the reverse: KEY_MISMATCH naming the fingerprint', () => {
    const fam = family(16, 30);
    const a = thrown(() => checkSecretKey('createDetector', 'key', fam)) as RadiomarkError;
    expect(a.code).toBe('KEY_MISMATCH');
    expect(a.message).toBe(`createDetector: "key" is a key family (fingerprint ${fp}, 16 cohorts, with epochs) where a single key is expected; pass family.key(cohort, epoch) for one member`);
    expect([a.api, a.field]).toEqual(['createDetector', 'key']);
    const b = thrown(() => checkKeyFamily('x', 'family', master)) as RadiomarkError;
    expect(b.code).toBe('KEY_MISMATCH');
    expect(b.message).toContain(fp);
    expect(thrown(() => checkSecretKey('x', 'key', 'abc'))).toBeInstanceOf(RadiomarkTypeError);
    expect(thrown(() => checkKeyFamily('x', 'family', null))).toBeInstanceOf(RadiomarkTypeError);
    expect(thrown(() => serializeKey(fam as never))).toMatchObject({ code: 'KEY_MISMATCH' });
    expect(thrown(() => serializeKeyFamily(master as never))).toMatchObject({ code: 'KEY_MISMATCH' });
    expect(thrown(() => createGreenList({ key: fam as never, gamma: 0.25, contextWidth: 2, vocabSize: 10 }))).toMatchObject({ code: 'KEY_MISMATCH' });
    expect(isKeyFamily(fam)).toBe(true);
    expect(isKeyFamily(master)).toBe(false);
  });
});

describe('secret hygiene of the new objects', () => {
  it('a family never shows the secret in toString, JSON.stringify or util.inspect', () => {
    const fam = family(16, 30);
    fam.cohortOf('acct'); // fills the private account key
    fam.key(3, 4); // and the member cache
    const shown = [String(fam), JSON.stringify(fam), JSON.stringify({ fam }), inspect(fam), inspect({ nested: [fam] }, { depth: 9, showHidden: true }), inspect(fam, { customInspect: false, showHidden: true, depth: 9 })];
    for (const s of shown) {
      expectNoSecret(s);
      expect(s).toContain(fam.fingerprint);
    }
    expect(String(fam)).toBe(`KeyFamily(fingerprint ${fp()}, 16 cohorts, epochs of 30 days from 2026-01-01)`);
    expect(JSON.parse(JSON.stringify(fam))).toEqual({ fingerprint: fp(), params: master.params, cohorts: 16, epochDays: 30, epochOrigin: '2026-01-01' });
    // Nothing derived from the secret either (member keys, the account key).
    const member = bytesToHex(secretBytes(fam.key(3, 4)));
    for (const s of shown) expect(s).not.toContain(member.slice(0, 16));
    expect(Object.isFrozen(fam)).toBe(true);
  });

  function fp(): string {
    return master.fingerprint;
  }
});

describe('the key-family file', () => {
  it('round-trips: shape, parameters, fingerprint, member keys', () => {
    const fam = family(16, 30);
    const text = serializeKeyFamily(fam);
    const obj = JSON.parse(text);
    expect(obj).toEqual({
      format: 'radiomark-key-family',
      version: 1,
      fingerprint: master.fingerprint,
      secret: secretHex,
      scheme: { gamma: 0.25, contextWidth: 2, vocabSize: 1000 },
      family: { cohorts: 16, epochDays: 30, epochOrigin: '2026-01-01' },
    });
    const back = parseKeyFamily(text, 'f.json');
    expect(String(back)).toBe(String(fam));
    expect(back.params).toEqual(fam.params);
    expect(back.key(5, 7).fingerprint).toBe(fam.key(5, 7).fingerprint);
    expect(back.cohortOf('acct_1')).toBe(fam.cohortOf('acct_1'));
    const either = parseKeyFile(text);
    expect(isKeyFamily(either)).toBe(true);
    expect(JSON.parse(serializeKeyFamily(family(3))).family).toEqual({ cohorts: 3 });
  });

  it('holds no secret beyond the master key', () => {
    const text = serializeKeyFamily(family(16, 30));
    const hex = text.match(/[0-9a-f]{32,}/g) ?? [];
    expect(hex).toEqual([secretHex]);
  });

  it('today\'s key files keep working; parseKeyFile reads them as a single key', () => {
    const text = serializeKey(master);
    expect(parseKey(text).fingerprint).toBe(master.fingerprint);
    const either = parseKeyFile(text);
    expect(isKeyFamily(either)).toBe(false);
    expect(either.fingerprint).toBe(master.fingerprint);
  });

  it('parseKey refuses a family file, parseKeyFamily a single-key file (KEY_MISMATCH, fingerprint named)', () => {
    const a = thrown(() => parseKey(serializeKeyFamily(family(16, 30)), 'fam.json')) as RadiomarkError;
    expect(a.code).toBe('KEY_MISMATCH');
    expect(a.message).toBe(`parseKey: fam.json: is a key-family file (KeyFamily(fingerprint ${master.fingerprint}, 16 cohorts, epochs of 30 days from 2026-01-01)) where a single key is expected; read it with parseKeyFamily or parseKeyFile`);
    const b = thrown(() => parseKeyFamily(serializeKey(master), 'k.json')) as RadiomarkError;
    expect(b.code).toBe('KEY_MISMATCH');
    expect(b.message).toContain(`k.json: is a single-key file (fingerprint ${master.fingerprint})`);
    expectNoSecret(a.message);
    expectNoSecret(b.message);
  });

  function edited(patch: (o: Record<string, unknown>) => void): string {
    const o = JSON.parse(serializeKeyFamily(family(16, 30)));
    patch(o);
    return JSON.stringify(o);
  }
  const fam = (o: Record<string, unknown>): Record<string, unknown> => o.family as Record<string, unknown>;
  const cases: [string, string, RegExp, string, string][] = [
    ['family missing', edited((o) => delete o.family), /"family" must be an object, got nothing \(field missing\)/, 'KEY_FORMAT', 'family'],
    ['family in a single-key file', edited((o) => (o.format = 'radiomark-key')), /a "radiomark-key" file has no "family" field/, 'KEY_FORMAT', 'family'],
    ['cohorts 0', edited((o) => (fam(o).cohorts = 0)), /field "family\.cohorts" must be an integer in \[1, 65536\], got 0/, 'KEY_FORMAT', 'family.cohorts'],
    ['cohorts missing', edited((o) => delete fam(o).cohorts), /"family\.cohorts" must be a number, got nothing \(field missing\)/, 'KEY_FORMAT', 'family.cohorts'],
    ['epochDays string', edited((o) => (fam(o).epochDays = '30')), /"family\.epochDays" must be a number, got "30"/, 'KEY_FORMAT', 'family.epochDays'],
    ['origin missing', edited((o) => delete fam(o).epochOrigin), /"family\.epochOrigin" must be a date YYYY-MM-DD \(required/, 'KEY_FORMAT', 'family.epochOrigin'],
    ['origin bad', edited((o) => (fam(o).epochOrigin = '2026-13-01')), /got "2026-13-01"/, 'KEY_FORMAT', 'family.epochOrigin'],
    ['unknown family field', edited((o) => (fam(o).accounts = 5)), /unknown field "family\.accounts"/, 'KEY_FORMAT', 'family'],
    ['edited secret', edited((o) => (o.secret = 'f' + secretHex.slice(1))), /does not match the secret/, 'KEY_FORMAT', 'fingerprint'],
    ['version 2', edited((o) => (o.version = 2)), /unsupported key-file "version" 2/, 'KEY_VERSION', 'version'],
  ];
  for (const [name, text, re, code, field] of cases) {
    it(`refuses: ${name}`, () => {
      for (const parse of [parseKeyFamily, parseKeyFile]) {
        const e = thrown(() => parse(text, 'keys/fam.json')) as RadiomarkError;
        expect(e).toBeInstanceOf(RadiomarkError);
        expect(e.code).toBe(code);
        expect(e.field).toBe(field);
        expect(e.message).toMatch(re);
        expect(e.message).toContain('keys/fam.json');
        expectNoSecret(e.message);
        expectNoSecret(inspect(e));
      }
    });
  }
});
