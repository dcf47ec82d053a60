/**
 * Minimal self-contained SVG charts for docs/plots (line charts with optional log axes, and
 * histograms). No dependencies, no scripts, no fonts to fetch: the files render on GitHub as they
 * are.
 */

/** One line of a chart. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Dashed line. */
  readonly dashed?: boolean;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  /** Horizontal reference lines. */
  readonly hLines?: readonly { readonly y: number; readonly label: string }[];
  /** Explicit axis ranges (data units). */
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  /** Tick formatter for the x axis. */
  readonly xTick?: (v: number) => string;
  readonly yTick?: (v: number) => string;
}

const W = 640;
const H = 400;
const M = { left: 70, right: 170, top: 40, bottom: 55 };
const COLORS = ['#1b6ca8', '#d1495b', '#2e8b57', '#8e44ad', '#e08e0b', '#555555', '#00a3a3', '#b5651d'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    const v = 10 ** e;
    if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
  }
  return out;
}

const defaultTick = (v: number): string => {
  const a = Math.abs(v);
  if (a >= 1e6) return `${v / 1e6}M`;
  if (a >= 1e3) return `${v / 1e3}k`;
  return String(+v.toPrecision(3));
};

/**
 * A line chart.
 *
 * @param o - see {@link LineChartOptions}
 * @returns the SVG document
 */
export function lineChart(o: LineChartOptions): string {
  const pts = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = pts.map((p) => p[0]);
  const ys = [...pts.map((p) => p[1]), ...(o.hLines ?? []).map((h) => h.y)];
  let [x0, x1] = o.xRange ?? [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = o.yRange ?? [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  if (!o.yRange && !o.yLog) {
    const pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
  }
  const fx = (x: number): number => {
    const t = o.xLog ? (Math.log10(x) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0)) : (x - x0) / (x1 - x0);
    return M.left + t * (W - M.left - M.right);
  };
  const fy = (y: number): number => {
    const t = o.yLog ? (Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) : (y - y0) / (y1 - y0);
    return H - M.bottom - t * (H - M.top - M.bottom);
  };
  const xt = o.xTick ?? defaultTick;
  const yt = o.yTick ?? defaultTick;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2 - M.right / 2 + M.left / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(o.title)}</text>`);
  const xTicks = o.xLog ? logTicks(x0, x1) : niceTicks(x0, x1);
  const yTicks = o.yLog ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const v of xTicks) {
    const x = fx(v).toFixed(1);
    parts.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${H - M.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(xt(v))}</text>`);
  }
  for (const v of yTicks) {
    const y = fy(v).toFixed(1);
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(+y + 4).toFixed(1)}" text-anchor="end">${esc(yt(v))}</text>`);
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  for (const h of o.hLines ?? []) {
    const y = fy(h.y).toFixed(1);
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#444" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${W - M.right - 4}" y="${(+y - 4).toFixed(1)}" text-anchor="end" fill="#444">${esc(h.label)}</text>`);
  }
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.xLog || x > 0) && (!o.yLog || y > 0));
    if (ok.length > 0) {
      const d = ok.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${fx(x).toFixed(1)} ${fy(y).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      for (const [x, y] of ok) parts.push(`<circle cx="${fx(x).toFixed(1)}" cy="${fy(y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = M.top + 10 + i * 20;
    parts.push(`<line x1="${W - M.right + 12}" y1="${ly}" x2="${W - M.right + 36}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${W - M.right + 42}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * A histogram of values in [0, 1] (e.g. p-values), with the count expected under uniformity.
 *
 * @param title - chart title
 * @param groups - named samples, drawn side by side in each bin
 * @param bins - number of equal bins on [0, 1]
 * @returns the SVG document
 */
export function histogram(title: string, groups: readonly { readonly name: string; readonly values: readonly number[] }[], bins = 10): string {
  const counts = groups.map((g) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of g.values) c[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]!++;
    return c;
  });
  const maxCount = Math.max(1, ...counts.flat(), ...groups.map((g) => g.values.length / bins));
  const x0 = M.left;
  const x1 = W - M.right;
  const yb = H - M.bottom;
  const fy = (c: number): number => yb - (c / (maxCount * 1.1)) * (H - M.top - M.bottom);
  const bw = (x1 - x0) / bins;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2 - M.right / 2 + M.left / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (const v of niceTicks(0, maxCount * 1.1)) {
    const y = fy(v).toFixed(1);
    parts.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${x0 - 6}" y="${(+y + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  }
  for (let b = 0; b <= bins; b++) parts.push(`<text x="${(x0 + b * bw).toFixed(1)}" y="${yb + 16}" text-anchor="middle">${(b / bins).toFixed(1)}</text>`);
  const gw = bw / (groups.length + 1);
  counts.forEach((c, gi) => {
    const color = COLORS[gi % COLORS.length]!;
    c.forEach((n, b) => {
      const x = x0 + b * bw + gw * (gi + 0.5);
      parts.push(`<rect x="${x.toFixed(1)}" y="${fy(n).toFixed(1)}" width="${gw.toFixed(1)}" height="${(yb - fy(n)).toFixed(1)}" fill="${color}" opacity="0.85"/>`);
    });
    const ly = M.top + 10 + gi * 20;
    parts.push(`<rect x="${W - M.right + 12}" y="${ly - 6}" width="24" height="12" fill="${color}"/>`);
    parts.push(`<text x="${W - M.right + 42}" y="${ly + 4}">${esc(groups[gi]!.name)}</text>`);
  });
  groups.forEach((g, gi) => {
    const e = fy(g.values.length / bins).toFixed(1);
    parts.push(`<line x1="${x0}" y1="${e}" x2="${x1}" y2="${e}" stroke="${COLORS[gi % COLORS.length]}" stroke-dasharray="4 3"/>`);
  });
  parts.push(`<text x="${x1 - 4}" y="${(+fy(groups[0]!.values.length / bins) - 4).toFixed(1)}" text-anchor="end" fill="#444">expected if uniform</text>`);
  parts.push(`<rect x="${x0}" y="${M.top}" width="${x1 - x0}" height="${yb - M.top}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${(x0 + x1) / 2}" y="${H - 12}" text-anchor="middle">p-value</text>`);
  parts.push(`<text transform="translate(16 ${(M.top + yb) / 2}) rotate(-90)" text-anchor="middle">runs</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
