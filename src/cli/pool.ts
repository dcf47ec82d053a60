/**
 * `detect`'s tokenizer threads: parse, normalize and encode batches of documents off the main
 * thread, which feeds the detector in input order.
 *
 * @module
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { loadTokenizer, type Tokenizer } from '../tokenize/index.js';
import { prepareLine, prepareText, type PrepareConfig, type Prepared } from './prepare.js';
import { TOKENIZER_THREAD_TAG as WORKER_TAG } from './thread-tag.js';

/** What a tokenizer thread is started with. */
export interface WorkerInit {
  readonly radiomark: typeof WORKER_TAG;
  /** Tokenizer spec (name or path), loaded by each thread; undefined for pre-tokenized input. */
  readonly tokenizer: string | undefined;
  readonly cfg: PrepareConfig;
}

interface Job {
  id: number;
  kind: 'jsonl' | 'text';
  texts: string[];
  wheres: string[];
}

type Reply = { id: number; results: Prepared[] } | { id: number; error: string };

/** The body of a tokenizer thread: load the tokenizer, then prepare batches until closed. */
export async function runTokenizerThread(): Promise<void> {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  let tok: Tokenizer | undefined;
  let failure: string | undefined;
  try {
    tok = init.tokenizer === undefined ? undefined : await loadTokenizer(init.tokenizer);
  } catch (e) {
    failure = (e as Error).message;
  }
  port.on('message', (job: Job) => {
    let reply: Reply;
    if (failure !== undefined) reply = { id: job.id, error: failure };
    else {
      try {
        const results = job.texts.map((t, i) =>
          job.kind === 'jsonl' ? prepareLine(init.cfg, tok, t, job.wheres[i]!) : prepareText(init.cfg, tok!, t, job.wheres[i]!),
        );
        reply = { id: job.id, results };
      } catch (e) {
        reply = { id: job.id, error: (e as Error).message };
      }
    }
    port.postMessage(reply);
  });
}

/**
 * A fixed set of tokenizer threads. Batches go round-robin; each {@link TokenizerPool.run} resolves
 * with the batch's documents in order. The caller keeps batches in order (a FIFO of promises), so
 * the detector sees documents exactly as a single thread would: results do not depend on the
 * thread count.
 */
export class TokenizerPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve(r: Prepared[]): void; reject(e: Error): void }>();
  private next = 0;
  private rr = 0;
  private dead: Error | undefined;

  /**
   * @param entry - the program's entry module (runs {@link runTokenizerThread} when tagged)
   * @param count - number of threads, >= 1
   * @param init - tokenizer spec and preparation settings
   */
  constructor(entry: URL, count: number, init: Omit<WorkerInit, 'radiomark'>) {
    const data: WorkerInit = { radiomark: WORKER_TAG, ...init };
    this.workers = Array.from({ length: count }, () => {
      const w = new Worker(entry, { workerData: data });
      w.on('message', (r: Reply) => {
        const p = this.waiting.get(r.id);
        if (!p) return;
        this.waiting.delete(r.id);
        if ('error' in r) p.reject(new Error(`tokenizer thread: ${r.error}`));
        else p.resolve(r.results);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`tokenizer thread exited with code ${code}`));
      });
      return w;
    });
  }

  /** Number of threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Prepares a batch of JSONL lines or whole texts on the next thread. */
  run(kind: 'jsonl' | 'text', texts: string[], wheres: string[]): Promise<Prepared[]> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    const w = this.workers[this.rr++ % this.workers.length]!;
    return new Promise<Prepared[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, kind, texts, wheres } satisfies Job);
    });
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    this.dead ??= new Error('tokenizer pool closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
