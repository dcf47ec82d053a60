/**
 * "A distiller who fights back" (issue 10): every attack of src/simulate/attack.ts swept over its
 * strength knob in the domain-split world (rho 5%, n-gram student), each point measured on both
 * sides (the trace left under every detector variant of defenses.ts, and the share of the
 * distillation gain the distiller keeps), and the null of every variant over 24 seeds of clean
 * students and the prompt-copying control. Sizes and sweeps are fixed in this file before any run.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ksUniform } from '../../src/stats/index.js';
import { ATTACK_KNOBS, type AttackName } from '../../src/simulate/attack.js';
import type { GainReport } from '../../src/simulate/gain.js';
import { clearServerCache, runSimulation, type SimulateOptions, type SimulationResult } from '../../src/simulate/pipeline.js';
import { DEFAULT_ESTIMATOR, type EstimatorOptions } from '../../src/simulate/steal.js';
import { buildWorld } from '../../src/simulate/world.js';
import { checkAgainstDetector, defenses, scorePositions, windowCounts, type DefenseRow } from './defenses.js';
import { simulationKey } from '../../src/simulate/pipeline.js';

/** Progress lines. */
export type Log = (line: string) => void;

/** Sizes of the attack experiments. */
export interface AttackScale {
  readonly name: 'full' | 'quick';
  readonly glosses: number;
  readonly trainTokens: number;
  /** The fixed budget of scored positions (unfiltered). */
  readonly budget: number;
  /** A smaller budget, to show how the evidence grows with N. */
  readonly smallBudget: number;
  /** Largest number of tokens a suspect generates (the filtered test scores what it finds there). */
  readonly suspectTokens: number;
  /** Other answers in the owner's served log, as a multiple of the harvest. */
  readonly filterExtra: number;
  readonly evalTokens: number;
  readonly nullSeeds: number;
  readonly nullTrain: number;
  readonly nullBudget: number;
}

/** The sizes docs/RESULTS.md reports. */
export const ATTACK_FULL: AttackScale = {
  name: 'full',
  glosses: 0,
  trainTokens: 1_000_000,
  // 300,000 rather than the 1M: on the shared 2-core machine (load average about 20 while
  // these ran) a 1M-scored suspect took about 15 minutes to generate and score, and the sweep has
  // 22 points. A point detected at 300k is detected within 1M; one that is not is reported as such.
  budget: 300_000,
  smallBudget: 100_000,
  suspectTokens: 1_500_000,
  filterExtra: 4,
  evalTokens: 10_000,
  nullSeeds: 24,
  nullTrain: 100_000,
  nullBudget: 50_000,
};

/** A small run to check the script. */
export const ATTACK_QUICK: AttackScale = {
  name: 'quick',
  glosses: 20_000,
  trainTokens: 40_000,
  budget: 20_000,
  smallBudget: 5_000,
  suspectTokens: 200_000,
  filterExtra: 1,
  evalTokens: 2_000,
  nullSeeds: 6,
  nullTrain: 30_000,
  nullBudget: 10_000,
};

/** The attacker's estimates: the default (fixed in steal.ts) and the most aggressive one. */
export const ESTIMATES: Readonly<Record<string, EstimatorOptions>> = Object.freeze({
  default: DEFAULT_ESTIMATOR,
  aggressive: { minWindow: 1, minPair: 1, ratio: 1.5 },
});

/** The sweeps (each attack's harmless point is the shared baseline `none`). */
export const SWEEPS: readonly { attack: AttackName; estimator: string | null; strengths: readonly number[]; controls?: boolean }[] = [
  { attack: 'neutralize', estimator: 'default', strengths: [2, 4, 10] },
  // 1.25, 1.5 and 1.75 were added after the first full run: the pooled green rate crossed gamma
  // between delta' 1 (excess) and 2 (deficit), where an attacker could land on exactly gamma.
  { attack: 'neutralize', estimator: 'aggressive', strengths: [1, 1.25, 1.5, 1.75, 2, 3, 4, 6, 10], controls: true },
  { attack: 'scrub', estimator: 'aggressive', strengths: [0.5, 1], controls: true },
  { attack: 'paraphrase', estimator: null, strengths: [0.25, 0.5, 1] },
  { attack: 'dilute', estimator: null, strengths: [1, 4] },
  { attack: 'multi-teacher', estimator: null, strengths: [0.5, 0.9] },
  { attack: 'temperature', estimator: null, strengths: [0.7, 0] },
  { attack: 'top-p', estimator: null, strengths: [0.9] },
];

/** The detector variants of a point, by name. */
export const VARIANTS = [
  'pooled',
  'pooled, filtered',
  'two-sided',
  'two-sided, filtered',
  'strata',
  'strata, filtered',
  'rare windows',
  'rare windows, two-sided',
  'weighted',
  'weighted, filtered',
] as const;

/** A variant's name. */
export type Variant = (typeof VARIANTS)[number];

/** log10 p of every variant from the two rows. */
export function variantP(u: DefenseRow, f: DefenseRow): Record<Variant, number | null> {
  return {
    pooled: u.pooled,
    'pooled, filtered': f.pooled,
    'two-sided': u.twoSided,
    'two-sided, filtered': f.twoSided,
    strata: u.strata,
    'strata, filtered': f.strata,
    'rare windows': u.rare,
    'rare windows, two-sided': u.rareTwoSided,
    weighted: u.weighted,
    'weighted, filtered': f.weighted,
  };
}

/** One point of a sweep. */
export interface AttackPoint {
  attack: AttackName | 'none';
  estimator: string | null;
  strength: number | null;
  gain: GainReport;
  labelled: number | null;
  labelPrecision: number | null;
  rewritten: number;
  generated: number;
  /** At the fixed budget (unfiltered) and every filtered position within the generation cap. */
  unfiltered: DefenseRow;
  filtered: DefenseRow;
  /** The pooled test at the small budget (how the residual grows with N). */
  small: DefenseRow;
  /** Controls put through the same attack (strongest point of each sweep): log10 p per variant. */
  controls: { name: string; p: Record<Variant, number | null> }[] | null;
  seconds: number;
}

/** The whole section's figures. */
export interface AttackResults {
  scale: AttackScale;
  world: Record<string, number | string>;
  baseline: AttackPoint;
  sweeps: { attack: AttackName; estimator: string | null; points: AttackPoint[] }[];
  null: VariantNull;
}

function options(scale: AttackScale, extra: SimulateOptions): SimulateOptions {
  return {
    seed: 'experiments',
    gamma: 0.25,
    delta: 3,
    contextWidth: 2,
    masking: true,
    rho: 0.05,
    trainTokens: scale.trainTokens,
    budget: scale.budget,
    decoys: 0,
    // The filtered tests are computed from the kept documents (defenses.ts), so the pipeline runs
    // one detector and stops generating once the unfiltered budget is reached.
    alsoFiltered: false,
    filterExtra: scale.filterExtra,
    maxSuspectTokens: scale.suspectTokens,
    evalTokens: scale.evalTokens,
    controls: false,
    keepDocuments: true,
    ...(scale.glosses > 0 ? { corpusGlosses: scale.glosses } : {}),
    ...extra,
  };
}

/**
 * Where finished points are kept (by a digest of their options), so that an interrupted run can
 * resume (`--resume`) without redoing them; undefined: no checkpoints.
 */
let checkpoints: string | undefined;
let reuse = false;

/** Keeps every finished point in `dir`; with `resume`, reuses the ones already there. */
export function useCheckpoints(dir: string, resume: boolean): void {
  mkdirSync(dir, { recursive: true });
  checkpoints = dir;
  reuse = resume;
}

function checkpointed<T>(what: unknown, make: () => Promise<T>): Promise<T> {
  if (checkpoints === undefined) return make();
  const file = `${checkpoints}/${createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16)}.json`;
  if (reuse && existsSync(file)) return Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as T);
  return make().then((r) => {
    writeFileSync(file, JSON.stringify(r));
    return r;
  });
}

function point(scale: AttackScale, extra: SimulateOptions, log: Log): Promise<AttackPoint> {
  return checkpointed(['point', options(scale, extra)], () => measurePoint(scale, extra, log));
}

async function measurePoint(scale: AttackScale, extra: SimulateOptions, log: Log): Promise<AttackPoint> {
  const t0 = performance.now();
  const r = await runSimulation(options(scale, extra), (l) => log(`  ${l}`));
  const world = await buildWorld({ teacher: 'ngram', split: 'domain', ...(scale.glosses > 0 ? { glosses: scale.glosses } : {}) });
  const key = simulationKey(r.config.seed, { gamma: r.config.gamma, contextWidth: r.config.contextWidth, vocabSize: world.tokenizer.vocabSize });
  const counts = windowCounts(r.ownerLog!, r.config.contextWidth);
  const score = (docs: SimulationResult['suspect']) => {
    const s = scorePositions(docs.kept!, { key, tokenizer: world.tokenizer, logCounts: counts, teacher: world.teacher, delta: r.config.delta });
    return s;
  };
  const s = score(r.suspect);
  checkAgainstDetector(r.suspect.kept!, s, key, world.tokenizer);
  if (extra.attack === 'none') checkAgainstDetector(r.suspect.kept!, s, key, world.tokenizer, r.ownerLog!);
  const unfiltered = defenses(s, scale.budget, false);
  const ownFilter = defenses(s, Infinity, true);
  if (unfiltered.scored !== r.suspect.detection.scored || unfiltered.green !== r.suspect.detection.green) {
    throw new Error(`attacks: the prototype's budgeted count differs from the pipeline's (${unfiltered.green}/${unfiltered.scored} vs ${r.suspect.detection.green}/${r.suspect.detection.scored})`);
  }
  const controls = r.controls.length
    ? r.controls.map((c) => {
        const cs = score(c);
        return { name: c.name, p: variantP(defenses(cs, scale.budget, false), defenses(cs, Infinity, true)) };
      })
    : null;
  const a = r.attack!;
  const out: AttackPoint = {
    attack: a.name as AttackName,
    estimator: extra.estimator ? (Object.entries(ESTIMATES).find(([, e]) => e === extra.estimator)?.[0] ?? 'custom') : null,
    strength: a.strength ?? null,
    gain: a.gain,
    labelled: a.labelled,
    labelPrecision: a.labelPrecision,
    rewritten: a.rewritten + a.furtherTokens,
    generated: r.suspect.generatedTokens,
    unfiltered,
    filtered: ownFilter,
    small: defenses(s, scale.smallBudget, false),
    controls,
    seconds: (performance.now() - t0) / 1000,
  };
  log(
    `${out.attack} ${out.strength ?? ''} ${out.estimator ?? ''}: kept ${out.gain.kept === null ? '-' : (100 * out.gain.kept).toFixed(1)}%, ` +
      `pooled ${out.unfiltered.pooled?.toFixed(2)} (z ${out.unfiltered.z?.toFixed(2)}), filtered ${out.filtered.pooled?.toFixed(2)} (z ${out.filtered.z?.toFixed(2)}), ` +
      `two-sided ${out.unfiltered.twoSided?.toFixed(2)}, strata ${out.unfiltered.strata?.toFixed(2)}/${out.filtered.strata?.toFixed(2)}, rare ${out.unfiltered.rare?.toFixed(2)}, ` +
      `weighted ${out.unfiltered.weighted?.toFixed(2)} (${out.seconds.toFixed(0)} s)`,
  );
  return out;
}

/**
 * Runs every sweep.
 * @param scale - sizes
 * @param log - progress
 */
export async function attackSweeps(scale: AttackScale, log: Log): Promise<Omit<AttackResults, 'null'>> {
  const baseline = await point(scale, { attack: 'none', controls: true }, log);
  const sweeps: AttackResults['sweeps'] = [];
  for (const sw of SWEEPS) {
    const knob = ATTACK_KNOBS[sw.attack]!;
    const points: AttackPoint[] = [];
    for (const [i, strength] of sw.strengths.entries()) {
      const strongest = sw.controls === true && i === sw.strengths.length - 1;
      points.push(
        await point(
          scale,
          { attack: sw.attack, attackStrength: strength, ...(sw.estimator ? { estimator: ESTIMATES[sw.estimator]! } : {}), controls: strongest },
          log,
        ),
      );
    }
    sweeps.push({ attack: sw.attack, estimator: sw.estimator, points });
    log(`sweep ${sw.attack} (${knob.meaning}) done`);
  }
  const world = await buildWorld({ teacher: 'ngram', split: 'domain', ...(scale.glosses > 0 ? { glosses: scale.glosses } : {}) });
  return { scale, world: world.facts, baseline, sweeps };
}

/** The null of every variant: clean students (and the prompt-copying control) over many seeds. */
export interface VariantNull {
  seeds: number;
  options: SimulateOptions;
  /** Per variant: log10 p of every control (rho = 0 then prompt copying, seed by seed), KS against uniform, smallest p. */
  variants: Record<Variant, { values: (number | null)[]; ks: { statistic: number; pValue: number }; min: number }>;
  /** Suspect (watermarked, rho 5%) pooled log10 p per seed, for contrast. */
  suspect: (number | null)[];
}

/**
 * The null of every detector variant: per seed a fresh key and fresh sampling, the domain world,
 * the rho = 0 control and the prompt-copying control, each scored by every variant.
 * @param scale - sizes
 * @param log - progress
 */
export async function variantNull(scale: AttackScale, log: Log): Promise<VariantNull> {
  const base: SimulateOptions = {
    ...options(scale, { attack: 'none', controls: true, controlPrompts: 200 }),
    trainTokens: scale.nullTrain,
    budget: scale.nullBudget,
    maxSuspectTokens: 10 * scale.nullBudget,
    evalTokens: 1_000,
  };
  const values = Object.fromEntries(VARIANTS.map((v) => [v, [] as (number | null)[]])) as Record<Variant, (number | null)[]>;
  const suspect: (number | null)[] = [];
  const world = await buildWorld({ teacher: 'ngram', split: 'domain', ...(scale.glosses > 0 ? { glosses: scale.glosses } : {}) });
  for (let i = 1; i <= scale.nullSeeds; i++) {
    const seed = `null-${i}`;
    const one = await checkpointed(['null', { ...base, seed }], async () => {
      const r = await runSimulation({ ...base, seed });
      const key = simulationKey(seed, { gamma: 0.25, contextWidth: 2, vocabSize: world.tokenizer.vocabSize });
      const counts = windowCounts(r.ownerLog!, 2);
      const controls = r.controls.map((c) => {
        const s = scorePositions(c.kept!, { key, tokenizer: world.tokenizer, logCounts: counts, teacher: world.teacher, delta: 3 });
        return variantP(defenses(s, scale.nullBudget, false), defenses(s, Infinity, true));
      });
      log(`null seed ${i}: controls ${r.controls.map((c) => c.detection.log10PValue?.toFixed(2)).join(', ')}`);
      clearServerCache();
      return { suspect: r.suspect.detection.log10PValue, controls };
    });
    suspect.push(one.suspect);
    for (const p of one.controls) for (const v of VARIANTS) values[v].push(p[v]);
  }
  const variants = Object.fromEntries(
    VARIANTS.map((v) => {
      const xs = values[v].filter((x): x is number => x !== null);
      const k = ksUniform(xs.map((l) => Math.min(1, 10 ** l)));
      return [v, { values: values[v], ks: { statistic: k.statistic, pValue: k.pValue }, min: Math.min(...xs) }];
    }),
  ) as VariantNull['variants'];
  return { seeds: scale.nullSeeds, options: base, variants, suspect };
}

/** The frontier of one variant on one sweep: the first strength whose log10 p rises above -6. */
export function frontier(points: readonly AttackPoint[], variant: Variant): { strength: number | null; kept: number | null; log10P: number | null } | null {
  for (const pt of points) {
    const l = variantP(pt.unfiltered, pt.filtered)[variant];
    if (l !== null && l > -6) return { strength: pt.strength, kept: pt.gain.kept, log10P: l };
  }
  return null;
}
