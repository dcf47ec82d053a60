/**
 * Keeping key material out of the suspect inputs: a scan of every byte read for the secrets of the
 * keys in use and for the marks of a key file, so that a key file (or a copy of its secret) among
 * the inputs is refused before any of its text could reach a message, the JSON or the report.
 *
 * @module
 */

/** The mark of a radiomark key file (any version or kind: `"radiomark-key`...). */
const KEY_FILE_MARK = Buffer.from('"radiomark-key', 'latin1');
/** A key file's secret field. */
const SECRET_FIELD = Buffer.from('"secret"', 'latin1');
/** Bytes kept from the previous chunk, so that a mark split across chunks is found. */
const OVERLAP = 160;

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46);
}

/** Whether `"secret"` at `at` is followed by `: "` and a run of at least 32 hex digits. */
function secretFieldAt(buf: Buffer, at: number): boolean {
  let i = at + SECRET_FIELD.length;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  if (buf[i++] !== 0x3a) return false;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  if (buf[i++] !== 0x22) return false;
  let n = 0;
  while (i + n < buf.length && isHex(buf[i + n]!)) n++;
  return n >= 32;
}

/** A secret to look for: its hex digits (from the key file) and the key's fingerprint. */
export interface KeySecret {
  readonly fingerprint: string;
  readonly hex: string;
}

/**
 * Scans a stream of chunks for key material: the secret (as hex, either case) of any key in use,
 * the format mark of a key file, or a `"secret": "<hex>"` field. Construct one per input.
 */
export class KeyMaterialScan {
  private readonly secrets: { fingerprint: string; hex: Buffer[] }[];
  private tail: Buffer = Buffer.alloc(0);

  /** @param keys - the secrets in use (hex, as their key files hold them) and their fingerprints */
  constructor(keys: readonly KeySecret[]) {
    this.secrets = keys.map((k) => ({
      fingerprint: k.fingerprint,
      hex: [Buffer.from(k.hex.toLowerCase(), 'latin1'), Buffer.from(k.hex.toUpperCase(), 'latin1')],
    }));
  }

  /**
   * Looks at the next chunk (with the end of the previous one).
   *
   * @param chunk - the bytes just read
   * @returns why the input must be refused (never quoting it) and where in `chunk` the find
   *   begins (negative when it began in the previous chunk), or undefined
   */
  scan(chunk: Uint8Array): { why: string; at: number } | undefined {
    const tail = this.tail.length;
    const buf = tail ? Buffer.concat([this.tail, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.tail = Buffer.from(buf.subarray(Math.max(0, buf.length - OVERLAP)));
    for (const s of this.secrets) {
      const at = Math.min(...s.hex.map((h) => buf.indexOf(h)).filter((i) => i >= 0));
      if (at !== Infinity) return { why: `holds the secret of key ${s.fingerprint}`, at: at - tail };
    }
    const mark = buf.indexOf(KEY_FILE_MARK);
    if (mark >= 0) return { why: 'is (or holds) a radiomark key file', at: mark - tail };
    for (let at = buf.indexOf(SECRET_FIELD); at >= 0; at = buf.indexOf(SECRET_FIELD, at + 1)) {
      if (secretFieldAt(buf, at)) return { why: 'holds a "secret" field with a hex key', at: at - tail };
    }
    return undefined;
  }
}

/**
 * The message refusing an input that holds key material (it names the input and the key, never
 * the content).
 *
 * @param name - the input's name
 * @param why - what {@link KeyMaterialScan.scan} found
 * @param use - what the input would have been used for
 */
export function keyMaterialMessage(name: string, why: string, use = 'read as suspect text'): string {
  return `${name} ${why}: key material is never ${use} (remove the key file from the inputs)`;
}

/**
 * Runs of at least 16 hex digits in a key file's text (its secret, its fingerprint, and anything a
 * hand edit put elsewhere): what a message about that file must never quote.
 *
 * @param text - the key file's text
 */
export function hexRuns(text: string): string[] {
  return (text.match(/[0-9a-fA-F]{16,}/g) ?? []).map((r) => r.toLowerCase());
}

/**
 * Whether `message` quotes 8 or more consecutive characters of any of `runs` (any case).
 *
 * @param message - a message about to be printed
 * @param runs - from {@link hexRuns}
 */
export function quotesAny(message: string, runs: readonly string[]): boolean {
  const m = message.toLowerCase();
  return runs.some((r) => {
    for (let i = 0; i + 8 <= r.length; i++) if (m.includes(r.slice(i, i + 8))) return true;
    return false;
  });
}

/**
 * `text` with every run of hex digits that quotes 8 or more consecutive characters of one of
 * `secrets` replaced by `[key material withheld]`; the rest (file, line, field) is kept.
 *
 * @param text - a message or stack trace about to be printed
 * @param secrets - the secrets in use (hex)
 */
export function withholdSecrets(text: string, secrets: readonly string[]): string {
  return text.replace(/[0-9a-fA-F]{8,}/g, (run) => (quotesAny(run, secrets) ? '[key material withheld]' : run));
}

/**
 * Runs `f`; an error it throws whose message (or stack) would quote one of `secrets` (another
 * room's message quoting a tokenizer file or an input that holds the secret) has those digits
 * withheld before it goes on: a safety net under the scan of every input. The error keeps its
 * class, code and data, so it maps to the same exit status.
 *
 * @param secrets - the secrets in use (hex)
 * @param f - the work
 */
export async function withholdingSecrets<T>(secrets: readonly string[], f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof Error && quotesAny(`${e.message}\n${e.stack ?? ''}`, secrets)) {
      e.message = withholdSecrets(e.message, secrets);
      if (e.stack !== undefined) e.stack = withholdSecrets(e.stack, secrets);
    }
    throw e;
  }
}
