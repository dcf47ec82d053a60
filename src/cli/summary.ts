/**
 * `detect`'s terminal summary: what was read, each key's figures (with a variant's or a key
 * family's own lines), the verdict in plain words.
 *
 * @module
 */
import { alphaStr, bytesStr, int, oneIn, pct, plural, pValue, seconds, verdictWords } from '../report/format.js';
import type { AttributionJson, DetectJson, FamilyJson, KeyJson } from '../report/model.js';

/** A family's attribution of one dimension: the flagged lines, then how many were not. */
function attributionLine(name: 'cohort' | 'epoch', lines: AttributionJson[]): string {
  const flagged = lines.filter((a) => a.flagged);
  const rest = lines.length - flagged.length;
  const list = flagged.map((a) => `${a.index} (Holm p ${pValue(a.holmLog10PValue)}, green ${pct(a.green / Math.max(a.trials, 1))})`).join(', ');
  return `${flagged.length ? `${name}s ${list}` : `no ${name}`}${rest ? `; ${rest === lines.length ? 'none' : `the other ${rest}`} of ${lines.length} not flagged` : ''}`;
}

/** The lines of a key family: its shape, the family test's layers, the attribution. */
function familyLines(k: KeyJson, f: FamilyJson): string[] {
  const L: string[] = [];
  const trials = k.trials ?? k.scored * f.members;
  L.push(`  green       ${int(k.green)} of ${int(trials)} member decisions (${int(k.scored)} positions x ${f.members} keys) = ${pct(k.greenFraction)} (chance: ${pct(k.greenProbability)})`);
  L.push(`  family test p-value ${pValue(f.log10PValue)} (Bonferroni over ${f.layers.map((l) => `${l.name} ${pValue(l.log10PValue)}`).join(', ')})`);
  const a = f.attribution;
  if (!a) {
    L.push('  attribution not read: the family test did not detect (cohorts and epochs are read only after it fires)');
    return L;
  }
  L.push(`  attribution (Holm, alpha ${alphaStr(a.alpha)}): ${attributionLine('cohort', a.cohorts)}`);
  if (a.epochs) L.push(`              ${attributionLine('epoch', a.epochs)}${f.epochOrigin ? ` (epoch 0 began ${f.epochOrigin}, ${f.epochDays} days each)` : ''}`);
  return L;
}

/** The lines of `--two-sided` and `--strata`. */
function variantLines(k: KeyJson): string[] {
  const L: string[] = [];
  if (k.twoSided) {
    const t = k.twoSided;
    L.push(`  two-sided   a green ${t.direction === 'excess' ? 'EXCESS' : 'DEFICIT'}: P(X >= S) ${pValue(t.upperLog10PValue)}, P(X <= S) ${pValue(t.lowerLog10PValue)}`);
  }
  if (k.strata) {
    L.push(`  strata      ${k.strata.method} over ${k.strata.strata.length} strata: combined p ${pValue(k.strata.log10PValue)}`);
    for (const s of k.strata.strata) {
      L.push(`    ${s.label.padEnd(18)} ${int(s.scored)} scored, green ${pct(s.scored ? s.green / s.scored : null)}, two-sided p ${pValue(s.log10PValue)} (${s.direction}), Holm ${pValue(s.holmLog10PValue)}`);
    }
  }
  return L;
}

/** One key's block. */
function keyLines(k: KeyJson, keys: number): string[] {
  const L: string[] = [''];
  const f = k.family;
  const shape = f ? `key family ${k.fingerprint} (${k.keyFile}): ${f.cohorts} cohort${f.cohorts === 1 ? '' : 's'}${f.epochs !== null ? ` x ${f.epochs} epoch${f.epochs === 1 ? '' : 's'}` : ''} = ${f.members} member keys;` : `key ${k.fingerprint} (${k.keyFile}):`;
  L.push(`${shape} gamma ${k.gamma}, context width ${k.contextWidth}, tokenizer ${k.tokenizer ?? 'none'}, vocabulary ${int(k.vocabSize)}`);
  const sk = Object.entries(k.skipped).filter(([, v]) => v > 0);
  L.push(`  scored      ${int(k.scored)} positions${sk.length ? ` (skipped: ${sk.map(([n, v]) => `${n} ${int(v)}`).join(', ')})` : ''}`);
  if (f) L.push(...familyLines(k, f));
  else {
    L.push(`  green       ${int(k.green)} = ${pct(k.greenFraction)} (chance: ${pct(k.greenProbability)})${k.z !== null ? `, z = ${k.z.toFixed(2)} (display only)` : ''}`);
    L.push(`  p-value     ${pValue(k.log10PValue)}${k.log10PValue !== null ? ` (log10 ${k.log10PValue.toFixed(2)})` : ''}${k.test && k.test !== 'pooled' ? ` (${k.test} test)` : ''}`);
  }
  L.push(...variantLines(k));
  if (keys > 1) L.push(`  Holm        ${pValue(k.adjustedLog10PValue)} over ${keys} keys`);
  if (k.decoys) {
    L.push(`  decoys      ${k.decoys.count} decoy keys: rank p-value ${pValue(Math.log10(k.decoys.rankPValue))}; decoy p-values ${k.decoys.uniform ? 'look uniform' : 'NOT uniform'} (KS p ${pValue(Math.log10(Math.max(k.decoys.ks.pValue, 1e-300)))})`);
  }
  if (k.windows && k.windows.length) {
    const best = k.windows.reduce((a, b) => ((b.correctedLog10PValue ?? 0) < (a.correctedLog10PValue ?? 0) ? b : a));
    L.push(`  windows     best window of ${k.windows[0]!.windowSize}: ${best.where} tokens ${best.min?.start}-${best.min?.end}, corrected p ${pValue(best.correctedLog10PValue)}`);
  }
  L.push(`  verdict     ${verdictWords(k.verdict)}`);
  for (const w of k.warnings) L.push(`  warning: ${w}`);
  return L;
}

/** The verdict in plain words. */
function verdictLines(r: DetectJson): string[] {
  const main = r.keys.reduce((a, b) => ((b.adjustedLog10PValue ?? 0) < (a.adjustedLog10PValue ?? 0) ? b : a));
  if (r.verdict === 'detected') {
    return [`VERDICT: watermark DETECTED (p ${pValue(main.adjustedLog10PValue)} <= alpha ${alphaStr(r.alpha)}).`, `Unrelated text would look this watermarked ${oneIn(main.adjustedLog10PValue!)}.`];
  }
  if (r.verdict === 'not-detected') {
    return [`VERDICT: not detected (p ${pValue(main.adjustedLog10PValue)} > alpha ${alphaStr(r.alpha)}). No evidence of the watermark in these outputs; a weak signal needs more text.`];
  }
  return [`VERDICT: insufficient data (${int(main.scored)} positions scored; even all green could not reach alpha ${alphaStr(r.alpha)}).`];
}

/**
 * The terminal summary of a run.
 *
 * @param r - the run's `--json` document
 * @param reportPath - the HTML report written, if any
 * @returns text ending with a newline
 */
export function summary(r: DetectJson, reportPath: string | undefined): string {
  const L: string[] = [];
  const bytes = r.inputs.reduce((a, i) => a + i.bytes, 0);
  L.push(`radiomark ${r.tool.version}: read ${plural(r.inputs.length, 'input')} (${bytesStr(bytes)}), ${plural(r.documents, 'document')}, ${plural(r.tokens, 'token')} in ${seconds(r.timing.seconds)}`);
  if (r.badLines.total) {
    L.push(`skipped ${int(r.badLines.total)} bad line(s): ${Object.entries(r.badLines.byReason).map(([k, v]) => `${k} ${v}`).join(', ')} (first: ${r.badLines.examples[0]?.where})`);
  }
  for (const k of r.keys) L.push(...keyLines(k, r.keys.length));
  L.push('', ...verdictLines(r));
  for (const w of r.warnings) L.push(`warning: ${w}`);
  if (reportPath) L.push(`report: ${reportPath}`);
  return `${L.join('\n')}\n`;
}
