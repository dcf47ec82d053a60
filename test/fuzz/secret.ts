/**
 * The fuzz suite's key and its leak detector.
 *
 * The fuzzed key's secret is 32 bytes of a repeating 3-byte pattern (hex `c0ffee` ten times and
 * `c0ff`), so that even a short piece of it is recognisable: any 8 consecutive hex digits of it
 * (in either case) are one of only six strings, each of which occurs in a random hex string (a
 * SHA-256 printed for an input, a fingerprint) with probability about 4e-9 per position. Its base64
 * and its bytes as a decimal list are checked too. A real key from `keygen` is checked with
 * 12-digit windows (1 in 2.8e14 per position).
 */
import { keyFromBytes, serializeKey, type KeyParams, type SecretKey } from '../../src/key/index.js';

/** The fuzzed secret's bytes: c0 ff ee repeated. */
export const FUZZ_SECRET_BYTES = Uint8Array.from({ length: 32 }, (_, i) => [0xc0, 0xff, 0xee][i % 3]!);

/** The fuzzed secret as the key file writes it. */
export const FUZZ_SECRET_HEX = Buffer.from(FUZZ_SECRET_BYTES).toString('hex');

/** The fuzz key, bound to `params` (default: r50k, the quickest tokenizer to load). */
export function fuzzKey(params: KeyParams = { tokenizer: 'r50k', vocabSize: 50257 }): SecretKey {
  return keyFromBytes(FUZZ_SECRET_BYTES, params);
}

/** The fuzz key's file text (`radiomark-key` format). */
export function fuzzKeyFile(params?: KeyParams): string {
  return serializeKey(fuzzKey(params));
}

/** Every `width`-character substring of `s`. */
function windows(s: string, width: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + width <= s.length; i++) out.add(s.slice(i, i + width));
  return out;
}

/** Finds pieces of one secret in text. */
export interface LeakScanner {
  /** The first piece of the secret found in `text`, or undefined. */
  find(text: string): string | undefined;
}

/**
 * A scanner for `hex` (a secret as its key file writes it): windows of `width` hex digits in
 * lower and upper case, windows of 12 characters of its base64, and its first 8 bytes written as
 * a decimal list (a Uint8Array printed by `util.inspect` or JSON).
 */
export function leakScanner(hex: string, width: number): LeakScanner {
  const bytes = Buffer.from(hex, 'hex');
  const needles = new Set<string>([...windows(hex.toLowerCase(), width), ...windows(hex.toUpperCase(), width), ...windows(bytes.toString('base64'), 12)]);
  needles.add(Array.from(bytes.subarray(0, 8)).join(','));
  needles.add(Array.from(bytes.subarray(0, 8)).join(', '));
  const list = [...needles];
  return {
    find(text) {
      for (const n of list) if (text.includes(n)) return n;
      return undefined;
    },
  };
}

/** The scanner for the fuzz key (8-digit windows). */
export const fuzzLeaks = leakScanner(FUZZ_SECRET_HEX, 8);
