/**
 * `npm run experiments:accounts`: the many-accounts scenario of issue 11 section 3 (key families,
 * attribution to cohorts and epochs, key diversity against neutralization), saved to
 * docs/results/accounts.json and rendered into docs/RESULTS.md (section 10) between its markers.
 *
 *   npm run experiments:accounts            # the run docs/RESULTS.md reports
 *   npm run experiments:accounts -- --quick # tiny, writes test-output/accounts-quick.*
 *   npm run experiments:accounts -- --render
 *   npm run experiments:accounts -- --resume  # after an interruption: keep the runs saved in
 *                                             # test-output/accounts-partial.json (every run is
 *                                             # seeded, so a resumed run gives the same figures)
 *
 * Sizes are fixed here before any run. Each row is one seeded run of `runAccountsScenario`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fraudCohortCounts, resolveAccountsOptions, runAccountsScenario, type AccountsOptions, type AccountsResult, type FamilyDetection } from '../../src/simulate/accounts.js';
import { clearServerCache, formatLog10, simulationKey } from '../../src/simulate/pipeline.js';
import { createKeyFamily } from '../../src/key/index.js';
import { loadTokenizer } from '../../src/tokenize/index.js';
import { createLog } from './run-log.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, render: { type: 'boolean' }, resume: { type: 'boolean' } }, strict: true });
const t0 = performance.now();
const log = createLog();

const SIZE = values.quick
  ? { trainTokens: 40_000, budget: 20_000, seeds: 3, corpusGlosses: 20_000, accounts: 2_000 }
  : { trainTokens: 400_000, budget: 300_000, seeds: 24, corpusGlosses: 0, accounts: 24_000 };
const target = values.quick ? 'test-output/accounts-quick.json' : 'docs/results/accounts.json';
const BASE: AccountsOptions = { trainTokens: SIZE.trainTokens, budget: SIZE.budget, corpusGlosses: SIZE.corpusGlosses, accounts: SIZE.accounts, rho: 0.05 };

/** The rows (label, options). */
const ROWS: readonly [string, AccountsOptions][] = [
  ['single key (K = 1), the same harvest', { cohorts: 1, fraudCohorts: 0 }],
  ['K = 16, distiller in 2 cohorts', { cohorts: 16, fraudCohorts: 2 }],
  ['K = 16, distiller spread over all cohorts', { cohorts: 16, fraudCohorts: 0 }],
  ['K = 16, 2 cohorts, rho 2%', { cohorts: 16, fraudCohorts: 2, rho: 0.02 }],
  ['K = 4 x 4 epochs, 2 cohorts, active in epochs 1 and 2', { cohorts: 4, epochs: 4, fraudCohorts: 2, fraudEpochs: [1, 2] }],
  ["key diversity: K = 1, neutralize delta' 4 (aggressive estimate)", { cohorts: 1, fraudCohorts: 0, neutralize: { delta: 4, estimator: { minWindow: 1, minPair: 1 } } }],
  ["key diversity: K = 16 spread, neutralize delta' 4 (aggressive estimate)", { cohorts: 16, fraudCohorts: 0, neutralize: { delta: 4, estimator: { minWindow: 1, minPair: 1 } } }],
];

interface Saved {
  command: string;
  date: string;
  seconds: number;
  size: typeof SIZE;
  rows: { label: string; options: AccountsOptions; result: Omit<AccountsResult, 'ms'> }[];
  /** The 24-seed check of the K = 16, 2-cohort row: per seed, true cohorts found and false ones flagged. */
  seeds: { seed: string; truth: number[]; flagged: number[]; fired: boolean; controlFired: boolean; minPLog10P: number; log10P: number; controlLog10P: number | null; cohorts: FamilyDetection['cohorts'] }[];
}

async function run(): Promise<Saved> {
  const partialFile = values.quick ? 'test-output/accounts-quick-partial.json' : 'test-output/accounts-partial.json';
  type Partial = { size: typeof SIZE; seconds: number; rows: Saved['rows']; seeds: Saved['seeds'] };
  const prior: Partial | null = values.resume && existsSync(partialFile) ? (JSON.parse(readFileSync(partialFile, 'utf8')) as Partial) : null;
  if (prior && JSON.stringify(prior.size) !== JSON.stringify(SIZE)) throw new Error(`--resume: ${partialFile} was run at other sizes`);
  const rows: Saved['rows'] = [];
  const seeds: Saved['seeds'] = [];
  const before = prior?.seconds ?? 0;
  // After each run, what is done so far (a crash late in a long run loses nothing; --resume).
  const partial = (): void => writeFileSync(partialFile, JSON.stringify({ size: SIZE, seconds: before + (performance.now() - t0) / 1000, rows, seeds }, null, 1));
  for (const [label, o] of ROWS) {
    const done = prior?.rows.find((r) => r.label === label);
    if (done) {
      rows.push(done);
      log(`== ${label}: kept from ${partialFile}`);
      continue;
    }
    log(`== ${label}`);
    const { ms: _ms, ...result } = await runAccountsScenario({ ...BASE, seed: 'experiments', ...o }, (l) => log(`  ${l}`));
    rows.push({ label, options: o, result });
    partial();
    clearServerCache();
  }
  for (let i = 1; i <= SIZE.seeds; i++) {
    const seed = `accounts-${i}`;
    const done = prior?.seeds.find((x) => x.seed === seed);
    if (done) {
      seeds.push(done);
      continue;
    }
    const r = await runAccountsScenario({ ...BASE, seed, cohorts: 16, fraudCohorts: 2 });
    const truth = Object.keys(r.truth.cohorts).map(Number);
    const flagged = (r.suspect.cohorts ?? []).filter((c) => c.flagged).map((c) => c.cohort);
    seeds.push({ seed, truth, flagged, fired: r.suspect.fired, controlFired: r.control?.fired ?? false, minPLog10P: r.suspect.minPLog10P, log10P: r.suspect.log10P, controlLog10P: r.control?.log10P ?? null, cohorts: r.suspect.cohorts });
    log(`seed ${i}: truth ${truth.join(',')}, flagged ${flagged.join(',') || 'none'}, family test 10^${r.suspect.log10P.toFixed(1)}`);
    partial();
    clearServerCache();
  }
  return { command: values.quick ? 'npm run experiments:accounts -- --quick' : 'npm run experiments:accounts', date: new Date().toISOString().slice(0, 10), seconds: before + (performance.now() - t0) / 1000, size: SIZE, rows, seeds };
}

const BEGIN = '<!-- accounts:begin (generated by npm run experiments:accounts; do not edit by hand) -->';
const END = '<!-- accounts:end -->';

type Row = Saved['rows'][number];
const fmt = (l: number): string => formatLog10(l);
const f2 = (x: number): string => x.toFixed(2);
const pct = (x: number, d = 0): string => `${(100 * x).toFixed(d)}%`;
const P = 0.25; // gamma: the null probability of green (every run here uses gamma 0.25)

/** z of a count (display only: the verdicts are exact tails). */
function z(green: number, trials: number): number {
  return (green - trials * P) / Math.sqrt(trials * P * (1 - P));
}

/** Pooled z over all members and the best member's z, from a suspect's saved counts. */
function zs(d: FamilyDetection): { pooled: number; best: number } {
  const total = d.green.reduce((a, b) => a + b, 0);
  return { pooled: z(total, d.scored * d.green.length), best: Math.max(...d.green.map((g) => z(g, d.scored))) };
}

/** Each true cohort's share of the student's training tokens (rho x its share of the fraudulent accounts). */
function trainingShares(r: Row['result']): number[] {
  return Object.values(r.truth.cohorts).map((v) => r.config.rho * v);
}

/** The share of the fraudulent accounts per true cohort, recomputed for a seed of the 24-seed check (deterministic in the seed). */
function seedShares(seed: string, V: number): Map<number, number> {
  const cfg = resolveAccountsOptions({ ...BASE, seed, cohorts: 16, fraudCohorts: 2 });
  const family = createKeyFamily(simulationKey(seed, { gamma: P, contextWidth: 2, vocabSize: V }), { cohorts: 16 });
  return new Map([...fraudCohortCounts(family, cfg)].map(([c, n]) => [c, n / cfg.fraudAccounts]));
}

function mainTable(s: Saved): string[] {
  const L = [
    '| setting | true cohorts (share of the fraudulent accounts) | family test (verdict) | its layers: member min-p, pooled | flagged cohorts (true ones) | flagged epochs | control | neutralized: labels (precision), gain kept |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of s.rows) {
    const x = r.result;
    const many = Object.keys(x.truth.cohorts).length > 4;
    const flagged = (x.suspect.cohorts ?? []).filter((c) => c.flagged).map((c) => c.cohort);
    const truth = many ? `all ${Object.keys(x.truth.cohorts).length}` : Object.entries(x.truth.cohorts).map(([c, v]) => `${c}: ${pct(v)}`).join(', ');
    const n = x.neutralized;
    L.push(
      `| ${r.label} | ${truth} | ${fmt(x.suspect.log10P)} ${x.suspect.fired ? '**detected**' : 'not detected'} | ${fmt(x.suspect.minPLog10P)}, ${fmt(x.suspect.pooledLog10P)} | ` +
        `${x.config.cohorts === 1 ? '— (one key)' : x.suspect.fired ? `${flagged.join(', ') || 'none'} (${many ? 'all' : Object.keys(x.truth.cohorts).join(', ')})` : 'not run (no verdict)'} | ` +
        `${x.suspect.epochs ? `${x.suspect.epochs.filter((e) => e.flagged).map((e) => e.epoch).join(', ') || 'none'} (active ${x.truth.epochs.join(', ')})` : ''} | ${x.control ? fmt(x.control.log10P) : ''} | ` +
        `${n ? `${n.labelled.toLocaleString('en-US')} (${pct(n.precision)}), ${n.gain.kept === null ? '—' : pct(n.gain.kept)}` : ''} |`,
    );
  }
  return L;
}

/** Power: the family against one key at the same harvest (rho 5%, no attack). */
function powerSection(s: Saved): string[] {
  const single = s.rows.find((r) => r.result.config.cohorts === 1 && !r.options.neutralize)!;
  const z1 = zs(single.result.suspect).pooled;
  const l1 = single.result.suspect.log10P;
  const same = s.rows.filter((r) => r !== single && !r.options.neutralize && r.result.config.rho === single.result.config.rho);
  const L = [
    '### The family test against a single key at the same harvest',
    '',
    `One key at rho ${pct(single.result.config.rho)}: z = ${f2(z1)}, p = ${fmt(l1)}. Through a family the harvest's excess of green is spread over K x E member keys; pooled over all members, z is expected to fall by about sqrt(K x E) (z is for display; the verdicts are exact tails):`,
    '',
    '| setting | K x E | pooled z | z(one key) / pooled z | sqrt(K x E) | best member z | verdict | log10 p(one key) / log10 p(verdict) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of same) {
    const M = r.result.suspect.green.length;
    const q = zs(r.result.suspect);
    L.push(`| ${r.label} | ${M} | ${f2(q.pooled)} | ${f2(z1 / q.pooled)} | ${f2(Math.sqrt(M))} | ${f2(q.best)} | ${fmt(r.result.suspect.log10P)} | ${f2(l1 / r.result.suspect.log10P)} |`);
  }
  const two = same.find((r) => r.result.config.fraudCohorts === 2 && r.result.config.epochs === 1);
  const spread = same.find((r) => r.result.config.fraudCohorts === 0);
  L.push('');
  if (two && spread) {
    const q2 = zs(two.result.suspect);
    const qs = zs(spread.result.suspect);
    L.push(
      `Pooled over the members, the measured cost is ${f2(z1 / q2.pooled)} (distiller in 2 cohorts) and ${f2(z1 / qs.pooled)} (spread over all 16) against the expected sqrt(16) = 4. ` +
        `The verdict is not the pooled layer alone: a distiller in 2 cohorts puts most of its excess on 2 members, and the member min-p layer finds it at ${fmt(two.result.suspect.log10P)} (best member z ${f2(q2.best)}; ${f2(l1 / two.result.suspect.log10P)}x fewer decades than one key's ${fmt(l1)}). ` +
        `A distiller spread over every cohort leaves only the pooled signal: ${fmt(spread.result.suspect.log10P)}, ${spread.result.suspect.fired ? 'detected' : `**not detected at alpha ${s.rows[0]!.result.config.alpha.toExponential(0)}** within ${s.size.budget.toLocaleString('en-US')} scored pairs`} (one key: ${fmt(l1)}). ` +
        'That is the price of K = 16 against a distiller who spreads its accounts: the pooled z falls by sqrt(K x E), and about (K x E) times as many scored pairs bring it back (z grows as the square root of the pairs scored).',
    );
  }
  L.push('');
  return L;
}

/** Attribution over the seeds, and the smallest harvest share found. */
function attributionSection(s: Saved, V: number): string[] {
  const found = s.seeds.filter((x) => x.truth.every((c) => x.flagged.includes(c))).length;
  const falseFlags = s.seeds.reduce((n, x) => n + x.flagged.filter((c) => !x.truth.includes(c)).length, 0);
  const fired = s.seeds.filter((x) => x.fired).length;
  const rho = BASE.rho!;
  const found1: number[] = [];
  const missed1: number[] = [];
  let weakestTrue = -Infinity;
  let strongestFalse = 0;
  for (const x of s.seeds) {
    const shares = seedShares(x.seed, V);
    if ([...shares.keys()].sort((a, b) => a - b).join() !== [...x.truth].sort((a, b) => a - b).join()) throw new Error(`render: seed ${x.seed}: recomputed cohorts ${[...shares.keys()].join()} differ from the run's ${x.truth.join()}`);
    for (const [c, v] of shares) (x.flagged.includes(c) ? found1 : missed1).push(rho * v);
    for (const c of x.cohorts ?? []) {
      if (x.truth.includes(c.cohort)) weakestTrue = Math.max(weakestTrue, c.holmLog10P);
      else strongestFalse = Math.min(strongestFalse, c.holmLog10P);
    }
  }
  const weak = s.rows.find((r) => r.result.config.rho < rho && r.result.config.fraudCohorts === 2)!;
  const wf = weak.result.suspect;
  const L = [
    `### Attribution over ${s.seeds.length} seeds`,
    '',
    `The K = 16, 2-cohort row at rho ${pct(rho)}, rerun with ${s.seeds.length} seeds (each a fresh master key, account -> cohort map, harvest and student; the control is the same student trained without the harvest): ` +
      `the family test fired in **${fired} of ${s.seeds.length}**; attribution named both true cohorts in **${found} of ${s.seeds.length}**; **${falseFlags}** false cohort flag${falseFlags === 1 ? '' : 's'} at Holm alpha ${BASE.attributionAlpha ?? 1e-3} over all seeds` +
      `${Number.isFinite(weakestTrue) ? ` (the smallest Holm p of a cohort that harvested nothing: ${fmt(strongestFalse)}; the largest of a true one: ${fmt(weakestTrue)})` : ''}; the control fired in ${s.seeds.filter((x) => x.controlFired).length}.`,
    '',
    '### The smallest harvest share attribution still finds',
    '',
    `Over the ${s.seeds.length} seeds the true cohorts' shares of the student's training tokens ranged from ${pct(Math.min(...found1, ...missed1), 2)} to ${pct(Math.max(...found1, ...missed1), 2)}; ` +
      (found1.length ? `the smallest one attribution named was **${pct(Math.min(...found1), 2)}**` : 'attribution named none') +
      (missed1.length ? `, and it missed ${missed1.length} (largest missed: ${pct(Math.max(...missed1), 2)})` : ', and it missed none') +
      `. At rho ${pct(weak.result.config.rho)} (the "rho 2%" row: cohorts ${trainingShares(weak.result).map((v) => pct(v, 2)).join(' and ')} of the training tokens) ` +
      (wf.fired
        ? `the family test fired (${fmt(wf.log10P)}) and attribution flagged ${(wf.cohorts ?? []).filter((c) => c.flagged).map((c) => c.cohort).join(', ') || 'none'}.`
        : `the family test gave ${fmt(wf.log10P)} (member min-p ${fmt(wf.minPLog10P)}), short of alpha 1e-6 within ${s.size.budget.toLocaleString('en-US')} scored pairs, so attribution was not run: at this budget cohorts carrying ${pct(Math.max(...trainingShares(weak.result)), 1)} of the training tokens or less are below what the verdict sees, and attribution, gated on the verdict, names none of them.`),
    '',
  ];
  return L;
}

/** Key diversity against the neutralizing distiller: both sides. */
function diversitySection(s: Saved): string[] {
  const rows = s.rows.filter((r) => r.options.neutralize);
  const k1 = rows.find((r) => r.result.config.cohorts === 1);
  const k16 = rows.find((r) => r.result.config.cohorts > 1);
  if (!k1 || !k16) return [];
  const plain = (k: number) => s.rows.find((r) => !r.options.neutralize && r.result.config.cohorts === k && r.result.config.fraudCohorts === 0 && r.result.config.rho === k1.result.config.rho)!;
  const side = (r: Row) => {
    const q = zs(r.result.suspect);
    return `${fmt(r.result.suspect.log10P)} (pooled z ${f2(q.pooled)}); the estimate labels ${r.result.neutralized!.labelled.toLocaleString('en-US')} pairs at precision ${pct(r.result.neutralized!.precision)} (chance: ${pct(P)}), and the student keeps ${r.result.neutralized!.gain.kept === null ? '—' : pct(r.result.neutralized!.gain.kept)} of what distillation gave it`;
  };
  const zk1 = zs(k1.result.suspect).pooled;
  return [
    '### Key diversity against neutralization',
    '',
    `The distiller estimates green pairs from its harvest by frequency analysis against its own clean model (the aggressive estimate: every window and pair seen once counts) and subtracts delta' = ${k1.options.neutralize!.delta} from them at inference. ` +
      `With one key: ${side(k1)}; without the attack the same harvest gave ${fmt(plain(1).result.suspect.log10P)}. ` +
      `With K = 16 and the fraudulent accounts spread over every cohort (the harvest mixes 16 keys): ${side(k16)}; without the attack ${fmt(plain(16).result.suspect.log10P)}.`,
    '',
    diversityVerdict(k1, k16),
    '',
  ];
}

/** What the two key-diversity rows say, in words chosen by their figures. */
function diversityVerdict(k1: Row, k16: Row): string {
  const n1 = k1.result.neutralized!;
  const n16 = k16.result.neutralized!;
  const z1 = zs(k1.result.suspect).pooled;
  const z16 = zs(k16.result.suspect).pooled;
  const blind = n16.precision < P + 0.1 && n1.precision > P + 0.2;
  const kept = n1.gain.kept !== null && n16.gain.kept !== null ? `${pct(n1.gain.kept)} -> ${pct(n16.gain.kept)} of the gain kept` : 'gain not measured';
  const parts = [
    `Measured here, key diversity ${blind ? 'blinds the estimate' : 'changes the estimate'} (precision ${pct(n1.precision)} -> ${pct(n16.precision)}${blind ? ', near chance' : ''}; ${kept})`,
    k16.result.suspect.fired
      ? `and the family test still detects the attacked student (${fmt(k16.result.suspect.log10P)}): key diversity is a defense against this attack at this harvest.`
      : `but it does **not** bring the trace back: the family test sees nothing after the attack (${fmt(k16.result.suspect.log10P)}). The labels are the pairs the harvest taught the student, whatever their colour, so pushing them down erases the harvest's influence, the watermark with it.`,
  ];
  if (!k16.result.suspect.fired) {
    parts.push(
      z1 < -3 && z16 > -3
        ? `One difference: with one key the attack overshoots (pooled z ${f2(z1)}: fewer green than chance: the deficit a two-sided test looks for, offered for one key), with 16 keys it leaves no deficit (pooled z ${f2(z16)}). Key diversity is not a defense against this attack at this harvest.`
        : 'Key diversity is not a defense against this attack at this harvest.',
    );
  }
  return parts.join(' ');
}

/** The issue's targets, each MET or MISSED with its figure. */
function targetsSection(s: Saved): string[] {
  const two = s.rows.find((r) => r.result.config.cohorts === 16 && r.result.config.fraudCohorts === 2 && r.result.config.rho === BASE.rho && !r.options.neutralize)!;
  const fired = s.seeds.filter((x) => x.fired).length;
  const found = s.seeds.filter((x) => x.truth.every((c) => x.flagged.includes(c))).length;
  const falseFlags = s.seeds.reduce((n, x) => n + x.flagged.filter((c) => !x.truth.includes(c)).length, 0);
  const weakest = Math.max(...s.seeds.map((x) => x.log10P));
  const ok = (b: boolean): string => (b ? '**MET**' : '**MISSED**');
  return [
    '### Issue 11 targets',
    '',
    `- K = 16, a distiller in 2 cohorts harvesting 5% of the training tokens, family test p < 1e-6 within 1M scored positions: ${ok(two.result.suspect.log10P < -6 && fired === s.seeds.length)}. ` +
      `This run scored ${s.size.budget.toLocaleString('en-US')} positions (the budget fixed before the run, under the target's 1M): p = ${fmt(two.result.suspect.log10P)} in the row above, and below 1e-6 in ${fired} of ${s.seeds.length} seeds${Number.isFinite(weakest) ? ` (the weakest ${fmt(weakest)})` : ''}.`,
    `- Attribution names both cohorts (Holm, alpha 1e-3): ${ok(found === s.seeds.length)}, in ${found} of ${s.seeds.length} seeds.`,
    `- No other cohort flagged in 24 seeds: ${ok(falseFlags === 0 && s.seeds.length >= 24)}, ${falseFlags} false flag${falseFlags === 1 ? '' : 's'} in ${s.seeds.length} seeds.`,
    '- Scoring a family of 16 keys costs at most 4x one key per position: not a simulator figure; it is the family row of `npm run bench` (docs/speed.md, issue 15 target 4).',
    '',
  ];
}

function render(s: Saved, V: number): string {
  const a = BASE.attributionAlpha ?? 1e-3;
  const L = [
    '## 10. Which accounts, and when: key families',
    '',
    `Generated by \`${s.command}\` on ${s.date} (${(s.seconds / 60).toFixed(0)} min; raw figures docs/results/accounts.json). The domain world (\`buildWorld({ split: 'domain' })\`, src/simulate/world.ts: o200k, WordNet glosses); an API of ${s.size.accounts.toLocaleString('en-US')} accounts serving through a key family (delta 3, gamma 0.25, h = 2); 100 fraudulent accounts harvest answers that make up rho = 5% of a ${s.size.trainTokens.toLocaleString('en-US')}-token student's training data (a 3-gram model; the rest is clean text); the student's answers to held-out prompts are scored by \`createDetector\` with the family as its key, at a budget of ${s.size.budget.toLocaleString('en-US')} deduplicated pairs, each coloured under all K x E member keys (\`runAccountsScenario\`, src/simulate/accounts.ts). ` +
      `The verdict is the family test at alpha 1e-6 (docs/detection.md, "Key families": Bonferroni over the pooled and member min-p layers, with epochs also cohort and epoch min-p). Attribution only after it fires: per cohort (per epoch) pooled over the other dimension, Holm over the cohorts (epochs), flagged at ${a}. The control is the same student trained without the harvest. All sizes and settings were fixed in scripts/experiments/accounts-main.ts before the first run.`,
    '',
    ...mainTable(s),
    '',
    ...powerSection(s),
    ...attributionSection(s, V),
    ...diversitySection(s),
    ...targetsSection(s),
  ];
  return `${L.join('\n')}\n`;
}

mkdirSync('test-output', { recursive: true });
mkdirSync('docs/results', { recursive: true });
const saved: Saved = values.render ? (JSON.parse(readFileSync(target, 'utf8')) as Saved) : await run();
if (!values.render) writeFileSync(target, JSON.stringify(saved, null, 1));
const section = render(saved, (await loadTokenizer('o200k')).vocabSize);
if (values.quick) writeFileSync('test-output/accounts-quick.md', section);
else {
  const doc = existsSync('docs/RESULTS.md') ? readFileSync('docs/RESULTS.md', 'utf8') : '';
  const block = `${BEGIN}\n${section.trimEnd()}\n${END}\n`;
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  writeFileSync('docs/RESULTS.md', a >= 0 && b > a ? doc.slice(0, a) + block + doc.slice(b + END.length + 1) : `${doc.trimEnd()}\n\n${block}`);
}
log(`wrote ${target} (${(saved.seconds / 60).toFixed(1)} min)`);
