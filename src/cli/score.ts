/**
 * `detect`'s reading loop: every source in order, each line or text prepared on this thread or in
 * tokenizer threads, and handed to the {@link Corpus} in input order, so that the figures and the
 * order of bad-line reports are the same for every `--threads` value.
 *
 * @module
 */
import type { MultiKeyResult } from '../detect/index.js';
import type { InputJson } from '../report/model.js';
import type { BadLineReason, BadLines, BadSink } from './bad-lines.js';
import { Corpus, type ScoreConfig } from './corpus.js';
import type { InputSource } from './inputs.js';
import { KeyMaterialScan } from './key-material.js';
import { TokenizerPool } from './pool.js';
import { prepareLine, prepareText, type PrepareConfig, type Prepared } from './prepare.js';
import { readSource, type ByteSource, type InputFormat } from './read-source.js';

/** A batch sent to a tokenizer thread closes at this many characters or documents. */
const BATCH_CHARS = 1 << 18;
const BATCH_DOCS = 512;

/** What the reading loop needs beside the scoring configuration. */
export interface ReadConfig {
  readonly format: InputFormat | 'auto';
  readonly prepare: PrepareConfig;
  /** Tokenizer threads (0: prepare on this thread). */
  readonly threads: number;
  /** The program's entry module, which tokenizer threads run. */
  readonly workerEntry: URL | undefined;
  /** What tokenizer threads load (a name or a path), undefined for pre-tokenized input. */
  readonly tokenizerSpec: string | undefined;
  readonly stdin: ByteSource | undefined;
  /** Called as bytes and documents come in (the progress line). */
  readonly onProgress: (c: { bytes: number; documents: number; tokens: number }) => void;
}

/** What a scoring run found. */
export interface ScoreRun {
  readonly result: MultiKeyResult;
  readonly corpus: Corpus;
  readonly inputs: InputJson[];
  readonly bytes: number;
  readonly seconds: number;
  readonly warnings: string[];
}

/**
 * Hands prepared documents to the corpus in input order: directly, or through tokenizer threads
 * with a FIFO of batches. A bad line found while reading (invalid UTF-8, an empty file, a line
 * over the cap) goes through the same FIFO, so it is reported after every earlier line.
 */
class Feeder {
  private readonly inflight: { src: number; results: Promise<Prepared[]> }[] = [];
  private batch: { kind: 'jsonl' | 'text'; src: number; texts: string[]; wheres: string[]; chars: number } | undefined;

  constructor(
    private readonly corpus: Corpus,
    private readonly cfg: PrepareConfig,
    private readonly tok: ScoreConfig['tokenizer'],
    private readonly pool: TokenizerPool | undefined,
  ) {}

  line(src: number, text: string, where: string): void {
    if (this.pool) this.queue('jsonl', src, text, where);
    else this.corpus.handle(prepareLine(this.cfg, this.tok, text, where), src);
  }

  text(src: number, text: string, where: string): void {
    if (this.pool) this.queue('text', src, text, where);
    else this.corpus.handle(prepareText(this.cfg, this.tok!, text, where), src);
  }

  /** A sink for bad lines found while reading source `src`, kept in order with the documents. */
  badSink(src: number): BadSink {
    return {
      add: (where: string, reason: BadLineReason, message: string) => {
        const r: Prepared = { where, bad: { reason, message } };
        if (!this.pool) return this.corpus.handle(r, src);
        this.flush();
        this.inflight.push({ src, results: Promise.resolve([r]) });
      },
    };
  }

  private queue(kind: 'jsonl' | 'text', src: number, text: string, where: string): void {
    if (!this.batch || this.batch.kind !== kind || this.batch.src !== src) {
      this.flush();
      this.batch = { kind, src, texts: [], wheres: [], chars: 0 };
    }
    const b = this.batch;
    b.texts.push(text);
    b.wheres.push(where);
    b.chars += text.length;
    if (b.chars >= BATCH_CHARS || b.texts.length >= BATCH_DOCS) this.flush();
  }

  flush(): void {
    const b = this.batch;
    if (!b || b.texts.length === 0) return;
    const results = this.pool!.run(b.kind, b.texts, b.wheres);
    results.catch(() => undefined); // rejections surface when awaited, in order
    this.inflight.push({ src: b.src, results });
    this.batch = undefined;
  }

  /** Hands finished batches to the corpus until at most `max` are in flight. */
  async drain(max: number): Promise<void> {
    while (this.inflight.length > max) {
      const { src, results } = this.inflight.shift()!;
      for (const r of await results) this.corpus.handle(r, src);
    }
  }
}

/** Reads every source through `feed`, returning each source's input record. */
async function readAll(sources: readonly InputSource[], rc: ReadConfig, feed: Feeder, corpus: Corpus, bad: BadLines, scan: () => KeyMaterialScan): Promise<{ inputs: InputJson[]; bytes: number; warnings: string[] }> {
  const inputs: InputJson[] = [];
  const warnings: string[] = [];
  let bytes = 0;
  const progress = (): void => rc.onProgress({ bytes, documents: corpus.documents, tokens: corpus.tokens });
  for (let si = 0; si < sources.length; si++) {
    const source = sources[si]!;
    let format: InputFormat = 'text';
    const st = await readSource(source, { format: rc.format, bad: feed.badSink(si), scan: scan(), stdin: rc.stdin }, {
      onFormat: (f) => (format = f),
      onBytes: (n) => {
        bytes += n;
        progress();
      },
      onLine: (line, where) => feed.line(si, line, where),
      onText: (text, where) => feed.text(si, text, where),
      afterChunk: rc.threads > 0 ? () => feed.drain(2 * rc.threads) : undefined,
    });
    if (st.truncated) warnings.push(`${source.path === '-' ? '<stdin>' : source.path}: only the first ${st.bytes} bytes were read (a line or text over the size cap)`);
    inputs.push({ path: source.path, sha256: st.sha256, bytes: st.bytes, format, documents: 0, lines: st.lines, blankLines: st.blankLines, badLines: 0 });
  }
  feed.flush();
  await feed.drain(0);
  inputs.forEach((input, si) => {
    input.documents = corpus.perSource[si]!;
    input.badLines = bad.bySource[si] ?? 0;
  });
  progress();
  return { inputs, bytes, warnings };
}

/**
 * Reads the sources and scores them under every key.
 *
 * @param sc - keys, tokenizer and detector options
 * @param rc - formats, preparation, threads, progress
 * @param sources - the inputs, in order
 * @param bad - the bad-line counter
 * @returns the result, the corpus (locations, sample, windows) and one record per input
 * @throws CliError for unreadable inputs, key material among them, bad lines (unless skipping),
 *   or when no document could be read
 */
export async function scoreSources(sc: ScoreConfig, rc: ReadConfig, sources: readonly InputSource[], bad: BadLines): Promise<ScoreRun> {
  const start = performance.now();
  const corpus = new Corpus(sc, sources, bad);
  const pool = rc.threads > 0 ? new TokenizerPool(rc.workerEntry!, rc.threads, { tokenizer: rc.tokenizerSpec, cfg: rc.prepare }) : undefined;
  const secrets = sc.keys.map((k) => ({ fingerprint: k.key.fingerprint, hex: k.secretHex() }));
  let read;
  try {
    read = await readAll(sources, rc, new Feeder(corpus, rc.prepare, sc.tokenizer, pool), corpus, bad, () => new KeyMaterialScan(secrets));
  } finally {
    await pool?.close();
  }
  return { result: corpus.result(), corpus, inputs: read.inputs, bytes: read.bytes, seconds: (performance.now() - start) / 1000, warnings: read.warnings };
}
