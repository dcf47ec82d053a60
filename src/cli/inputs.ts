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

/**
 * Expands the positional arguments of `detect` into input files: a file is taken as is, a
 * directory contributes every regular file below it (sorted, hidden entries skipped), `-` is stdin.
 * A path given twice (or a file inside a directory also given) is read once.
 *
 * @param args - positional arguments
 * @returns the sources, plus unreadable files found under directories and skipped duplicates
 * @throws CliError when an argument does not exist or cannot be read, or a directory holds no
 *   readable file
 */
export async function resolveInputs(args: readonly string[]): Promise<ResolvedInputs> {
  const sources: InputSource[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  const duplicates: string[] = [];
  const seen = new Set<string>();
  let stdin = false;
  const add = async (path: string, size: number | undefined): Promise<void> => {
    let real: string;
    try {
      real = await fsp.realpath(path);
    } catch {
      real = resolve(path);
    }
    if (seen.has(real)) {
      duplicates.push(path);
      return;
    }
    seen.add(real);
    sources.push({ path, size });
  };
  for (const arg of args) {
    if (arg === '-') {
      if (stdin) throw new CliError('"-" (standard input) given more than once');
      stdin = true;
      sources.push({ path: '-', size: undefined });
      continue;
    }
    let st;
    try {
      st = await fsp.stat(arg);
    } catch (e) {
      throw new CliError(`${arg}: ${fsReason(e)}`);
    }
    if (st.isDirectory()) {
      const found: { path: string; size: number }[] = [];
      const bad: { path: string; reason: string }[] = [];
      await walk(arg, found, bad);
      if (found.length === 0) {
        const why = bad.length ? ` (${bad.length} unreadable: ${bad.slice(0, 3).map((b) => `${b.path}: ${b.reason}`).join('; ')})` : '';
        throw new CliError(`${arg}: directory has no readable files${why}`);
      }
      unreadable.push(...bad);
      for (const f of found) await add(f.path, f.size);
    } else if (st.isFile()) {
      try {
        await fsp.access(arg, fsp.constants.R_OK);
      } catch (e) {
        throw new CliError(`${arg}: ${fsReason(e)}`);
      }
      await add(arg, st.size);
    } else {
      // FIFOs and character devices (process substitution, /dev/stdin) are read as streams.
      await add(arg, undefined);
    }
  }
  return { sources, unreadable, duplicates };
}

async function walk(dir: string, found: { path: string; size: number }[], bad: { path: string; reason: string }[]): Promise<void> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    bad.push({ path: dir, reason: fsReason(e) });
    return;
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
    if (st.isDirectory()) await walk(p, found, bad);
    else if (st.isFile()) {
      try {
        await fsp.access(p, fsp.constants.R_OK);
        found.push({ path: p, size: st.size });
      } catch (e) {
        bad.push({ path: p, reason: fsReason(e) });
      }
    }
  }
}

