import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

/**
 * The published artifact as a user gets it: `npm pack` of this repository (built: `npm test`
 * builds first), installed with production dependencies only into an empty project, offline.
 *
 * Offline, because tests must not need the network: `npm ci` has put every dependency's tarball in
 * npm's cache, but not the registry's metadata (this repository's lock file records no `resolved`
 * URLs, and `npm ci` reads no metadata), so `npm install --offline <tarball>` cannot resolve
 * "^0.2.0" and fails with ENOTCACHED (and `--prefer-offline` would go to the network for it). So the
 * empty project gets a lock file: the packed tarball plus, for each production dependency
 * (transitively), the entry this repository's lock file resolves it to, at the same place in the
 * tree; then `npm ci --omit=dev --offline` installs exactly those versions from the cache. A user's
 * `npm install radiomark` resolves the same ranges, to these versions or newer ones.
 */
export interface InstalledPackage {
  /** The scratch directory (tarball, and the project in `app/`). */
  dir: string;
  /** The empty project the package is installed into. */
  app: string;
  /** The `npm pack` tarball. */
  tarball: string;
  /** `app/node_modules/.bin/radiomark`. */
  bin: string;
  /** Removes everything. */
  cleanup(): void;
}

const ROOT = resolve(import.meta.dirname, '..');

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  [k: string]: unknown;
}

/** Environment for the npm child: the outer `npm test`'s lifecycle variables removed. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_(package|lifecycle)_/i.test(k)) env[k] = v;
  return env;
}

/**
 * The lock file of a project whose only dependency is `tarball`: the production closure of this
 * repository's lock, each package at the path Node's resolution finds it from its dependent.
 */
export function lockFor(tarball: string, extra: readonly string[] = []): { manifest: object; lock: object } {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown> & {
    version: string;
    dependencies: Record<string, string>;
  };
  const repoLock = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const spec = `file:${basename(tarball)}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const direct: Record<string, string> = { radiomark: spec };
  for (const name of extra) {
    const version = repoLock[`node_modules/${name}`]?.version;
    if (version === undefined) throw new Error(`package-lock.json has no top-level "${name}"`);
    direct[name] = version;
  }
  const packages: Record<string, LockEntry> = {
    '': { dependencies: direct },
    'node_modules/radiomark': {
      version: pkg.version,
      resolved: spec,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
    },
  };
  /** Where Node finds `name` from the package at `from` (a lock path; '' for the root). */
  const find = (from: string, name: string): string | undefined => {
    for (let dir = from; ; ) {
      const path = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (repoLock[path]) return path;
      if (!dir) return undefined;
      const up = dir.lastIndexOf('/node_modules/');
      dir = up < 0 ? '' : dir.slice(0, up);
    }
  };
  const todo: [string, string, boolean][] = [...Object.keys(pkg.dependencies), ...extra].map((n) => ['', n, false]);
  while (todo.length > 0) {
    const [from, name, optional] = todo.pop()!;
    const path = find(from, name);
    if (path === undefined) {
      if (optional) continue; // an optional dependency for another platform
      throw new Error(`package-lock.json has no entry for "${name}" (needed from "${from || 'radiomark'}")`);
    }
    if (packages[path]) continue;
    const { dev: _dev, devOptional: _devOptional, ...entry } = repoLock[path]!;
    packages[path] = entry;
    for (const d of Object.keys(entry.dependencies ?? {})) todo.push([path, d, false]);
    for (const d of Object.keys(entry.optionalDependencies ?? {})) todo.push([path, d, true]);
  }
  return {
    manifest: { name: 'radiomark-user', private: true, type: 'module', dependencies: direct },
    lock: { name: 'radiomark-user', lockfileVersion: 3, requires: true, packages },
  };
}

/**
 * Packs this repository and installs the tarball, production dependencies only, offline, beside the
 * `extra` packages a user would add (optional peers, at this repository's locked versions).
 */
export function installPacked(extra: readonly string[] = [], prefix = 'radiomark-pack-'): InstalledPackage {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const app = join(dir, 'app');
    mkdirSync(app);
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', app], { cwd: ROOT, encoding: 'utf8', env: npmEnv() });
    const tarball = join(app, (JSON.parse(out) as { filename: string }[])[0]!.filename);
    const { manifest, lock } = lockFor(tarball, extra);
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
    execFileSync('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, encoding: 'utf8', env: npmEnv() });
    return { dir, app, tarball, bin: join(app, 'node_modules', '.bin', 'radiomark'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
