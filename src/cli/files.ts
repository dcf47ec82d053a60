/**
 * Reading a whole small file (a key file, a prompts file, a result file) with a size cap, so that
 * a device, a pipe that never ends or a huge file is refused instead of filling memory.
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { CliError, fsReason } from '../command/errors.js';
import { bytesStr } from '../report/format.js';

/**
 * Reads at most `maxBytes` of a file (or of `stdin` for `-`), refusing anything longer.
 *
 * @param path - the file, or `-` for standard input
 * @param maxBytes - the cap
 * @param label - how messages name it, e.g. `--key key.json`
 * @param stdin - standard input, for `-`
 * @returns the bytes
 * @throws CliError `label: reason` when it cannot be read, is a directory, or is longer than the cap
 */
export async function readCapped(path: string, maxBytes: number, label: string, stdin?: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  const take = (c: Uint8Array): void => {
    n += c.length;
    if (n > maxBytes) throw new CliError(`${label}: larger than ${bytesStr(maxBytes)}; is this the right file?`);
    chunks.push(Buffer.from(c.buffer, c.byteOffset, c.length));
  };
  if (path === '-') {
    for await (const c of stdin ?? []) take(c);
    return Buffer.concat(chunks);
  }
  let fh;
  try {
    fh = await fsp.open(path, 'r');
    if ((await fh.stat()).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (e) {
    await fh?.close();
    throw new CliError(`${label}: ${fsReason(e)}`);
  }
  try {
    const buf = Buffer.alloc(Math.min(maxBytes + 1, 1 << 16));
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      take(Buffer.from(buf.subarray(0, bytesRead)));
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${label}: ${fsReason(e)}`);
  } finally {
    await fh.close();
  }
  return Buffer.concat(chunks);
}
