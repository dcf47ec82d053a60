/**
 * The check the runtime adapters run on the watermark they are given (no dependency on the rest of
 * the sampler, so an adapter's entry point stays small).
 *
 * @internal
 * @module
 */
import { typeError } from '../assert.js';
import { RadiomarkError } from '../errors.js';
import type { FamilyWatermark } from './family.js';
import type { Watermark } from './watermark.js';

/**
 * @internal Throws unless `value` is a single-key {@link Watermark} (for the runtime adapters): a
 * {@link FamilyWatermark} gets RadiomarkError `KEY_MISMATCH` (pass `fwm.member(cohort, epoch)`),
 * anything else a RadiomarkTypeError.
 */
export function checkWatermark(api: string, field: string, value: unknown): asserts value is Watermark {
  if (value !== null && typeof value === 'object' && typeof (value as { member?: unknown }).member === 'function') {
    const family = (value as FamilyWatermark).family;
    throw new RadiomarkError(
      'KEY_MISMATCH',
      `${api}: "${field}" is the watermark of a key family (${String(family)}); pass one member's watermark, fwm.member(cohort, epoch), per request`,
      { api, field },
    );
  }
  if (value === null || typeof value !== 'object' || typeof (value as { session?: unknown }).session !== 'function' || typeof (value as { greenList?: unknown }).greenList !== 'object') {
    throw typeError(api, field, 'a Watermark from createWatermark', value);
  }
}
