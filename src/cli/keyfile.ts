/**
 * Loading `--key` files.
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { parseKey, type SecretKey } from '../key/index.js';
import { radiomarkErrorData } from '../errors.js';
import { CliError, reason } from '../command/errors.js';
import { readCapped } from './files.js';

/** A key file is a few hundred bytes; anything over this is not one. */
const MAX_KEY_FILE_BYTES = 1 << 20;

/** A key loaded from a file, with any warning about its permissions. */
export interface LoadedKey {
  readonly path: string;
  readonly key: SecretKey;
  /** A warning to print (group/world-readable file), or undefined. */
  readonly warning: string | undefined;
  /**
   * The secret's hex digits as the file holds them, only to keep them out of the inputs (a
   * function, so that no serialization of this object carries it).
   */
  readonly secretHex: () => string;
}

/**
 * Reads and parses a key file. Warns when the file is readable by group or others (the secret
 * should be 0600), like ssh does for private keys.
 *
 * @param path - the key file
 * @returns the key and an optional warning
 * @throws CliError naming `--key` and the file (and the field, never the secret) for a missing,
 *   unreadable, oversized or malformed key file
 */
export async function loadKeyFile(path: string): Promise<LoadedKey> {
  const label = `--key ${path}`;
  const text = (await readCapped(path, MAX_KEY_FILE_BYTES, label)).toString('utf8');
  let key: SecretKey;
  try {
    key = parseKey(text, path);
  } catch (e) {
    if (radiomarkErrorData(e)) throw new CliError(`--key ${reason(e)}`, undefined, { cause: e });
    throw e;
  }
  let mode = 0o600;
  try {
    mode = (await fsp.stat(path)).mode & 0o777;
  } catch {
    // read above; a race that removed it since leaves nothing to warn about
  }
  const warning =
    process.platform !== 'win32' && (mode & 0o077) !== 0
      ? `warning: key file ${path} is readable by ${mode & 0o004 ? 'every user' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${path}`
      : undefined;
  const hex = String((JSON.parse(text) as { secret?: unknown }).secret ?? '');
  return { path, key, warning, secretHex: () => hex };
}
