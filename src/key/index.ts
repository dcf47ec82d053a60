/**
 * Secret keys: generation, the versioned key file, fingerprints and derived keys.
 *
 * @module radiomark/key
 */
export { SecretKey, generateKey, keyFromBytes, deriveKey, KEY_BYTES, type KeyParams } from './secret-key.js';
export { serializeKey, parseKey, KEY_FILE_FORMAT, KEY_FILE_VERSION, type KeyFileV1 } from './key-file.js';
export { checkParam, MAX_CONTEXT_WIDTH, MAX_VOCAB_SIZE } from './params.js';
