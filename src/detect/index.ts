/**
 * The investigation side: a corpus-level radioactivity detector with exact statistics and an honest
 * null (position rules R0-R4 of docs/detection.md and the filter, a compact deduplication set, the
 * pooled exact binomial test, decoy keys, key acceptance, windowed and multi-key detection).
 *
 * @module radiomark/detect
 */
export { createDetector } from './detector.js';
export { randomizedPValue } from './result.js';
export {
  DEFAULT_ALPHA,
  DECOY_KS_ALPHA,
  MAX_DECOYS,
  DETECTOR_STATE_FORMAT,
  type Detector,
  type DetectorOptions,
  type AddOptions,
  type DetectionResult,
  type DetectorState,
  type DocumentScore,
  type CurvePoint,
  type DecoyReport,
  type SkipCounts,
  type Verdict,
  type Alternative,
  type StrataMethod,
  type StrataOptions,
  type WeightOptions,
  type ScopeOptions,
  type TestName,
  type TwoSidedReport,
  type StratumScore,
  type StrataReport,
  type WeightedReport,
  type FamilyLayer,
  type MemberScore,
  type AttributionLine,
  type FamilyReport,
} from './types.js';
export { checkKey, CHECK_KEY_ALPHA, type CheckKeyOptions, type KeyCheckResult } from './check-key.js';
export { detectWindows, createWindowDetector, type WindowDetector, type WindowOptions, type WindowResult, type WindowScore } from './windows.js';
export { createMultiKeyDetector, type MultiKeyOptions, type MultiKeyDetector, type MultiKeyResult, type KeyLine } from './multi-key.js';
