/**
 * `probe`'s output file: appended line by line, each line durable (fsync'd) when its promise
 * resolves, and guarded by a lock file so that two probes never write it at once.
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { CliError, fsReason } from '../command/errors.js';

/**
 * Appends lines to the output file and fsyncs them, batching whatever is pending into one write.
 * A line is durable when its promise resolves.
 */
export class DurableAppender {
  private queue: { line: string; done: () => void; fail: (e: unknown) => void }[] = [];
  private busy = false;
  /** Lines written and synced. */
  written = 0;

  private constructor(private readonly fh: fsp.FileHandle) {}

  /** Opens `path` for appending (creating it with mode 0644). */
  static async open(path: string): Promise<DurableAppender> {
    try {
      return new DurableAppender(await fsp.open(path, 'a', 0o644));
    } catch (e) {
      throw new CliError(`--out ${path}: ${fsReason(e)}`);
    }
  }

  /** Queues one JSON line; resolves once it is on disk. */
  append(record: unknown): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    return new Promise<void>((done, fail) => {
      this.queue.push({ line, done, fail });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0);
        try {
          await this.fh.write(batch.map((b) => b.line).join(''));
          await this.fh.datasync();
          this.written += batch.length;
          for (const b of batch) b.done();
        } catch (e) {
          for (const b of batch) b.fail(e);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private closed = false;

  /** Waits for pending lines and closes the file (once; later calls do nothing). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.busy || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    await this.fh.close();
  }
}

/**
 * A lock file (`OUT.lock`, holding the pid) so that two probes never append to the same output.
 * A lock left by a process that no longer runs is taken over.
 */
export async function acquireLock(out: string): Promise<{ release(): Promise<void> }> {
  const path = `${out}.lock`;
  for (let i = 0; i < 2; i++) {
    try {
      const fh = await fsp.open(path, 'wx', 0o644);
      await fh.writeFile(String(process.pid));
      await fh.close();
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await fsp.unlink(path).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw new CliError(`--out ${out}: cannot create ${path}: ${fsReason(e)}`);
      const pid = Number((await fsp.readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new CliError(`${out} is being written by another probe (pid ${pid}, lock file ${path}); wait for it or stop it`);
      }
      await fsp.unlink(path).catch(() => undefined); // stale: its process is gone
    }
  }
  throw new CliError(`--out ${out}: could not take the lock ${path}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}
