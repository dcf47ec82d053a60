/** Number formatting shared by the terminal summary and the HTML report. */

/** `1,234,567`. */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `25.49%` (two decimals). */
export function pct(x: number | null, digits = 2): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(digits)}%`;
}

/** Mantissa and exponent of `10^log10` (mantissa in [1, 10)). */
export function splitLog10(log10: number): { mantissa: number; exponent: number } {
  let exponent = Math.floor(log10);
  let mantissa = 10 ** (log10 - exponent);
  if (mantissa >= 9.995) {
    mantissa /= 10;
    exponent += 1;
  }
  return { mantissa, exponent };
}

/**
 * A p-value from its log10, readable at any magnitude: `0.031`, `4.2e-7`, `1.3e-2048` (a float64
 * would underflow to 0 there; the log never does).
 *
 * @param log10 - log10 of the p-value (<= 0), or null
 * @param style - `e` for `4.2e-7`, `unicode` for `4.2 × 10⁻⁷`
 */
export function pValue(log10: number | null, style: 'e' | 'unicode' = 'e'): string {
  if (log10 === null) return 'n/a';
  if (log10 >= -3) {
    const p = 10 ** log10;
    return p >= 0.9995 ? '1' : p >= 0.01 ? p.toFixed(2).replace(/0$/, '') : p.toPrecision(2);
  }
  const { mantissa, exponent } = splitLog10(log10);
  const m = mantissa.toFixed(1);
  return style === 'e' ? `${m}e${exponent}` : `${m} × 10${superscript(exponent)}`;
}

/** `about 1 in 2.4 million` / `1 in 8.3 × 10¹⁸`: the odds a p-value stands for. */
export function oneIn(log10: number): string {
  const odds = -log10;
  if (odds < 0.3) return 'often (more than 1 time in 2)';
  if (odds < 6) return `about 1 time in ${int(10 ** odds)}`;
  if (odds < 9) return `about 1 time in ${(10 ** (odds - 6)).toFixed(1).replace(/\.0$/, '')} million`;
  if (odds < 12) return `about 1 time in ${(10 ** (odds - 9)).toFixed(1).replace(/\.0$/, '')} billion`;
  const { mantissa, exponent } = splitLog10(odds);
  return `about 1 time in ${mantissa.toFixed(1)} × 10${superscript(exponent)}`;
}

const SUP: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** `-19` as `⁻¹⁹`. */
export function superscript(n: number): string {
  return String(n)
    .split('')
    .map((c) => SUP[c] ?? c)
    .join('');
}

/** alpha as `1e-6` (or `0.01`). */
export function alphaStr(a: number): string {
  if (a >= 0.001) return String(a);
  const l = Math.log10(a);
  return Number.isInteger(Math.round(l * 1e9) / 1e9) ? `1e${Math.round(l)}` : a.toExponential(1);
}

/** `12.3 s` / `2 min 05 s`. */
export function seconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
}

/** Human words for a verdict. */
export function verdictWords(v: string): string {
  return v === 'detected' ? 'DETECTED' : v === 'not-detected' ? 'not detected' : 'insufficient data';
}

/** `1.5 MB`-style size (decimal units). */
export function bytesStr(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

/** `12.3k`, `4.56M`-style count. */
export function count(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 2 : 1)}k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

/** `m:ss` or `h:mm:ss`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** `3 documents`, `1 key`: a count with its noun, pluralised. */
export function plural(n: number, word: string): string {
  return `${int(n)} ${word}${n === 1 ? '' : 's'}`;
}
