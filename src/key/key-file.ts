import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describeUntrusted, HEX_RUN, typeError } from '../assert.js';
import { RadiomarkError } from '../errors.js';
import { checkFamilyOptions, checkKeyFamily, checkSecretKey, familyMaster, KeyFamily, shapeProblem } from './family.js';
import { checkParams, paramProblem, PARAM_NAMES } from './params.js';
import { KEY_BYTES, SecretKey, secretBytes, type KeyParams } from './secret-key.js';

/** The `format` string of a radiomark key file. */
export const KEY_FILE_FORMAT = 'radiomark-key';
/** The `format` string of a radiomark key-family file (a different string, so v0.1 readers refuse it). */
export const KEY_FAMILY_FILE_FORMAT = 'radiomark-key-family';
/** The key-file version this release writes and reads (both formats). */
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
 * The JSON shape of a key-family file (version 1): a key file of the master key plus the family's
 * shape. It holds no secret beyond the master key.
 */
export interface KeyFamilyFileV1 {
  format: typeof KEY_FAMILY_FILE_FORMAT;
  version: 1;
  fingerprint: string;
  secret: string;
  scheme: KeyParams;
  family: { cohorts: number; epochDays?: number; epochOrigin?: string };
}

/**
 * Serializes a key and its scheme parameters to the versioned JSON key file. The result contains
 * the secret: write it with mode 0600 and never log it.
 *
 * @param key - the key
 * @param params - parameters to bind (default: the key's own `params`); each is validated
 * @returns pretty-printed JSON text ending in a newline
 * @throws TypeError / RangeError for an invalid parameter; RadiomarkError `KEY_MISMATCH` for a key family
 * @example
 * ```ts
 * fs.writeFileSync('key.json', serializeKey(generateKey({ gamma: 0.25 })), { mode: 0o600 });
 * ```
 */
export function serializeKey(key: SecretKey, params: KeyParams = key.params): string {
  checkSecretKey('serializeKey', 'key', key);
  const file: KeyFileV1 = {
    format: KEY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    fingerprint: key.fingerprint,
    secret: bytesToHex(secretBytes(key, 'serializeKey')),
    scheme: checkParams('serializeKey', params),
  };
  return JSON.stringify(file, null, 2) + '\n';
}

/**
 * Serializes a key family to the versioned JSON key-family file: its master key, the scheme
 * parameters and the family's shape. The result contains the master secret: write it with mode
 * 0600 and never log it.
 *
 * @param family - the family
 * @param params - parameters to bind (default: the family's `params`); each is validated
 * @returns pretty-printed JSON text ending in a newline
 * @throws RadiomarkError `KEY_MISMATCH` for a single key; TypeError / RangeError for an invalid parameter
 * @example
 * ```ts
 * fs.writeFileSync('family.json', serializeKeyFamily(generateKeyFamily({ cohorts: 16 })), { mode: 0o600 });
 * ```
 */
export function serializeKeyFamily(family: KeyFamily, params: KeyParams = family.params): string {
  checkKeyFamily('serializeKeyFamily', 'family', family);
  const master = familyMaster(family);
  const shape = family.epochDays === undefined ? { cohorts: family.cohorts } : { cohorts: family.cohorts, epochDays: family.epochDays, epochOrigin: family.epochOrigin! };
  const file: KeyFamilyFileV1 = {
    format: KEY_FAMILY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    fingerprint: family.fingerprint,
    secret: bytesToHex(secretBytes(master)),
    scheme: checkParams('serializeKeyFamily', params),
    family: shape,
  };
  return JSON.stringify(file, null, 2) + '\n';
}

/**
 * Throws the `KEY_FORMAT` error for malformed key-file content. Messages name fields and describe
 * values through {@link got} and {@link fieldName}, which never quote key material (a secret
 * pasted into the wrong field of a hand-edited file must not reach a terminal or a log).
 */
function fail(api: string, source: string, field: string | undefined, message: string): never {
  throw new RadiomarkError('KEY_FORMAT', `${api}: ${source}: ${message}`, { api, field });
}

/** A run of 16 or more hex digits: refused where no key material belongs (a tokenizer name). */
const KEY_LIKE = /[0-9a-f]{16,}/i;

/**
 * Describes a key file's value for a message without ever quoting key material: a string (or a
 * field name) is quoted only when it is short and holds no run of 8 hex digits, else described by
 * its length; numbers, booleans and null as they are; a missing field as such.
 */
function got(value: unknown): string {
  if (value === undefined) return 'nothing (field missing)';
  return describeUntrusted(value);
}

/** A field name for a message: as written when it is safe to show (see {@link got}). */
function fieldName(prefix: string, name: string): string {
  return name.length <= 40 && !HEX_RUN.test(name) ? `"${prefix}${name}"` : `${prefix}<a field name of ${name.length} characters, not shown>`;
}

/** A parsed file of either format, before the caller decides which it accepts. */
interface ParsedFile {
  readonly format: typeof KEY_FILE_FORMAT | typeof KEY_FAMILY_FILE_FORMAT;
  readonly master: SecretKey;
  readonly family: Record<string, unknown> | undefined;
}

/** Parses the JSON object and its format and version fields. */
function readObject(api: string, text: unknown, source: string): Record<string, unknown> {
  if (typeof text !== 'string') throw typeError(api, 'text', 'a string', text);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's own message quotes the input, which may contain the secret: never forward it.
    fail(api, source, undefined, `not valid JSON (${text.trim().length === 0 ? 'empty' : 'truncated or malformed'})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail(api, source, undefined, 'expected a JSON object');
  const obj = data as Record<string, unknown>;
  if (obj.format !== KEY_FILE_FORMAT && obj.format !== KEY_FAMILY_FILE_FORMAT) {
    fail(api, source, 'format', `"format" must be ${JSON.stringify(KEY_FILE_FORMAT)} or ${JSON.stringify(KEY_FAMILY_FILE_FORMAT)}, got ${got(obj.format)}`);
  }
  if (obj.version !== KEY_FILE_VERSION) {
    throw new RadiomarkError(
      'KEY_VERSION',
      `${api}: ${source}: unsupported key-file "version" ${got(obj.version)}; this release reads version ${KEY_FILE_VERSION}`,
      { api, field: 'version' },
    );
  }
  return obj;
}

/** Reads the scheme section: every field known and valid. */
function readScheme(api: string, source: string, scheme: unknown): KeyParams {
  if (typeof scheme !== 'object' || scheme === null || Array.isArray(scheme)) fail(api, source, 'scheme', `"scheme" must be an object, got ${got(scheme)}`);
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(scheme)) {
    if (!(PARAM_NAMES as readonly string[]).includes(name)) fail(api, source, 'scheme', `unknown field ${fieldName('scheme.', name)}`);
    const field = `scheme.${name}`;
    if (name === 'tokenizer' && typeof value === 'string' && KEY_LIKE.test(value)) {
      fail(api, source, field, `field "${field}" holds a run of 16 or more hex digits, like key material (${got(value)}); a tokenizer name never does`);
    }
    const problem = paramProblem(name as keyof KeyParams, value);
    if (problem !== undefined) fail(api, source, field, `field "${field}" must be ${problem.expected}, got ${got(value)}`);
    params[name] = value;
  }
  return params as KeyParams;
}

/** Reads a file of either format: the master key (fingerprint checked) and the raw family section. */
function readFile(api: string, text: unknown, source: string): ParsedFile {
  const obj = readObject(api, text, source);
  const secret = obj.secret;
  if (typeof secret !== 'string') fail(api, source, 'secret', `"secret" must be a string of ${KEY_BYTES * 2} hex digits, got ${typeof secret}`);
  if (secret.length !== KEY_BYTES * 2 || !/^[0-9a-f]+$/i.test(secret)) {
    // Length and alphabet only: never the content.
    fail(api, source, 'secret', `"secret" must be ${KEY_BYTES * 2} hex digits, got ${secret.length} characters${/^[0-9a-f]*$/i.test(secret) ? '' : ' including non-hex ones'}`);
  }
  const params = readScheme(api, source, obj.scheme ?? {});
  const master = new SecretKey(hexToBytes(secret.toLowerCase()), params);
  if (obj.fingerprint !== undefined && obj.fingerprint !== master.fingerprint) {
    fail(api, source, 'fingerprint', `"fingerprint" ${got(obj.fingerprint)} does not match the secret: the file is corrupted or was edited`);
  }
  const format = obj.format as ParsedFile['format'];
  const family = obj.family;
  if (format === KEY_FILE_FORMAT) {
    if (family !== undefined) fail(api, source, 'family', `a "${KEY_FILE_FORMAT}" file has no "family" field (a key-family file has format "${KEY_FAMILY_FILE_FORMAT}")`);
    return { format, master, family: undefined };
  }
  if (typeof family !== 'object' || family === null || Array.isArray(family)) fail(api, source, 'family', `"family" must be an object, got ${got(family)}`);
  return { format, master, family: family as Record<string, unknown> };
}

/** Builds the family from a parsed family section: every field known and valid, origin required with epochs. */
function familyFrom(api: string, source: string, master: SecretKey, section: Record<string, unknown>): KeyFamily {
  for (const name of Object.keys(section)) {
    if (name !== 'cohorts' && name !== 'epochDays' && name !== 'epochOrigin') fail(api, source, 'family', `unknown field ${fieldName('family.', name)}`);
  }
  for (const name of ['cohorts', 'epochDays', 'epochOrigin'] as const) {
    const problem = shapeProblem(name, section, true);
    if (problem !== undefined) fail(api, source, `family.${name}`, `field "family.${name}" must be ${problem.expected}, got ${got(section[name])}`);
  }
  return new KeyFamily(master, checkFamilyOptions(api, section, true), api);
}

/**
 * Parses a key file written by {@link serializeKey}. Checks the format, the version, every field,
 * and that the stored fingerprint matches the secret (which catches truncated or edited files).
 * Error messages name the field and never echo the secret.
 *
 * @param text - the key file's text
 * @param source - where the text came from, for error messages (default `key file`)
 * @returns the key, with its bound parameters in `key.params`
 * @throws RadiomarkError `KEY_FORMAT` for malformed content, `KEY_VERSION` for an unknown version,
 *   `KEY_MISMATCH` for a key-family file (use {@link parseKeyFamily} or {@link parseKeyFile})
 * @example
 * ```ts
 * const key = parseKey(fs.readFileSync('key.json', 'utf8'), 'key.json');
 * ```
 */
export function parseKey(text: string, source = 'key file'): SecretKey {
  const file = readFile('parseKey', text, source);
  if (file.format === KEY_FAMILY_FILE_FORMAT) {
    const family = familyFrom('parseKey', source, file.master, file.family!);
    throw new RadiomarkError(
      'KEY_MISMATCH',
      `parseKey: ${source}: is a key-family file (${family}) where a single key is expected; read it with parseKeyFamily or parseKeyFile`,
      { api: 'parseKey', field: 'format' },
    );
  }
  return file.master;
}

/**
 * Parses a key-family file written by {@link serializeKeyFamily}, with the same checks as
 * {@link parseKey} plus the family section (`cohorts`, `epochDays`, `epochOrigin`).
 *
 * @param text - the file's text
 * @param source - where the text came from, for error messages (default `key file`)
 * @returns the family, binding the file's scheme parameters
 * @throws RadiomarkError `KEY_FORMAT` for malformed content, `KEY_VERSION` for an unknown version,
 *   `KEY_MISMATCH` for a single-key file
 * @example
 * ```ts
 * const family = parseKeyFamily(fs.readFileSync('family.json', 'utf8'), 'family.json');
 * ```
 */
export function parseKeyFamily(text: string, source = 'key file'): KeyFamily {
  const file = readFile('parseKeyFamily', text, source);
  if (file.format === KEY_FILE_FORMAT) {
    throw new RadiomarkError(
      'KEY_MISMATCH',
      `parseKeyFamily: ${source}: is a single-key file (fingerprint ${file.master.fingerprint}) where a key family is expected; createKeyFamily(key, { cohorts: 1 }) makes a one-member family of it`,
      { api: 'parseKeyFamily', field: 'format' },
    );
  }
  return familyFrom('parseKeyFamily', source, file.master, file.family!);
}

/**
 * Parses a file of either kind: a single key file gives a {@link SecretKey}, a key-family file a
 * {@link KeyFamily}. For tools that accept both (tell them apart with `isKeyFamily`).
 *
 * @param text - the file's text
 * @param source - where the text came from, for error messages (default `key file`)
 * @returns the key or the family
 * @throws RadiomarkError `KEY_FORMAT` / `KEY_VERSION` as {@link parseKey}
 * @example
 * ```ts
 * const k = parseKeyFile(text, path);
 * if (isKeyFamily(k)) console.log(`${k.cohorts} cohorts`);
 * ```
 */
export function parseKeyFile(text: string, source = 'key file'): SecretKey | KeyFamily {
  const file = readFile('parseKeyFile', text, source);
  return file.format === KEY_FILE_FORMAT ? file.master : familyFrom('parseKeyFile', source, file.master, file.family!);
}
