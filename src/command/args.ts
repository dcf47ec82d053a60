/**
 * Command-line parsing shared by every command: `node:util` parseArgs (strict) with messages that
 * name the command and the flag, and readers for numbers, durations and choices that name the flag,
 * the accepted range and the value given.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { describe } from '../assert.js';
import { UsageError } from './errors.js';

/** The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** One option of a command: `node:util` parseArgs' shape plus a value name for messages. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
}

/** The parsed command line of one command. */
export interface Parsed {
  /** Option values by long name (`--context-width` is `values['context-width']`). */
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  /** Positional arguments, in order (`-` stays `-`). */
  readonly positionals: string[];
}

/**
 * Parses `argv` with `node:util` `parseArgs` (strict), turning its errors into {@link UsageError}s
 * that name the command, the flag, and the closest known flag when the flag is a typo.
 *
 * @param command - e.g. `radiomark detect`, for messages
 * @param argv - the arguments after the command name
 * @param options - the command's options (`help` and `debug` are added)
 * @param allowPositionals - whether positional arguments are accepted
 * @returns values and positionals
 * @throws UsageError for an unknown flag, a missing value, or an unexpected positional
 */
export function parse(
  command: string,
  argv: readonly string[],
  options: Record<string, OptionSpec>,
  allowPositionals: boolean,
): Parsed {
  const all: Record<string, OptionSpec> = { help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' }, ...options };
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: all, allowPositionals, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    const err = e as Error & { code?: string };
    const hint = `(see ${command} --help)`;
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(err.message)?.[1] ?? '?';
      const near = closest(flag.replace(/^-+/, '').split('=')[0]!, Object.keys(all));
      throw new UsageError(`unknown option ${flag}${near ? `; did you mean --${near}?` : ''} ${hint}`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const m = /Option '([^']+)'/.exec(err.message);
      const flag = m ? m[1]!.split(',').pop()!.trim().replace(/ <value>$/, '') : 'an option';
      const amb = /argument is ambiguous/.test(err.message);
      if (amb) {
        const i = argv.indexOf(flag);
        const v = i >= 0 ? argv[i + 1] : undefined;
        throw new UsageError(`${flag} ${v ?? ''} is ambiguous: write ${flag}=${v ?? 'VALUE'} for a value that starts with "-" ${hint}`);
      }
      const needsValue = /argument missing/.test(err.message);
      throw new UsageError(
        needsValue ? `${flag} needs a value ${hint}` : `${flag} does not take a value ${hint}`,
      );
    }
    if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const arg = /'([^']+)'/.exec(err.message)?.[1] ?? '?';
      throw new UsageError(`unexpected argument ${describe(arg)} ${hint}`);
    }
    throw e;
  }
}

/** The last value of a string option (a repeated single-valued flag keeps the last). */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a repeatable string option, in order. */
export function strs(p: Parsed, name: string): string[] {
  const v = p.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Whether a boolean flag is set. */
export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/**
 * Reads a numeric option.
 *
 * @param p - the parsed command line
 * @param name - the option's long name
 * @param opts - `integer`, inclusive `min`/`max`, an `exclusiveMin`/`exclusiveMax`, and `percent`
 *   (accept `5%` for 0.05)
 * @returns the number, or undefined when the flag is absent
 * @throws UsageError naming the flag, the accepted range and the value given
 */
export function num(
  p: Parsed,
  name: string,
  opts: { integer?: boolean; min?: number; max?: number; exclusiveMin?: number; exclusiveMax?: number; percent?: boolean } = {},
): number | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const t = raw.trim();
  const isPct = opts.percent === true && t.endsWith('%');
  const body = (isPct ? t.slice(0, -1) : t).replace(/_/g, '');
  const v = body === '' ? NaN : Number(body) / (isPct ? 100 : 1);
  const range = describeRange(opts);
  const bad = (): never => {
    throw new UsageError(`--${name} must be ${opts.integer ? 'an integer' : 'a number'}${opts.percent ? ' (or a percentage)' : ''}${range}, got ${describe(raw)}`);
  };
  if (!Number.isFinite(v)) bad();
  if (opts.integer && !Number.isInteger(v)) bad();
  if (opts.min !== undefined && v < opts.min) bad();
  if (opts.max !== undefined && v > opts.max) bad();
  if (opts.exclusiveMin !== undefined && v <= opts.exclusiveMin) bad();
  if (opts.exclusiveMax !== undefined && v >= opts.exclusiveMax) bad();
  return v;
}

function describeRange(o: { min?: number; max?: number; exclusiveMin?: number; exclusiveMax?: number }): string {
  const lo = o.min !== undefined ? `[${o.min}` : o.exclusiveMin !== undefined ? `(${o.exclusiveMin}` : undefined;
  const hi = o.max !== undefined ? `${o.max}]` : o.exclusiveMax !== undefined ? `${o.exclusiveMax})` : undefined;
  if (lo && hi) return ` in ${lo}, ${hi}`;
  if (o.min !== undefined) return ` >= ${o.min}`;
  if (o.exclusiveMin !== undefined) return ` > ${o.exclusiveMin}`;
  if (o.max !== undefined) return ` <= ${o.max}`;
  return '';
}

/**
 * Parses a duration: `500ms`, `30s`, `2m`, `1h`, or a bare number of milliseconds, within
 * `[min, max]` milliseconds (`max` at most {@link MAX_TIMER_MS}, the longest delay a timer takes).
 *
 * @param p - the parsed command line
 * @param name - the option's long name
 * @param opts - inclusive bounds in ms (default `[0, MAX_TIMER_MS]`)
 * @returns milliseconds, or undefined when the flag is absent
 * @throws UsageError naming the flag, the range and the value
 */
export function duration(p: Parsed, name: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const min = opts.min ?? 0;
  const max = Math.min(opts.max ?? MAX_TIMER_MS, MAX_TIMER_MS);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  const unit = m ? ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[(m[2] ?? 'ms') as 'ms'] : NaN;
  const ms = m ? Number(m[1]) * unit : NaN;
  if (!(ms >= min && ms <= max)) {
    throw new UsageError(`--${name} must be a duration like 500ms, 30s, 2m or 1h, from ${msText(min)} to ${msText(max)}, got ${describe(raw)}`);
  }
  return ms;
}

/** `500ms`, `30s`, `24.9 days`: a bound of a duration, for messages. */
function msText(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 3_600_000) return `${+(ms / 1000).toFixed(3)}s`;
  if (ms < 86_400_000) return `${+(ms / 3_600_000).toFixed(2)}h`;
  return `${+(ms / 86_400_000).toFixed(1)} days`;
}

/** Reads an option restricted to a set of words. */
export function choice<T extends string>(p: Parsed, name: string, allowed: readonly T[]): T | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got ${describe(raw)}`);
  }
  return v as T;
}

/** The known word closest to `word` by edit distance, when it is close enough to be a typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
