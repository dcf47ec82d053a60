/**
 * The simulator's outputs: the terminal summary a newcomer reads and the `--json` document (the
 * HTML report is ./report.ts, through the report room).
 *
 * @module
 */

import type { DetectionResult } from '../detect/index.js';
import { int, pct, verdictWords } from '../report/format.js';
import type { SimulationResult, SuspectReport } from './pipeline.js';
import { formatLog10 } from './pipeline.js';
import { ATTACK_KNOBS, type AttackName } from './attack.js';
import type { AccountsResult, FamilyDetection } from './accounts.js';

/** Published figures the default setting can be compared with (`source` names the paper and the output file they come from). */
export const PUBLISHED = Object.freeze({
  source: 'Sander et al. 2024, "Watermarking makes language models radioactive", facebookresearch/radioactive-watermark output_closed_supervised_0p05',
  setting: 'closed model, 5% of fine-tuning data watermarked, h = 2, gamma 0.25, delta 3, neural student (Llama-1 7B)',
  pValue: 2.3e-24,
  scored: 248_200,
  greenFraction: 0.2588,
  controlPValue: 0.97,
  controlScored: 105_400,
});


/** Whether a run's scheme setting is the published one (h = 2, gamma 0.25, delta 3, about 5%). */
export function matchesPublished(r: SimulationResult): boolean {
  const c = r.config;
  return c.contextWidth === 2 && c.gamma === 0.25 && c.delta === 3 && Math.abs(r.training.rho - 0.05) < 0.01;
}

function pText(d: DetectionResult): string {
  return d.log10PValue === null ? 'nothing scored' : `p = ${formatLog10(d.log10PValue)}`;
}

/**
 * The terminal summary of a run: what was simulated, the verdict in plain words, the controls and
 * the published figure beside ours.
 *
 * @param r - the run
 * @returns text ending with a newline
 */
export function formatSimulation(r: SimulationResult): string {
  const c = r.config;
  const s = r.suspect.detection;
  const L: string[] = [];
  const wmT = r.teacher.watermarked;
  const clT = r.teacher.clean;
  L.push('radiomark simulate: a model is distilled from watermarked outputs; can we prove it?');
  L.push('');
  L.push(`1. Teacher   ${r.world.teacher}`);
  L.push(
    `             serves answers through wm.session().sample (gamma ${c.gamma}, delta ${c.delta}, contextWidth ${c.contextWidth}, ` +
      `masking ${c.masking ? 'on' : 'off'}; temperature ${c.temperature}${c.topK !== undefined ? `, top-k ${c.topK}` : ''}${c.topP !== undefined ? `, top-p ${c.topP}` : ''})`,
  );
  L.push(
    `             ${int(wmT.tokens)} watermarked tokens at ${int(wmT.tokensPerSecond)} tokens/s; their green rate is ${r.teacher.direct.greenFraction === null ? '-' : pct(r.teacher.direct.greenFraction, 1)} (25% by chance)`,
  );
  const e = r.teacher.entropy;
  L.push(
    `             next-token entropy ${e.mean.toFixed(2)} nats on average (median ${e.median.toFixed(2)}; ${pct(e.below05, 0)} of steps below 0.5 nats, ${pct(e.above3, 0)} above 3)`,
  );
  L.push(`             cost in quality: the teacher's own perplexity on its answers ${clT.perplexity.toFixed(1)} without, ${wmT.perplexity.toFixed(1)} with the watermark`);
  L.push(
    `2. Student   a ${r.training.studentOrder}-gram model (${r.training.studentTokenizer} tokens) trained on ${int(r.training.watermarkedTokens + r.training.cleanTokens)} tokens, ` +
      `${pct(r.training.rho, 2)} of them the teacher's watermarked answers, the rest ${c.clean === 'corpus' ? 'clean human text' : 'clean teacher answers'}`,
  );
  L.push(`3. Suspect   the student answers ${int(r.suspect.documents)} held-out prompts (${int(r.suspect.generatedTokens)} tokens); the detector scores ${int(s.scored)} distinct (window, token) pairs`);
  L.push(`             (prompt windows dropped: ${int(s.skipped.promptWindow)}, repeats dropped: ${int(s.skipped.duplicate)}${c.filter ? `, outside the filter: ${int(s.skipped.filtered)}` : ''})`);
  if (r.attack) L.push(...attackLines(r));
  L.push('');
  if (s.verdict === 'detected') {
    L.push(`VERDICT: DETECTED. The suspect was trained on the teacher's watermarked outputs.`);
    L.push(
      `         ${pct(s.greenFraction ?? 0, 2)} of its scored tokens are green where 25% is expected; the chance of that much green from a`,
    );
    L.push(`         model that never saw watermarked text is ${pText(s)} (exact binomial test over ${int(s.scored)} positions; alpha ${c.alpha.toExponential(0)}).`);
  } else {
    L.push(`VERDICT: ${verdictWords(s.verdict).toUpperCase()}. ${pText(s)}, green ${s.greenFraction === null ? '-' : pct(s.greenFraction, 2)} of ${int(s.scored)} scored.`);
    L.push(`         At this rho and budget the trace is too faint to prove anything (see docs/RESULTS.md for the power).`);
  }
  if (s.decoys) {
    L.push(
      `         Under ${s.decoys.count} random decoy keys the same text scores as chance (rank p-value ${s.decoys.rankPValue.toPrecision(2)}; decoy p-values ${s.decoys.uniform ? 'uniform' : 'NOT uniform'}, KS p ${s.decoys.ks.pValue.toPrecision(2)}).`,
    );
  }
  L.push('');
  L.push('Controls (each must come out NOT detected):');
  for (const k of r.controls) L.push(controlLine(k, c.alpha));
  if (r.controls.length === 0) L.push('  (skipped with --no-controls)');
  if (!r.nullHeld) {
    L.push('');
    L.push('!!! THE NULL FAILED: a control came out significant. Do not trust the verdict above. !!!');
  }
  for (const w of r.warnings) L.push(`warning: ${w}`);
  L.push('');
  if (matchesPublished(r)) {
    L.push(`Published, same scheme setting (${PUBLISHED.setting}):`);
    L.push(`  p = ${PUBLISHED.pValue} at ${int(PUBLISHED.scored)} scored positions, green rate ${PUBLISHED.greenFraction}; untrained control p = ${PUBLISHED.controlPValue}.`);
    L.push(`Ours: ${pText(s)} at ${int(s.scored)} scored positions, green rate ${(s.greenFraction ?? 0).toFixed(4)}. Our students are n-gram models, not`);
    L.push('  neural networks: they memorise the teacher\'s n-grams exactly, so they inherit more of the watermark.');
  } else {
    L.push('Our students are n-gram models, not neural networks; see docs/RESULTS.md for how the numbers compare.');
  }
  L.push(`Seed "${c.seed}" (the same seed gives the same numbers); key fingerprint ${r.keyFingerprint}; ${(r.ms / 1000).toFixed(1)} s.`);
  return `${L.join('\n')}\n`;
}

/** The attack's two sides: what the distiller kept and what trace is left. */
function attackLines(r: SimulationResult): string[] {
  const a = r.attack!;
  const g = a.gain;
  const knob = ATTACK_KNOBS[a.name as AttackName];
  const f = r.suspect.filtered;
  const L = [
    `4. Attack    ${a.name}${a.strength !== undefined && knob ? `, ${knob.meaning} = ${a.strength}` : ''}` +
      (a.labelled !== null ? ` (labelled ${int(a.labelled)} pairs green, ${a.labelPrecision === null ? '-' : pct(a.labelPrecision)} of them truly green)` : ''),
    `             the distiller keeps ${g.kept === null ? '- (no gain to keep)' : pct(g.kept)} of its distillation gain (log-likelihood per token of ${int(g.tokens)} held-out clean`,
    `             teacher answer tokens: without the harvest ${g.withoutHarvest.toFixed(4)}, distilled ${g.distilled.toFixed(4)}, attacked ${g.attacked.toFixed(4)} nats)`,
    `             the trace left: ${pText(r.suspect.detection)} over ${int(r.suspect.detection.scored)} scored (green ${pct(r.suspect.detection.greenFraction ?? 0, 2)})` +
      (f ? `; owner's-log filter: ${pText(f)} over ${int(f.scored)} (green ${pct(f.greenFraction ?? 0, 2)})` : ''),
  ];
  return L;
}

function controlLine(k: SuspectReport, alpha: number): string {
  const d = k.detection;
  const ok = d.log10PValue === null || d.log10PValue > Math.log10(alpha);
  return `  ${ok ? 'ok  ' : 'FAIL'} ${k.name}: ${verdictWords(d.verdict)}, ${pText(d)}, green ${d.greenFraction === null ? '-' : pct(d.greenFraction, 2)} of ${int(d.scored)} scored\n         (${k.description})`;
}

/**
 * The `--json` document: every figure of the run. Per-document scores are summarised (count and
 * the smallest p) to keep the document readable; the HTML report has the table.
 *
 * @param r - the run
 * @returns a JSON-serialisable object
 */
export function simulationJson(r: SimulationResult): Record<string, unknown> {
  const suspect = (k: SuspectReport): Record<string, unknown> => {
    const { perDocument, ...rest } = k.detection;
    return {
      name: k.name,
      description: k.description,
      documents: k.documents,
      generatedTokens: k.generatedTokens,
      budgetReached: k.budgetReached,
      seconds: k.ms / 1000,
      detection: { ...rest, perDocumentCount: perDocument.length },
      ...(k.filtered ? { filtered: { ...k.filtered, perDocument: undefined, perDocumentCount: k.filtered.perDocument.length } } : {}),
    };
  };
  return {
    format: 'radiomark-simulate',
    version: 1,
    config: r.config,
    keyFingerprint: r.keyFingerprint,
    world: r.world,
    teacher: r.teacher,
    training: r.training,
    suspect: suspect(r.suspect),
    controls: r.controls.map(suspect),
    attack: r.attack ?? null,
    nullHeld: r.nullHeld,
    published: matchesPublished(r) ? PUBLISHED : null,
    warnings: r.warnings,
    seconds: r.ms / 1000,
  };
}

/**
 * The terminal summary of the many-accounts scenario: the family test, the attribution, the truth.
 *
 * @param r - the scenario's result
 * @returns text ending with a newline
 */
export function formatAccounts(r: AccountsResult): string {
  const c = r.config;
  const L: string[] = [];
  L.push('radiomark simulate --accounts: through which cohorts and epochs did the harvest come?');
  L.push('');
  L.push(`1. API       ${int(c.accounts)} accounts, a key family of ${c.cohorts} cohorts x ${c.epochs} epoch(s) (master fingerprint ${r.familyFingerprint})`);
  L.push(
    `2. Distiller ${int(c.fraudAccounts)} fraudulent accounts in cohorts ${Object.keys(r.truth.cohorts).join(', ')} ` +
      `(${Object.entries(r.truth.cohorts).map(([k, v]) => `${k}: ${pct(v)}`).join(', ')} of them), active in epochs ${r.truth.epochs.join(', ')}; ` +
      `${int(r.harvestTokens)} harvested tokens, ${pct(c.rho)} of the student's ${int(c.trainTokens)} training tokens`,
  );
  const line = (name: string, d: FamilyDetection): void => {
    L.push(`${name} ${int(d.scored)} scored pairs, each under ${d.green.length} member keys: family test p = ${formatLog10(d.log10P)} (member min-p ${formatLog10(d.minPLog10P)}, pooled ${formatLog10(d.pooledLog10P)})`);
    if (!d.fired) {
      L.push(`             NOT DETECTED at alpha ${c.alpha.toExponential(0)}: no attribution (it is only run after the family test fires).`);
      return;
    }
    L.push(`             DETECTED. Attribution (Holm over cohorts, alpha ${c.attributionAlpha.toExponential(0)}):`);
    for (const x of d.cohorts!) if (x.flagged || r.truth.cohorts[x.cohort] !== undefined) L.push(`               cohort ${x.cohort}: Holm p = ${formatLog10(x.holmLog10P)} ${x.flagged ? 'FLAGGED' : 'not flagged'}${r.truth.cohorts[x.cohort] !== undefined ? ' (harvested)' : ' (NOT harvested: a false attribution)'}`);
    for (const x of d.epochs ?? []) L.push(`               epoch ${x.epoch}: Holm p = ${formatLog10(x.holmLog10P)} ${x.flagged ? 'FLAGGED' : 'not flagged'}${r.truth.epochs.includes(x.epoch) ? ' (active)' : ' (inactive)'}`);
  };
  line('3. Suspect  ', r.suspect);
  if (r.control) line('4. Control   (the same student without the harvest)', r.control);
  L.push(`Seed "${c.seed}"; ${(r.ms / 1000).toFixed(1)} s.`);
  return `${L.join('\n')}\n`;
}
