import { describe, expect, it } from 'vitest';
import { run } from '../examples-helpers.js';

/** examples/detect-corpus.ts end to end against the built package (test/examples.test.ts runs the quick ones). */
describe('examples/ (slow)', () => {
  it('detect-corpus.ts: the distilled student is detected, the control student is not, the pasted span is found', () => {
    const r = run('detect-corpus.ts');
    expect(r.status, r.err).toBe(0);
    const section = (title: string): string => r.out.split('\n== ').find((s) => s.startsWith(title)) ?? '';
    expect(section('suspect 1')).toMatch(/"verdict": "detected"/);
    expect(section('suspect 2')).toMatch(/"verdict": "not-detected"/);
    expect(section('windowed detection')).toMatch(/"verdict": "detected"/);
  });
});
