/**
 * Sizes that more than one room must agree on, kept apart so that no room imports another for a
 * number: the tokenizer room refuses ids a key cannot bind, and the key room validates the
 * vocabulary size it binds, against the same bound, without the tokenizer room depending on keys.
 *
 * @module
 */

/** Largest supported vocabulary size (the per-token table holds 4 bytes per id: 64 MiB at this size). */
export const MAX_VOCAB_SIZE = 2 ** 24;
