import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { RadiomarkError } from '../errors.js';
import { checkParam, PARAM_NAMES } from './params.js';
import { KEY_BYTES, SecretKey, secretBytes, type KeyParams } from './secret-key.js';

/** The `format` string of a radiomark key file. */
export const KEY_FILE_FORMAT = 'radiomark-key';
/** The key-file version this release writes and reads. */
export const KEY_FILE_VERSION = 1;

/**
 * The JSON shape of a key file (version 1). `secret` is 64 lowercase hex digits.
 */
export interface KeyFileV1 {
  format: typeof KEY_FILE_FORMAT;
  version: 1;
  fingerprint: string;
  secret: string;
  scheme: KeyParams;
}

/**
 * Serializes a key and its scheme parameters to the versioned JSON key file. The result contains
 * the secret: write it with mode 0600 and never log it.
 *
 * @param key - the key
 * @param params - parameters to bind (default: the key's own `params`); each is validated
 * @returns pretty-printed JSON text ending in a newline
 * @throws TypeError / RangeError for an invalid parameter
 * @example
 * ```ts
 * fs.writeFileSync('key.json', serializeKey(generateKey({ gamma: 0.25 })), { mode: 0o600 });
 * ```
 */
export function serializeKey(key: SecretKey, params: KeyParams = key.params): string {
  const scheme: Record<string, unknown> = {};
  for (const name of PARAM_NAMES) {
    const v = params[name];
    checkParam('serializeKey', name, v);
    if (v !== undefined) scheme[name] = v;
  }
  const file: KeyFileV1 = {
    format: KEY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    fingerprint: key.fingerprint,
    secret: bytesToHex(secretBytes(key)),
    scheme: scheme as KeyParams,
  };
  return JSON.stringify(file, null, 2) + '\n';
}

function fail(source: string, message: string): never {
  throw new RadiomarkError('KEY_FORMAT', `parseKey: ${source}: ${message}`);
}

/**
 * Parses a key file written by {@link serializeKey}. Checks the format, the version, every field,
 * and that the stored fingerprint matches the secret (which catches truncated or edited files).
 * Error messages name the field and never echo the secret.
 *
 * @param text - the key file's text
 * @param source - where the text came from, for error messages (default `key file`)
 * @returns the key, with its bound parameters in `key.params`
 * @throws RadiomarkError `KEY_FORMAT` for malformed content, `KEY_VERSION` for an unknown version
 * @example
 * ```ts
 * const key = parseKey(fs.readFileSync('key.json', 'utf8'), 'key.json');
 * ```
 */
export function parseKey(text: string, source = 'key file'): SecretKey {
  if (typeof text !== 'string') throw new TypeError(`parseKey: "text" must be a string, got ${typeof text}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's own message quotes the input, which may contain the secret: never forward it.
    fail(source, `not valid JSON (${text.trim().length === 0 ? 'empty' : 'truncated or malformed'})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail(source, 'expected a JSON object');
  const obj = data as Record<string, unknown>;
  if (obj.format !== KEY_FILE_FORMAT) {
    fail(source, `"format" must be ${JSON.stringify(KEY_FILE_FORMAT)}, got ${describe(obj.format)}`);
  }
  if (obj.version !== KEY_FILE_VERSION) {
    throw new RadiomarkError(
      'KEY_VERSION',
      `parseKey: ${source}: unsupported key-file "version" ${describe(obj.version)}; this release reads version ${KEY_FILE_VERSION}`,
    );
  }
  const secret = obj.secret;
  if (typeof secret !== 'string') fail(source, `"secret" must be a string of ${KEY_BYTES * 2} hex digits, got ${typeof secret}`);
  if (secret.length !== KEY_BYTES * 2 || !/^[0-9a-f]+$/i.test(secret)) {
    // Length and alphabet only: never the content.
    fail(source, `"secret" must be ${KEY_BYTES * 2} hex digits, got ${secret.length} characters${/^[0-9a-f]*$/i.test(secret) ? '' : ' including non-hex ones'}`);
  }
  const scheme = obj.scheme ?? {};
  if (typeof scheme !== 'object' || scheme === null || Array.isArray(scheme)) {
    fail(source, `"scheme" must be an object, got ${describe(scheme)}`);
  }
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(scheme)) {
    if (!(PARAM_NAMES as readonly string[]).includes(name)) fail(source, `unknown field "scheme.${name}"`);
    try {
      checkParam('parseKey', name as keyof KeyParams, value);
    } catch (e) {
      fail(source, `field "scheme.${name}": ${(e as Error).message.replace(/^parseKey: /, '')}`);
    }
    params[name] = value;
  }
  const key = new SecretKey(hexToBytes(secret.toLowerCase()), params as KeyParams);
  if (obj.fingerprint !== undefined && obj.fingerprint !== key.fingerprint) {
    fail(source, `"fingerprint" ${describe(obj.fingerprint)} does not match the secret: the file is corrupted or was edited`);
  }
  return key;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (v === undefined) return 'nothing (field missing)';
  if (typeof v === 'object') return v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}
