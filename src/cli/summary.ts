/**
 * `detect`'s terminal summary: what was read, each key's figures, the verdict in plain words.
 *
 * @module
 */
import { alphaStr, bytesStr, int, oneIn, pct, plural, pValue, seconds, verdictWords } from '../report/format.js';
import type { DetectJson, KeyJson } from '../report/model.js';

/** The terminal summary of a run. */
export function summary(r: DetectJson, reportPath: string | undefined): string {
  const L: string[] = [];
  const bytes = r.inputs.reduce((a, i) => a + i.bytes, 0);
  L.push(
    `radiomark ${r.tool.version}: read ${plural(r.inputs.length, 'input')} (${bytesStr(bytes)}), ${plural(r.documents, 'document')}, ${plural(r.tokens, 'token')} in ${seconds(r.timing.seconds)}`,
  );
  if (r.badLines.total) {
    L.push(`skipped ${int(r.badLines.total)} bad line(s): ${Object.entries(r.badLines.byReason).map(([k, v]) => `${k} ${v}`).join(', ')} (first: ${r.badLines.examples[0]?.where})`);
  }
  for (const k of r.keys) {
    L.push('');
    L.push(`key ${k.fingerprint} (${k.keyFile}): gamma ${k.gamma}, context width ${k.contextWidth}, tokenizer ${k.tokenizer ?? 'none'}, vocabulary ${int(k.vocabSize)}`);
    const sk = Object.entries(k.skipped).filter(([, v]) => v > 0);
    L.push(`  scored      ${int(k.scored)} positions${sk.length ? ` (skipped: ${sk.map(([n, v]) => `${n} ${int(v)}`).join(', ')})` : ''}`);
    L.push(`  green       ${int(k.green)} = ${pct(k.greenFraction)} (chance: ${pct(k.greenProbability)})${k.z !== null ? `, z = ${k.z.toFixed(2)} (display only)` : ''}`);
    L.push(`  p-value     ${pValue(k.log10PValue)}${k.log10PValue !== null ? ` (log10 ${k.log10PValue.toFixed(2)})` : ''}`);
    if (r.keys.length > 1) L.push(`  Holm        ${pValue(k.adjustedLog10PValue)} over ${r.keys.length} keys`);
    if (k.decoys) {
      L.push(
        `  decoys      ${k.decoys.count} decoy keys: rank p-value ${pValue(Math.log10(k.decoys.rankPValue))}; decoy p-values ${k.decoys.uniform ? 'look uniform' : 'NOT uniform'} (KS p ${pValue(Math.log10(Math.max(k.decoys.ks.pValue, 1e-300)))})`,
      );
    }
    if (k.windows && k.windows.length) {
      const best = k.windows.reduce((a, b) => ((b.correctedLog10PValue ?? 0) < (a.correctedLog10PValue ?? 0) ? b : a));
      L.push(`  windows     best window of ${k.windows[0]!.windowSize}: ${best.where} tokens ${best.min?.start}-${best.min?.end}, corrected p ${pValue(best.correctedLog10PValue)}`);
    }
    L.push(`  verdict     ${verdictWords(k.verdict)}`);
    for (const w of k.warnings) L.push(`  warning: ${w}`);
  }
  L.push('');
  const main = r.keys.reduce((a, b) => ((b.adjustedLog10PValue ?? 0) < (a.adjustedLog10PValue ?? 0) ? b : a));
  if (r.verdict === 'detected') {
    L.push(`VERDICT: watermark DETECTED (p ${pValue(main.adjustedLog10PValue)} <= alpha ${alphaStr(r.alpha)}).`);
    L.push(`Unrelated text would look this watermarked ${oneIn(main.adjustedLog10PValue!)}.`);
  } else if (r.verdict === 'not-detected') {
    L.push(`VERDICT: not detected (p ${pValue(main.adjustedLog10PValue)} > alpha ${alphaStr(r.alpha)}). No evidence of the watermark in these outputs; a weak signal needs more text.`);
  } else {
    L.push(`VERDICT: insufficient data (${int(main.scored)} positions scored; even all green could not reach alpha ${alphaStr(r.alpha)}).`);
  }
  for (const w of r.warnings) L.push(`warning: ${w}`);
  if (reportPath) L.push(`report: ${reportPath}`);
  return `${L.join('\n')}\n`;
}
