import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';

/**
 * Headless Chromium for the browser tests, from npm alone (`npm ci` is the whole set-up; no apt, no
 * system browser, no download at test time).
 *
 * `@sparticuz/chromium` (a devDependency, pinned to 143.0.4: the last major whose `engines` accepts
 * Node 20; 147 and later declare Node >= 22.17) ships a brotli-compressed Chromium headless shell,
 * the shared libraries it needs beyond glibc (NSS, NSPR, expat; built for Amazon Linux 2023) and a
 * font (Open Sans). It has no install script: everything is unpacked at first use, so npm's policy
 * on install scripts does not matter to it.
 *
 * We unpack it here rather than through its `executablePath()`, which writes to the shared
 * `/tmp/chromium` (a second process on the machine can launch a half-written binary, or a stale one
 * of another version) and points the bundled libraries at the browser only on Lambda. Here: one
 * directory per package version and user, built in a staging directory and renamed into place
 * (atomic), and the libraries and fonts given to the browser through its own environment.
 *
 * Set CHROMIUM_PATH to use another Chromium instead.
 */
export interface ChromiumInstall {
  /** The browser binary. */
  executablePath: string;
  /** Environment for the browser process: the bundled libraries and fonts. */
  env: Record<string, string>;
}

const require = createRequire(import.meta.url);

/** The package's root: its export map exposes no package.json, so go up from its entry point. */
function packageRoot(): string {
  let dir = dirname(require.resolve('@sparticuz/chromium'));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bin'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('@sparticuz/chromium: package root not found (run npm ci)');
    dir = up;
  }
  return dir;
}

/**
 * Extracts the regular files and directories of a ustar archive into `into`. The archives here hold
 * nothing else; anything else (links, devices, paths leaving `into`) is refused rather than skipped.
 */
export function untar(tar: Buffer, into: string): void {
  const root = resolve(into);
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, length: number): string => {
      const raw = header.subarray(from, from + length);
      const end = raw.indexOf(0);
      return raw.subarray(0, end < 0 ? length : end).toString('utf8');
    };
    const prefix = field(257, 5) === 'ustar' ? field(345, 155) : '';
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const target = resolve(root, name);
    if (target !== root && !target.startsWith(root + sep)) throw new Error(`untar: "${name}" leaves the target directory`);
    if (type === '5') mkdirSync(target, { recursive: true });
    else if (type === '0') {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, tar.subarray(at + 512, at + 512 + size), { mode: Number.parseInt(field(100, 8), 8) & 0o755 });
    } else throw new Error(`untar: entry "${name}" has type "${type}" (only files and directories expected)`);
    at += 512 + Math.ceil(size / 512) * 512;
  }
}

/** The files whose presence says an unpacked directory is whole (a tmp cleaner may have pruned it). */
const WHOLE = ['chromium', 'lib/libnss3.so', 'fonts/fonts/Open_Sans/OpenSans-Regular.ttf', 'fonts.conf'];

async function unpack(bin: string, into: string): Promise<void> {
  await pipeline(createReadStream(join(bin, 'chromium.br')), createBrotliDecompress(), createWriteStream(join(into, 'chromium'), { mode: 0o755 }));
  untar(brotliDecompressSync(readFileSync(join(bin, 'al2023.tar.br'))), into);
  untar(brotliDecompressSync(readFileSync(join(bin, 'fonts.tar.br'))), join(into, 'fonts'));
  // The bundled font, plus the machine's fonts where it has any (better glyph coverage; a bare
  // machine has none and still renders text).
  writeFileSync(
    join(into, 'fonts.conf'),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
      `  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n` +
      `  <dir>${join(into, 'fonts', 'fonts')}</dir>\n  <cachedir>${join(into, 'fontconfig-cache')}</cachedir>\n</fontconfig>\n`,
  );
}

/** Unpacks the npm-shipped Chromium once per version (atomically) and says how to start it. */
export async function installChromium(): Promise<ChromiumInstall> {
  const override = process.env.CHROMIUM_PATH;
  if (override) return { executablePath: override, env: {} };
  const root = packageRoot();
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const dir = join(tmpdir(), `radiomark-chromium-${version}-${process.getuid?.() ?? 'user'}`);
  if (!WHOLE.every((f) => existsSync(join(dir, f)))) {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // pruned by a tmp cleaner
    const staging = mkdtempSync(`${dir}.staging-`);
    try {
      await unpack(join(root, 'bin'), staging);
      // Paths inside fonts.conf name the final directory, which the rename below creates.
      writeFileSync(join(staging, 'fonts.conf'), readFileSync(join(staging, 'fonts.conf'), 'utf8').replaceAll(staging, dir));
      renameSync(staging, dir);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      // Another process won the race: its directory is whole.
      if (!WHOLE.every((f) => existsSync(join(dir, f)))) throw e;
    }
  }
  const libs = join(dir, 'lib');
  const ld = process.env.LD_LIBRARY_PATH;
  return {
    executablePath: join(dir, 'chromium'),
    env: { LD_LIBRARY_PATH: ld ? `${libs}:${ld}` : libs, FONTCONFIG_FILE: join(dir, 'fonts.conf') },
  };
}
