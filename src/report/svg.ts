/**
 * The report's two plots as inline SVG: the running p-value curve and the decoy keys' null
 * histogram. Every label goes through {@link html}, so nothing is inserted unescaped.
 *
 * @module
 */
import { alphaStr, pValue } from './format.js';
import { html, type Html } from './escape.js';
import type { DecoysJson, KeyJson } from './model.js';

interface Frame {
  w: number;
  h: number;
  l: number;
  r: number;
  t: number;
  b: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function niceStep(range: number, ticks: number): number {
  const rawStep = range / Math.max(ticks, 1);
  if (!(rawStep > 0) || !Number.isFinite(rawStep)) return 1;
  const mag = 10 ** Math.floor(Math.log10(rawStep));
  const norm = rawStep / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

function tickLabel(v: number): string {
  if (Math.abs(v) >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (Math.abs(v) >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return String(+v.toFixed(2));
}

const sx = (f: Frame, x: number): number => f.l + ((x - f.x0) / (f.x1 - f.x0 || 1)) * (f.w - f.l - f.r);
const sy = (f: Frame, y: number): number => f.h - f.b - ((y - f.y0) / (f.y1 - f.y0 || 1)) * (f.h - f.t - f.b);
const fx = (n: number): string => n.toFixed(1);

/** Grid lines and tick labels along one axis (at most 50, whatever the range). */
function ticks(f: Frame, axis: 'x' | 'y'): Html[] {
  const [lo, hi] = axis === 'x' ? [f.x0, f.x1] : [f.y0, f.y1];
  const step = niceStep(hi - lo, axis === 'x' ? 6 : 5);
  const out: Html[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 && out.length < 50; v += step) {
    if (axis === 'x') {
      const x = fx(sx(f, v));
      out.push(html`<line x1="${x}" x2="${x}" y1="${f.t}" y2="${f.h - f.b}" stroke="#eee"/><text x="${x}" y="${f.h - f.b + 16}" text-anchor="middle">${tickLabel(v)}</text>`);
    } else {
      const y = sy(f, v);
      out.push(html`<line x1="${f.l}" x2="${f.w - f.r}" y1="${fx(y)}" y2="${fx(y)}" stroke="#eee"/><text x="${f.l - 6}" y="${fx(y + 4)}" text-anchor="end">${tickLabel(v)}</text>`);
    }
  }
  return out;
}

function axes(f: Frame, xLabel: string, yLabel: string): Html {
  return html`${ticks(f, 'x')}${ticks(f, 'y')}<line x1="${f.l}" x2="${f.w - f.r}" y1="${f.h - f.b}" y2="${f.h - f.b}" stroke="#888"/><line x1="${f.l}" x2="${f.l}" y1="${f.t}" y2="${f.h - f.b}" stroke="#888"/><text x="${(f.l + f.w - f.r) / 2}" y="${f.h - 4}" text-anchor="middle">${xLabel}</text><text transform="translate(16 ${(f.t + f.h - f.b) / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`;
}

/**
 * The running p-value (−log10 p against scored positions) with the alpha line and the final point.
 *
 * @param k - the key (its `curve` is plotted)
 * @param alpha - the verdict's level
 */
export function curvePlot(k: KeyJson, alpha: number): Html {
  const pts = k.curve;
  const ev = pts.map((p) => -p.log10PValue);
  const thr = -Math.log10(alpha);
  const f: Frame = { w: 760, h: 280, l: 60, r: 20, t: 16, b: 44, x0: 0, x1: pts[pts.length - 1]!.scored, y0: 0, y1: Math.max(...ev, thr) * 1.08 || 1 };
  const poly = [`${fx(sx(f, 0))},${fx(sy(f, 0))}`, ...pts.map((p, i) => `${fx(sx(f, p.scored))},${fx(sy(f, ev[i]!))}`)].join(' ');
  const last = pts[pts.length - 1]!;
  const lx = sx(f, last.scored);
  const ly = sy(f, -last.log10PValue);
  const thrY = sy(f, thr);
  return html`<svg id="curve-plot" role="img" aria-label="running p-value curve" viewBox="0 0 ${f.w} ${f.h}" width="100%" xmlns="http://www.w3.org/2000/svg">
${axes(f, 'scored positions (corpus order)', '−log₁₀ p (higher = stronger)')}
<line x1="${f.l}" x2="${f.w - f.r}" y1="${fx(thrY)}" y2="${fx(thrY)}" stroke="#c4320a" stroke-dasharray="6 4"/>
<text x="${f.w - f.r - 4}" y="${fx(thrY - 5)}" text-anchor="end" style="fill:#c4320a">α = ${alphaStr(alpha)}</text>
<polyline points="${poly}" fill="none" stroke="#0b5cad" stroke-width="2"/>
<circle cx="${fx(lx)}" cy="${fx(ly)}" r="4.5" fill="#0b5cad"/>
<text x="${fx(lx - 8)}" y="${fx(ly - 9)}" text-anchor="end">final: p = ${pValue(last.log10PValue)}</text>
</svg>`;
}

/** Histogram bins of the decoys' −log10 p-values, and what chance predicts for each bin. */
function decoyBins(d: DecoysJson, maxV: number, bins: number): { counts: number[]; expected: number[]; width: number } {
  const width = maxV / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of d.log10PValues) counts[Math.max(0, Math.min(bins - 1, Math.floor(-v / width)))]!++;
  // Under the null p is uniform, so -log10 p is exponential with rate ln 10.
  const expected = counts.map((_, i) => d.count * (10 ** -(i * width) - 10 ** -((i + 1) * width)));
  return { counts, expected, width };
}

/**
 * The decoy keys' null histogram with the real key marked (off scale, with an arrow, when it is far
 * beyond every decoy).
 *
 * @param k - the key (its `decoys` and `log10PValue`)
 * @returns the plot and whether the real key was drawn off scale
 */
export function decoyPlot(k: KeyJson): { svg: Html; offScale: boolean; maxDecoy: number } {
  const d = k.decoys!;
  const vals = d.log10PValues.map((v) => -v);
  const real = -(k.log10PValue ?? 0);
  const maxDecoy = vals.length ? Math.max(...vals) : 0;
  const offScale = real > Math.max(2 * maxDecoy, 4);
  const maxV = offScale ? Math.max(maxDecoy * 1.15, 3) : Math.max(...vals, real, 1) * 1.04;
  const bins = 30;
  const { counts, expected, width } = decoyBins(d, maxV, bins);
  const f: Frame = { w: 760, h: 260, l: 60, r: 20, t: 16, b: 44, x0: 0, x1: bins * width, y0: 0, y1: Math.max(...counts, ...expected) * 1.12 || 1 };
  const bars = counts.map((c, i) => {
    if (c === 0) return '';
    const x = sx(f, i * width);
    const y = sy(f, c);
    return html`<rect x="${fx(x)}" y="${fx(y)}" width="${fx(Math.max(sx(f, (i + 1) * width) - x - 1, 1))}" height="${fx(f.h - f.b - y)}" fill="#9fb3c8"/>`;
  });
  const exp = expected.map((e, i) => `${fx(sx(f, (i + 0.5) * width))},${fx(sy(f, e))}`).join(' ');
  const rx = sx(f, offScale ? f.x1 : real);
  const realMark = offScale
    ? html`<line x1="${fx(rx)}" x2="${fx(rx)}" y1="${f.t}" y2="${f.h - f.b}" stroke="#c4320a" stroke-width="2.5" stroke-dasharray="3 3"/><path d="M${fx(rx - 10)} ${f.t + 24} l10 6 l-10 6 z" fill="#c4320a"/><text x="${fx(rx - 14)}" y="${f.t + 12}" text-anchor="end" style="fill:#c4320a">real key: ${real.toFixed(2)} (far off this scale) →</text>`
    : html`<line x1="${fx(rx)}" x2="${fx(rx)}" y1="${f.t}" y2="${f.h - f.b}" stroke="#c4320a" stroke-width="2.5"/><text x="${fx(rx - 6)}" y="${f.t + 12}" text-anchor="end" style="fill:#c4320a">real key: ${real.toFixed(2)}</text>`;
  const svg = html`<svg id="decoy-plot" role="img" aria-label="decoy null distribution" viewBox="0 0 ${f.w} ${f.h}" width="100%" xmlns="http://www.w3.org/2000/svg">
${axes(f, '−log₁₀ p-value', 'decoy keys')}
${bars}
<polyline points="${exp}" fill="none" stroke="#52606d" stroke-dasharray="4 3"/>
${realMark}
</svg>`;
  return { svg, offScale, maxDecoy };
}
