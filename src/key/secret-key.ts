import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { typeError } from '../assert.js';
import { RadiomarkRangeError } from '../errors.js';

/** Length of a radiomark master key in bytes. */
export const KEY_BYTES = 32;

/** HKDF salt shared by every derivation of scheme version 1 (see docs/SPEC.md). */
const SALT = utf8ToBytes('radiomark/v1');

/**
 * Scheme parameters a key file may carry, so that the generator and the detector cannot be
 * configured apart. Every field is optional; a field that is present is binding.
 */
export interface KeyParams {
  /** Nominal green fraction, in (0, 1). */
  readonly gamma?: number;
  /** Logit bias added to green tokens, finite and >= 0. */
  readonly delta?: number;
  /** Number of preceding token ids that select the green list, 0..8. */
  readonly contextWidth?: number;
  /** Tokenizer name, e.g. `o200k`, or `hf:<name>`. */
  readonly tokenizer?: string;
  /** Vocabulary size the generator serves. */
  readonly vocabSize?: number;
}

const secrets = new WeakMap<SecretKey, Uint8Array>();

/**
 * A radiomark master key: 32 secret bytes plus the scheme parameters the key file binds.
 *
 * The secret bytes are held outside the object (a module-private `WeakMap`), so they never appear
 * in `toString()`, `JSON.stringify()`, `util.inspect()`, structured logs or error messages. Only
 * the non-secret {@link SecretKey.fingerprint} is printable.
 *
 * @example
 * ```ts
 * const key = generateKey({ gamma: 0.25, contextWidth: 2 });
 * console.log(String(key)); // "SecretKey(fingerprint 3f9c...)"
 * ```
 */
export class SecretKey {
  /** A non-secret identifier of the key (HKDF-derived, 16 hex digits); safe to print. */
  readonly fingerprint: string;
  /** The scheme parameters bound to this key (possibly empty). */
  readonly params: Readonly<KeyParams>;

  /** @internal Use {@link generateKey}, {@link keyFromBytes} or `parseKey`. */
  constructor(bytes: Uint8Array, params: KeyParams = {}) {
    if (!(bytes instanceof Uint8Array)) throw typeError('SecretKey', 'bytes', 'a Uint8Array', bytes);
    if (bytes.length !== KEY_BYTES) {
      throw new RadiomarkRangeError(`SecretKey: "bytes" must be ${KEY_BYTES} bytes, got ${bytes.length}`, { api: 'SecretKey', field: 'bytes' });
    }
    const copy = Uint8Array.from(bytes);
    secrets.set(this, copy);
    this.fingerprint = bytesToHex(hkdf(sha256, copy, SALT, utf8ToBytes('fingerprint'), 8));
    this.params = Object.freeze({ ...params });
    Object.freeze(this);
  }

  /** @returns `SecretKey(fingerprint …)`; never the secret. */
  toString(): string {
    return `SecretKey(fingerprint ${this.fingerprint})`;
  }

  /** @returns `{ fingerprint, params }`; never the secret. */
  toJSON(): { fingerprint: string; params: KeyParams } {
    return { fingerprint: this.fingerprint, params: this.params };
  }

  /** Node's `util.inspect` hook: prints the fingerprint only. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Generates a new master key from the platform CSPRNG (`crypto.getRandomValues`).
 *
 * @param params - scheme parameters to bind to the key (written into the key file)
 * @returns a fresh {@link SecretKey}
 * @example
 * ```ts
 * const key = generateKey({ gamma: 0.25, delta: 2, contextWidth: 2, tokenizer: 'o200k' });
 * ```
 */
export function generateKey(params: KeyParams = {}): SecretKey {
  return new SecretKey(randomBytes(KEY_BYTES), params);
}

/**
 * Wraps existing key bytes (for example from a hardware store). The bytes are copied.
 *
 * @param bytes - exactly 32 bytes
 * @param params - scheme parameters to bind
 * @throws RangeError when `bytes` is not 32 bytes long
 */
export function keyFromBytes(bytes: Uint8Array, params: KeyParams = {}): SecretKey {
  return new SecretKey(bytes, params);
}

/**
 * Derives an independent key for a separate purpose (decoy keys, per-customer keys) with
 * HKDF-SHA256, info `derive:<label>`. The derived key carries the same parameters.
 *
 * @param key - the master key
 * @param label - a non-empty label, e.g. `decoy/17`
 * @returns a new {@link SecretKey} unrelated to `key` for anyone without `key`
 * @example
 * ```ts
 * const decoy = deriveKey(key, 'decoy/1');
 * ```
 */
export function deriveKey(key: SecretKey, label: string): SecretKey {
  secretBytes(key, 'deriveKey');
  if (typeof label !== 'string' || label.length === 0) throw typeError('deriveKey', 'label', 'a non-empty string', label);
  return new SecretKey(subkey(key, `derive:${label}`), key.params);
}

/**
 * @internal HKDF-SHA256 subkey for one purpose. Used by the scheme; not exported from the package.
 */
export function subkey(key: SecretKey, info: string, length = 32): Uint8Array {
  return hkdf(sha256, secretBytes(key), SALT, utf8ToBytes(info), length);
}

/** @internal The secret bytes. Only the key-file serializer and the subkey derivation use them. */
export function secretBytes(key: SecretKey, api = 'radiomark'): Uint8Array {
  const b = key instanceof SecretKey ? secrets.get(key) : undefined;
  if (!b) throw typeError(api, 'key', 'a SecretKey (from generateKey, parseKey or keyFromBytes)', key);
  return b;
}
