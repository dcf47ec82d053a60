/** Counters a progress line shows. */
export interface ProgressCounts {
  bytes: number;
  documents: number;
  tokens: number;
}

/** A writable text stream with an optional TTY width (process.stderr). */
export interface ProgressStream {
  write(s: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Whether to draw progress: forced on by `--progress`, off by `--no-progress`, otherwise only when
 * stderr is a terminal (so logs and pipes never get carriage returns).
 */
export function progressEnabled(stream: ProgressStream, force: boolean | undefined): boolean {
  if (force !== undefined) return force;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

/**
 * A one-line progress display on stderr for `detect`: bytes, documents and tokens per second and an
 * ETA when the total size is known. Redraws at most every `intervalMs`; {@link Progress.done}
 * erases the line so that nothing of it stays in the terminal or mixes with stdout.
 */
export class Progress {
  private readonly start = performance.now();
  private last = -Infinity;
  private drawn = false;
  private counts: ProgressCounts | undefined;
  private label = '';

  /**
   * @param stream - where to draw (stderr)
   * @param enabled - draw at all (see {@link progressEnabled})
   * @param totalBytes - the inputs' total size, when known (enables percentage and ETA)
   * @param intervalMs - minimum time between redraws
   */
  constructor(
    private readonly stream: ProgressStream,
    readonly enabled: boolean,
    private readonly totalBytes: number | undefined,
    private readonly intervalMs = stream.isTTY ? 200 : 2000,
  ) {}

  /** Redraws if the interval has passed. Cheap to call per document. */
  tick(c: ProgressCounts, label = ''): void {
    if (!this.enabled) return;
    this.counts = c;
    this.label = label;
    const now = performance.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.draw(c, label, now);
  }

  /** Erases the progress line on a terminal; elsewhere (forced with --progress) writes the final counts. */
  done(): void {
    if (!this.enabled) return;
    if (this.stream.isTTY) {
      if (this.drawn) this.stream.write('\r\x1b[2K');
    } else if (this.counts) this.draw(this.counts, this.label, performance.now());
    this.drawn = false;
  }

  private draw(c: ProgressCounts, label: string, now: number): void {
    const secs = Math.max((now - this.start) / 1000, 1e-3);
    const parts: string[] = [];
    if (this.totalBytes) {
      const frac = Math.min(c.bytes / this.totalBytes, 1);
      const done = bytesStr(c.bytes);
      const total = bytesStr(this.totalBytes);
      const sameUnit = done.split(' ')[1] === total.split(' ')[1];
      parts.push(`${(frac * 100).toFixed(0).padStart(3)}% ${sameUnit ? done.split(' ')[0] : done}/${total}`);
    } else parts.push(bytesStr(c.bytes));
    parts.push(`${c.documents.toLocaleString('en-US')} docs`, `${count(c.tokens)} tok`);
    parts.push(`${bytesStr(c.bytes / secs)}/s`, `${count(c.tokens / secs)} tok/s`);
    if (this.totalBytes && c.bytes > 0 && c.bytes < this.totalBytes) {
      parts.push(`ETA ${clock(((this.totalBytes - c.bytes) * secs) / c.bytes)}`);
    }
    let line = (label ? `${label}  ` : '') + parts.join('  ');
    const width = this.stream.columns || 100; // 0 when the terminal does not say
    if (width >= 20 && line.length > width - 1) line = line.slice(0, width - 1);
    this.stream.write(this.stream.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
    this.drawn = true;
  }
}

/** `1.5 MB`-style size (decimal units). */
export function bytesStr(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

/** `12.3k`, `4.56M`-style count. */
export function count(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 2 : 1)}k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

/** `m:ss` or `h:mm:ss`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
