// The detector and the key/scheme functions it must share (one module graph: `SecretKey` is
// checked with instanceof), for runs where the detector has no dist/ entry yet.
export { createDetector } from '../../src/detect/index.js';
export { keyFromBytes } from '../../src/key/index.js';
export { createGreenList } from '../../src/scheme/index.js';
