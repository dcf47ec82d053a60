/**
 * Secret keys: generation, the versioned key file, fingerprints, derived keys, and key families
 * (one master key, a derived key per cohort of accounts and per epoch; docs/SPEC.md §2.1).
 *
 * @module radiomark/key
 */
export { SecretKey, generateKey, keyFromBytes, deriveKey, KEY_BYTES, type KeyParams } from './secret-key.js';
export {
  KeyFamily,
  createKeyFamily,
  generateKeyFamily,
  isKeyFamily,
  MAX_COHORTS,
  MAX_EPOCH,
  MAX_EPOCH_DAYS,
  type KeyFamilyOptions,
  type KeyFamilyMember,
} from './family.js';
export {
  serializeKey,
  parseKey,
  serializeKeyFamily,
  parseKeyFamily,
  parseKeyFile,
  KEY_FILE_FORMAT,
  KEY_FAMILY_FILE_FORMAT,
  KEY_FILE_VERSION,
  type KeyFileV1,
  type KeyFamilyFileV1,
} from './key-file.js';
export { MAX_CONTEXT_WIDTH, MAX_VOCAB_SIZE } from './params.js';
