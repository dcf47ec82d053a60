/**
 * The tag that makes the program's entry module run as one of `detect`'s tokenizer threads
 * instead of the command line (src/bin/radiomark.ts checks it before anything else loads).
 *
 * @module
 */
import { isMainThread, workerData } from 'node:worker_threads';

/** The `workerData.radiomark` value of a tokenizer thread. */
export const TOKENIZER_THREAD_TAG = 'radiomark-tokenize-worker';

/** Whether this thread was started as a tokenizer thread. */
export function isTokenizerThread(): boolean {
  return !isMainThread && (workerData as { radiomark?: unknown } | null)?.radiomark === TOKENIZER_THREAD_TAG;
}
