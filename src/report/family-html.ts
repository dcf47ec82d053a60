/**
 * The report's sections for a key family (the cohort x epoch table and the attribution) and for
 * the test variants (`--two-sided`, `--strata`). Every value goes through the escaping tag.
 *
 * @module
 */
import { html, type Html } from './escape.js';
import { alphaStr, int, pct, pValue } from './format.js';
import type { AttributionJson, FamilyJson, KeyJson } from './model.js';

/** Cohorts and epochs shown in the table at most (the JSON output has every member). */
export const FAMILY_MAX_ROWS = 64;
export const FAMILY_MAX_COLUMNS = 24;

function attributionCell(a: AttributionJson | undefined): Html {
  if (!a) return html`<td class="n">—</td>`;
  return html`<td class="n${a.flagged ? ' flag' : ''}">${pValue(a.holmLog10PValue)}${a.flagged ? ' ✔' : ''}</td>`;
}

/** The cohort x epoch table: each member's green rate and Holm-adjusted p, the attribution at the edges. */
function memberTable(k: KeyJson, f: FamilyJson): Html {
  const E = f.epochs ?? 1;
  const byMember = new Map(f.perMember.map((m) => [`${m.cohort}/${m.epoch ?? 0}`, m]));
  const alpha = Math.log10(f.attribution?.alpha ?? k.alpha);
  const cols = Math.min(E, FAMILY_MAX_COLUMNS);
  const rows = Math.min(f.cohorts, FAMILY_MAX_ROWS);
  const head = html`<tr><th>cohort</th>${Array.from({ length: cols }, (_, e) => html`<th class="n">${f.epochs === null ? 'member' : `epoch ${e}`}</th>`)}${f.attribution && html`<th class="n">cohort, Holm p</th>`}</tr>`;
  const body = Array.from({ length: rows }, (_, c) => {
    const cells = Array.from({ length: cols }, (_, e) => {
      const m = byMember.get(`${c}/${e}`);
      if (!m) return html`<td class="n">—</td>`;
      return html`<td class="n${m.holmLog10PValue <= alpha ? ' flag' : ''}" title="${`member ${m.fingerprint}`}">${pct(k.scored ? m.green / k.scored : null, 1)}<br><span class="note">${pValue(m.holmLog10PValue)}</span></td>`;
    });
    return html`<tr><td>${c}</td>${cells}${f.attribution && attributionCell(f.attribution.cohorts[c])}</tr>`;
  });
  const foot = f.attribution?.epochs && html`<tr><td>epoch, Holm p</td>${Array.from({ length: cols }, (_, e) => attributionCell(f.attribution!.epochs![e]))}${f.attribution && html`<td></td>`}</tr>`;
  const cut = (f.cohorts > rows || E > cols) && html`<p class="note">The first ${int(rows)} cohorts and ${int(cols)} epochs are shown; the JSON output (--json) has all ${int(f.members)} members.</p>`;
  return html`<table id="family-table"><thead>${head}</thead><tbody>${body}${foot}</tbody></table><p class="note">Each cell: the member key's green rate on the scored positions (chance: ${pct(k.greenProbability)}) and its p-value Holm-adjusted over the ${int(f.members)} members; highlighted cells and ✔ are at or below α.</p>${cut}`;
}

/**
 * The section of a key family: the family test's layers, which cohorts and epochs the outputs
 * carry (read only after the family test fired), and the cohort x epoch table.
 *
 * @param k - the family's key line
 */
export function familySection(k: KeyJson): Html | '' {
  const f = k.family;
  if (!f) return '';
  const a = f.attribution;
  const layers = f.layers.map((l) => html`<li>${l.name}: p = ${pValue(l.log10PValue)}</li>`);
  const verdict = a
    ? html`<p class="big" id="attribution">${attributionWords('cohort', a.cohorts)}${a.epochs && html`; ${attributionWords('epoch', a.epochs)}`}.</p><p class="note">Each cohort (pooled over its epochs) and each epoch (pooled over the cohorts) is tested on the same positions; the p-values are Holm-corrected over the cohorts and over the epochs at α = ${alphaStr(a.alpha)}, so an unrelated cohort is flagged with probability at most α.</p>`
    : html`<p id="attribution">No attribution: the family test did not detect the watermark, and cohorts and epochs are read only after it does (reading them anyway would be choosing the data after looking).</p>`;
  return html`<section id="family"><h2>Which cohorts? When?</h2>
<p>The key file is a key family: ${int(f.cohorts)} cohort${f.cohorts === 1 ? '' : 's'}${f.epochs !== null && html` × ${int(f.epochs)} epoch${f.epochs === 1 ? '' : 's'}${f.epochOrigin && ` of ${f.epochDays} days from ${f.epochOrigin}`}`} = ${int(f.members)} member keys, each scored on the same ${int(k.scored)} positions. The verdict above is the family test: the smallest of these layers, Bonferroni-corrected (p = ${pValue(f.log10PValue)}):</p>
<ul>${layers}</ul>
${verdict}
${memberTable(k, f)}
</section>`;
}

function attributionWords(name: string, lines: AttributionJson[]): string {
  const flagged = lines.filter((l) => l.flagged).map((l) => l.index);
  if (flagged.length === 0) return `no ${name} flagged`;
  return `${name}${flagged.length === 1 ? '' : 's'} ${flagged.join(', ')} flagged`;
}

/** The section of `--two-sided` or `--strata`. */
export function variantSection(k: KeyJson): Html | '' {
  if (k.twoSided) {
    const t = k.twoSided;
    return html`<section id="variant"><h2>Two-sided test</h2><p>The pooled count is tested both ways: a model trained on watermarked text shows a green <em>excess</em>; one whose trainer avoided the estimated green lists can show a <em>deficit</em>. Here the green count is an <strong>${t.direction}</strong>: P(X ≥ S) = ${pValue(t.upperLog10PValue)}, P(X ≤ S) = ${pValue(t.lowerLog10PValue)}; the two-sided p-value is twice the smaller (at most 1): ${pValue(k.log10PValue)}.</p></section>`;
  }
  if (!k.strata) return '';
  const rows = k.strata.strata.map(
    (s) => html`<tr><td>${s.label}</td><td class="n">${int(s.scored)}</td><td class="n">${pct(s.scored ? s.green / s.scored : null)}</td><td class="n">${s.z === null ? 'n/a' : s.z.toFixed(2)}</td><td>${s.direction}</td><td class="n">${pValue(s.log10PValue)}</td><td class="n">${pValue(s.holmLog10PValue)}</td></tr>`,
  );
  return html`<section id="variant"><h2>Stratified test</h2><p>Positions are split by how often their window occurs in the owner's reference data (fixed before reading the suspect); each stratum is tested both ways and the strata are combined by ${k.strata.method === 'fisher' ? "Fisher's method" : 'the smallest p-value (Šidák)'}: p = ${pValue(k.strata.log10PValue)}.</p>
<table id="strata-table"><thead><tr><th>stratum</th><th class="n">scored</th><th class="n">green rate</th><th class="n">z</th><th>direction</th><th class="n">two-sided p</th><th class="n">Holm p</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
