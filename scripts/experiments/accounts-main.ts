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
import { runAccountsScenario, type AccountsOptions, type AccountsResult, type FamilyDetection } from '../../src/simulate/accounts.js';
import { clearServerCache, formatLog10 } from '../../src/simulate/pipeline.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, render: { type: 'boolean' }, resume: { type: 'boolean' } }, strict: true });
const t0 = performance.now();
const log = (line: string): void => void process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);

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

function render(s: Saved): string {
  const p = (l: number): string => formatLog10(l);
  const L = [
    '## 10. Which accounts, and when: key families',
    '',
    `Generated by \`${s.command}\` on ${s.date} (${(s.seconds / 60).toFixed(0)} min; raw figures docs/results/accounts.json). The domain world of section 9; an API of ${s.size.accounts.toLocaleString('en-US')} accounts serving through a key family; 100 fraudulent accounts harvest answers that make up rho = 5% of a ${s.size.trainTokens.toLocaleString('en-US')}-token student's training data (3-gram); the student's answers are scored at ${s.size.budget.toLocaleString('en-US')} deduplicated pairs, each under all K x E member keys (\`runAccountsScenario\`, src/simulate/accounts.ts). ` +
      'Family test: the Sidak-corrected smallest member p-value (fixed before any run; the pooled test over all members beside it). Attribution only after the family test fires at 1e-6: per cohort and per epoch, Holm over the cohorts (epochs), flagged at 1e-3. The control is the same student without the harvest.',
    '',
    '| setting | harvest share per true cohort | family test (min-p) | pooled over members | flagged cohorts (true ones) | flagged epochs | control | neutralized: labels (green under a serving member), gain kept |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of s.rows) {
    const x = r.result;
    const flagged = (x.suspect.cohorts ?? []).filter((c) => c.flagged).map((c) => c.cohort);
    const truth = Object.entries(x.truth.cohorts).map(([c, v]) => `${c}: ${(100 * v).toFixed(0)}%`).join(', ');
    L.push(
      `| ${r.label} | ${Object.keys(x.truth.cohorts).length > 4 ? `${Object.keys(x.truth.cohorts).length} cohorts` : truth} | ${p(x.suspect.minPLog10P)} | ${p(x.suspect.pooledLog10P)} | ` +
        `${x.suspect.fired ? `${flagged.join(', ') || 'none'} (${Object.keys(x.truth.cohorts).length > 4 ? 'all' : Object.keys(x.truth.cohorts).join(', ')})` : 'not run (family test did not fire)'} | ` +
        `${x.suspect.epochs ? `${x.suspect.epochs.filter((e) => e.flagged).map((e) => e.epoch).join(', ') || 'none'} (active ${x.truth.epochs.join(', ')})` : ''} | ${x.control ? p(x.control.minPLog10P) : ''} | ` +
        `${x.neutralized ? `${x.neutralized.labelled.toLocaleString('en-US')} (${(100 * x.neutralized.precision).toFixed(0)}%), ${x.neutralized.gain.kept === null ? '—' : `${(100 * x.neutralized.gain.kept).toFixed(0)}%`}` : ''} |`,
    );
  }
  const found = s.seeds.filter((x) => x.truth.every((c) => x.flagged.includes(c))).length;
  const falseFlags = s.seeds.reduce((n, x) => n + x.flagged.filter((c) => !x.truth.includes(c)).length, 0);
  const fired = s.seeds.filter((x) => x.fired).length;
  L.push('');
  L.push(
    `**${s.seeds.length} seeds** of the K = 16, 2-cohort row (fresh family, accounts and sampling each): the family test fired in ${fired}; attribution named both true cohorts in ${found}; ` +
      `${falseFlags} false cohort flag${falseFlags === 1 ? '' : 's'} in all; the control fired in ${s.seeds.filter((x) => x.controlFired).length}.`,
  );
  L.push('');
  return `${L.join('\n')}\n`;
}

mkdirSync('test-output', { recursive: true });
mkdirSync('docs/results', { recursive: true });
const saved: Saved = values.render ? (JSON.parse(readFileSync(target, 'utf8')) as Saved) : await run();
if (!values.render) writeFileSync(target, JSON.stringify(saved, null, 1));
const section = render(saved);
if (values.quick) writeFileSync('test-output/accounts-quick.md', section);
else {
  const doc = existsSync('docs/RESULTS.md') ? readFileSync('docs/RESULTS.md', 'utf8') : '';
  const block = `${BEGIN}\n${section.trimEnd()}\n${END}\n`;
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  writeFileSync('docs/RESULTS.md', a >= 0 && b > a ? doc.slice(0, a) + block + doc.slice(b + END.length + 1) : `${doc.trimEnd()}\n\n${block}`);
}
log(`wrote ${target} (${(saved.seconds / 60).toFixed(1)} min)`);
