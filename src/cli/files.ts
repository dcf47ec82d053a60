/**
 * Reading a whole small file (a key file, a prompts file, a result file) with a size cap, so that
 * a device, a pipe that never ends or a huge file is refused instead of filling memory.
 *
 * @module
 */
import { constants, promises as fsp } from 'node:fs';
import { CliError, fsReason } from '../command/errors.js';
import { bytesStr } from '../report/format.js';

/** How long a named pipe may wait for a writer before it is refused. */
export const FIFO_WAIT_MS = 10_000;

/**
 * Opens a file for reading. A named pipe (`<(command)` in a shell, `mkfifo`) is waited on for at
 * most {@link FIFO_WAIT_MS}: with no writer by then it is refused instead of blocking for ever (the
 * open still pending is released by connecting and leaving as a writer).
 *
 * @param path - the file
 * @param label - how messages name it, e.g. `--key k.json`
 * @returns the open file
 * @throws CliError `label: reason` when it cannot be opened or no writer came
 */
export async function openForReading(path: string, label: string): Promise<fsp.FileHandle> {
  const fifo = await fsp.stat(path).then((st) => st.isFIFO(), () => false);
  let gaveUp = false;
  const timer = fifo
    ? setTimeout(() => {
        gaveUp = true;
        fsp.open(path, constants.O_WRONLY | constants.O_NONBLOCK).then((w) => w.close(), () => undefined);
      }, FIFO_WAIT_MS)
    : undefined;
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, 'r');
  } catch (e) {
    throw new CliError(`${label}: ${fsReason(e)}`);
  } finally {
    clearTimeout(timer);
  }
  if (gaveUp) {
    await fh.close();
    throw new CliError(`${label}: a named pipe that nothing wrote to within ${FIFO_WAIT_MS / 1000} s`);
  }
  return fh;
}

/**
 * Reads a file in chunks of 256 KiB (smooth progress, no measurable cost), named pipes included
 * (see {@link openForReading}). Closes the file when the reader stops early.
 *
 * @param path - the file
 * @param label - how messages name it
 */
export async function* fileChunks(path: string, label: string): AsyncGenerator<Uint8Array> {
  const fh = await openForReading(path, label);
  try {
    for await (const c of fh.createReadStream({ highWaterMark: 1 << 18, autoClose: false })) yield c as Uint8Array;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

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
  const fh = await openForReading(path, label);
  if ((await fh.stat()).isDirectory()) {
    await fh.close();
    throw new CliError(`${label}: is a directory`);
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
