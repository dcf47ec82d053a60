/**
 * Loading `--key` files: a single key or a key family.
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { parseKeyFile, type KeyFamily, type SecretKey } from '../key/index.js';
import { radiomarkErrorData } from '../errors.js';
import { CliError, reason } from '../command/errors.js';
import { readCapped } from './files.js';
import { hexRuns, quotesAny } from './key-material.js';

/** A key file is a few hundred bytes; anything over this is not one. */
const MAX_KEY_FILE_BYTES = 1 << 20;

/** A key loaded from a file, with any warning about its permissions. */
export interface LoadedKey {
  readonly path: string;
  /** The key, or the key family (its master's fingerprint and params). */
  readonly key: SecretKey | KeyFamily;
  /** A warning to print (group/world-readable file), or undefined. */
  readonly warning: string | undefined;
  /**
   * The secret's hex digits as the file holds them, only to keep them out of the inputs (a
   * function, so that no serialization of this object carries it).
   */
  readonly secretHex: () => string;
  /** Whether a text quotes key-file content (8 or more digits of a hex run of the file). */
  readonly quotesKeyFile: (text: string) => boolean;
}

/** The message for a key file the key room refused, unless it would quote the file's key material. */
function parseError(path: string, e: unknown, runs: readonly string[]): CliError {
  const field = radiomarkErrorData(e)?.field;
  const message = reason(e);
  if (!quotesAny(message, runs)) return new CliError(`--key ${message}`, undefined, { cause: e });
  // The key room's message would quote content (a secret pasted into the wrong field).
  const named = field && !quotesAny(field, runs) ? ` (field "${field}")` : '';
  return new CliError(`--key ${path}: not a valid key file${named}; its content is not shown because it looks like key material`, undefined, { cause: e });
}

/**
 * Reads and parses a key file (a single key or a key family). Warns when the file is readable by
 * group or others (the secret should be 0600), like ssh does for private keys.
 *
 * @param path - the key file
 * @returns the key and an optional warning
 * @throws CliError naming `--key` and the file (and the field, never key material) for a missing,
 *   unreadable, oversized or malformed key file
 */
export async function loadKeyFile(path: string): Promise<LoadedKey> {
  const label = `--key ${path}`;
  const text = (await readCapped(path, MAX_KEY_FILE_BYTES, label)).toString('utf8');
  const runs = hexRuns(text);
  let key: SecretKey | KeyFamily;
  try {
    key = parseKeyFile(text, path);
  } catch (e) {
    if (radiomarkErrorData(e)) throw parseError(path, e, runs);
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
  return { path, key, warning, secretHex: () => hex, quotesKeyFile: (t) => quotesAny(t, runs) };
}
