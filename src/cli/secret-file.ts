/**
 * Writing a secret file (a key file) safely: mode 0600 from the first byte, atomically, never
 * replacing anything but a regular file.
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError, fsReason } from '../command/errors.js';

/** What is at a path, in words, when it is not a regular file (or undefined when it is one or nothing is). */
async function nonRegular(path: string): Promise<string | undefined> {
  let st;
  try {
    st = await fsp.lstat(path);
  } catch {
    return undefined;
  }
  if (st.isFile()) return undefined;
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const exists = (path: string): Promise<boolean> => fsp.lstat(path).then(() => true, () => false);

/**
 * Writes a secret file with mode 0600: a fresh temporary file (exclusive create, mode 0600) in the
 * target's directory, fsync, then into place. Without `force`, an existing target is refused before
 * and after writing (a hard link, not a rename, puts it in place, so no race overwrites a file that
 * appeared meanwhile). With `force`, only a regular file is replaced: a symbolic link, a device, a
 * pipe or a directory at the target is refused, so `--force` can never redirect the key elsewhere or
 * replace a system node.
 *
 * @param path - target path
 * @param text - content
 * @param force - allow replacing an existing regular file
 * @throws CliError naming `--out` and the path when the target exists (without `force`), is not a
 *   regular file, or cannot be written
 */
export async function writeSecretFile(path: string, text: string, force: boolean): Promise<void> {
  const odd = await nonRegular(path);
  if (odd) throw new CliError(`--out ${path}: is ${odd}; a key file is only written to a new or regular file`);
  if (!force && (await exists(path))) throw new CliError(`${path} already exists; pass --force to overwrite it (the old key will be lost)`);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fh;
  try {
    fh = await fsp.open(tmp, 'wx', 0o600);
  } catch (e) {
    throw new CliError(`--out ${path}: cannot write in ${dir}: ${fsReason(e)}`);
  }
  try {
    await fh.writeFile(text, 'utf8');
    await fh.chmod(0o600); // in case the file system ignored the create mode
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await (force ? replace(tmp, path) : placeNew(tmp, path));
  } catch (e) {
    await fsp.unlink(tmp).catch(() => undefined);
    if (e instanceof CliError) throw e;
    if ((e as { code?: string }).code === 'EEXIST') throw new CliError(`${path} already exists; pass --force to overwrite it (the old key will be lost)`);
    throw new CliError(`--out ${path}: ${fsReason(e)}`);
  }
}

/** Renames over a regular file (checked again just before, so a node swapped in meanwhile is refused). */
async function replace(tmp: string, path: string): Promise<void> {
  const odd = await nonRegular(path);
  if (odd) throw new CliError(`--out ${path}: is ${odd}; a key file is only written to a new or regular file`);
  await fsp.rename(tmp, path);
}

/** Links into place (fails if the target appeared meanwhile); file systems without hard links get a last check and a rename. */
async function placeNew(tmp: string, path: string): Promise<void> {
  try {
    await fsp.link(tmp, path);
    await fsp.unlink(tmp);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
    if (await exists(path)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await fsp.rename(tmp, path);
  }
}
