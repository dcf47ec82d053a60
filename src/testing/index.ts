/**
 * fast-check arbitraries and property helpers, for radiomark's own suites and for users'
 * property-based suites (`import { keyArbitrary } from 'radiomark/testing'`). Needs `fast-check`
 * (a peer of this entry point) in the user's dev dependencies.
 *
 * @module radiomark/testing
 */
export { keyArbitrary, configArbitrary, contextArbitrary, logitsArbitrary, type SchemeConfigSample } from './arbitraries.js';
export {
  seededRandom,
  biasedDistribution,
  chiSquareTest,
  chiSquareSurvival,
  checkSamplerDistribution,
  checkGreenFrequency,
  sampleOptionsArbitrary,
  type ChiSquareResult,
  type DistributionCheckOptions,
  type GreenFrequencyOptions,
  type GreenFrequencyResult,
  type SampleOptionsSample,
} from './sampler.js';
