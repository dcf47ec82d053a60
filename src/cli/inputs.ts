/**
 * The inputs of `detect`: files, directories (walked), standard input.
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError, fsReason } from '../command/errors.js';

/** One input: a file on disk, or standard input (`-`). */
export interface InputSource {
  /** The path as the user gave it (or as found under a directory they gave); `-` for stdin. */
  readonly path: string;
  /** Size in bytes, when known (not for stdin or pipes). */
  readonly size: number | undefined;
}

/** Files that could not be read under a directory argument (skipped with a warning). */
export interface ResolvedInputs {
  readonly sources: InputSource[];
  readonly unreadable: { path: string; reason: string }[];
  readonly duplicates: string[];
}

/** Files and directories met so far, by real path: each is read (or walked) once. */
class Seen {
  readonly files = new Set<string>();
  readonly dirs = new Set<string>();

  /** The real path of `path` (its resolved form when it cannot be resolved). */
  static async real(path: string): Promise<string> {
    try {
      return await fsp.realpath(path);
    } catch {
      return resolve(path);
    }
  }
}

/**
 * Walks a directory: every readable regular file below it (sorted, hidden entries skipped). Each
 * directory is entered once by its real path, so symbolic links that loop (`d/s -> .`) or that
 * reach the same directory twice add nothing; a file reached again through a link is not listed
 * again.
 *
 * @returns how many files were met again (already listed)
 */
async function walk(dir: string, seen: Seen, found: { path: string; size: number }[], bad: { path: string; reason: string }[]): Promise<number> {
  let again = 0;
  const real = await Seen.real(dir);
  if (seen.dirs.has(real)) return 0;
  seen.dirs.add(real);
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    bad.push({ path: dir, reason: fsReason(e) });
    return again;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const ent of entries) {
    if (ent.name.startsWith('.')) continue;
    const p = join(dir, ent.name);
    let st;
    try {
      st = await fsp.stat(p);
    } catch (e) {
      bad.push({ path: p, reason: fsReason(e) });
      continue;
    }
    if (st.isDirectory()) again += await walk(p, seen, found, bad);
    else if (st.isFile()) {
      const realFile = await Seen.real(p);
      if (seen.files.has(realFile)) {
        again++;
        continue;
      }
      try {
        await fsp.access(p, fsp.constants.R_OK);
      } catch (e) {
        bad.push({ path: p, reason: fsReason(e) });
        continue;
      }
      seen.files.add(realFile);
      found.push({ path: p, size: st.size });
    }
  }
  return again;
}

/** One positional argument's sources (a file, a pipe, or a directory's files). */
async function expand(arg: string, seen: Seen, out: ResolvedInputs): Promise<void> {
  let st;
  try {
    st = await fsp.stat(arg);
  } catch (e) {
    throw new CliError(`${arg}: ${fsReason(e)}`);
  }
  if (st.isDirectory()) {
    if (seen.dirs.has(await Seen.real(arg))) {
      out.duplicates.push(arg);
      return;
    }
    const found: { path: string; size: number }[] = [];
    const bad: { path: string; reason: string }[] = [];
    const again = await walk(arg, seen, found, bad);
    if (found.length === 0 && again > 0) {
      out.duplicates.push(arg); // everything under it is read already
      return;
    }
    if (found.length === 0) {
      const why = bad.length ? ` (${bad.length} unreadable: ${bad.slice(0, 3).map((b) => `${b.path}: ${b.reason}`).join('; ')})` : '';
      throw new CliError(`${arg}: directory has no readable files${why}`);
    }
    out.unreadable.push(...bad);
    for (const f of found) out.sources.push(f);
    return;
  }
  if (st.isFile()) {
    try {
      await fsp.access(arg, fsp.constants.R_OK);
    } catch (e) {
      throw new CliError(`${arg}: ${fsReason(e)}`);
    }
  }
  const real = await Seen.real(arg);
  if (seen.files.has(real)) {
    out.duplicates.push(arg);
    return;
  }
  seen.files.add(real);
  // FIFOs and character devices (process substitution, /dev/stdin) are read as streams.
  out.sources.push({ path: arg, size: st.isFile() ? st.size : undefined });
}

/**
 * Expands the positional arguments of `detect` into input files: a file is taken as is, a
 * directory contributes every regular file below it (see {@link walk}), `-` is stdin. A path given
 * twice (or a file given that a directory given before already holds) is read once and reported
 * as a duplicate.
 *
 * @param args - positional arguments
 * @returns the sources, plus unreadable files found under directories and skipped duplicates
 * @throws CliError when an argument does not exist or cannot be read, or a directory holds no
 *   readable file
 */
export async function resolveInputs(args: readonly string[]): Promise<ResolvedInputs> {
  const out: ResolvedInputs = { sources: [], unreadable: [], duplicates: [] };
  const seen = new Seen();
  let stdin = false;
  for (const arg of args) {
    if (arg !== '-') await expand(arg, seen, out);
    else if (stdin) throw new CliError('"-" (standard input) given more than once');
    else {
      stdin = true;
      out.sources.push({ path: '-', size: undefined });
    }
  }
  return out;
}
