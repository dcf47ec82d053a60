import { promises as fsp } from 'node:fs';
import { parseKey, RadiomarkError, type SecretKey } from '../index.js';
import { CliError } from './errors.js';
import { fsReason } from './input.js';

/** A key loaded from a file, with any warning about its permissions. */
export interface LoadedKey {
  readonly path: string;
  readonly key: SecretKey;
  /** A warning to print (group/world-readable file), or undefined. */
  readonly warning: string | undefined;
}

/**
 * Reads and parses a key file. Warns when the file is readable by group or others (the secret
 * should be 0600), like ssh does for private keys.
 *
 * @param path - the key file
 * @returns the key and an optional warning
 * @throws CliError naming the file and the field (never the secret) for a missing, unreadable or
 *   malformed key file
 */
export async function loadKeyFile(path: string): Promise<LoadedKey> {
  let text: string;
  let mode: number;
  try {
    const st = await fsp.stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    mode = st.mode & 0o777;
    text = await fsp.readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(`--key ${path}: ${fsReason(e)}`);
  }
  let key: SecretKey;
  try {
    key = parseKey(text, path);
  } catch (e) {
    if (e instanceof RadiomarkError) throw new CliError(`--key ${e.message.replace(/^parseKey: /, '')}`);
    throw e;
  }
  const warning =
    process.platform !== 'win32' && (mode & 0o077) !== 0
      ? `warning: key file ${path} is readable by ${mode & 0o004 ? 'every user' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${path}`
      : undefined;
  return { path, key, warning };
}
