/**
 * Checks a saved `detect --json` document before the report renders it: every field the report
 * reads, with its type and range. A tampered or truncated result file is refused with the field's
 * path, never rendered half-way (and never crashes the renderer).
 *
 * @module
 */
import { describeUntrusted } from '../assert.js';
import { RadiomarkError } from '../errors.js';
import { DETECT_JSON_FORMAT, DETECT_JSON_VERSION, type DetectJson } from './model.js';

/** A field that is not what the report needs: its path and what it must be. */
class Shape extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly value: unknown,
  ) {
    super(`${path}: must be ${expected}`);
  }
}

/** Checks one value at a path; throws {@link Shape}. */
type Check = (v: unknown, path: string) => void;

const fail = (path: string, expected: string, v: unknown): never => {
  throw new Shape(path, expected, v);
};
const str: Check = (v, p) => void (typeof v === 'string' || fail(p, 'a string', v));
const bool: Check = (v, p) => void (typeof v === 'boolean' || fail(p, 'true or false', v));
const num: Check = (v, p) => void ((typeof v === 'number' && Number.isFinite(v)) || fail(p, 'a finite number', v));
const count: Check = (v, p) => void ((typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || fail(p, 'an integer >= 0', v));
const log10: Check = (v, p) => void ((typeof v === 'number' && Number.isFinite(v) && v <= 0) || fail(p, 'a log10 p-value (a finite number <= 0)', v));
const unit: Check = (v, p) => void ((typeof v === 'number' && v > 0 && v < 1) || fail(p, 'a number in (0, 1)', v));
const prob: Check = (v, p) => void ((typeof v === 'number' && v >= 0 && v <= 1) || fail(p, 'a number in [0, 1]', v));
const oneOf =
  (...words: string[]): Check =>
  (v, p) =>
    void ((typeof v === 'string' && words.includes(v)) || fail(p, `one of ${words.map((w) => JSON.stringify(w)).join(', ')}`, v));
const nullable =
  (c: Check): Check =>
  (v, p) =>
    v === null ? undefined : c(v, p);
const optional =
  (c: Check): Check =>
  (v, p) =>
    v === undefined ? undefined : c(v, p);
const array =
  (c: Check): Check =>
  (v, p) => {
    if (!Array.isArray(v)) fail(p, 'an array', v);
    (v as unknown[]).forEach((x, i) => c(x, `${p}[${i}]`));
  };
const object =
  (fields: Record<string, Check>): Check =>
  (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p, 'an object', v);
    const o = v as Record<string, unknown>;
    for (const [name, c] of Object.entries(fields)) c(Object.hasOwn(o, name) ? o[name] : undefined, p ? `${p}.${name}` : name);
  };
const record =
  (c: Check): Check =>
  (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p, 'an object', v);
    for (const [name, x] of Object.entries(v as Record<string, unknown>)) c(x, `${p}.${name}`);
  };
const nonEmpty =
  (c: Check): Check =>
  (v, p) => {
    c(v, p);
    if ((v as unknown[]).length === 0) fail(p, 'a non-empty array', v);
  };

const verdict = oneOf('detected', 'not-detected', 'insufficient');

const decoys = object({
  count: count,
  log10PValues: array(log10),
  rankPValue: prob,
  ks: object({ statistic: num, pValue: prob, n: count }),
  uniform: bool,
  warning: nullable(str),
});

const windowLine = object({
  where: str,
  windowSize: count,
  windows: count,
  correction: str,
  min: nullable(object({ start: count, end: count, scored: count, green: count, log10PValue: log10 })),
  correctedLog10PValue: nullable(log10),
  verdict,
});

const direction = oneOf('excess', 'deficit');
const attributionLine = object({ index: count, trials: count, green: count, log10PValue: log10, holmLog10PValue: log10, flagged: bool });

const familyReport = object({
  fingerprint: str,
  cohorts: count,
  epochs: nullable(count),
  epochDays: nullable(count),
  epochOrigin: nullable(str),
  members: count,
  layers: array(object({ name: str, log10PValue: log10 })),
  log10PValue: log10,
  perMember: array(object({ cohort: count, epoch: nullable(count), fingerprint: str, green: count, log10PValue: log10, holmLog10PValue: log10 })),
  attribution: nullable(object({ alpha: unit, cohorts: array(attributionLine), epochs: nullable(array(attributionLine)) })),
});

const strataReport = object({
  method: oneOf('fisher', 'min-p'),
  statistic: num,
  log10PValue: log10,
  strata: array(object({ index: count, label: str, scored: count, green: count, z: nullable(num), log10PValue: log10, direction, holmLog10PValue: log10 })),
});

const key = object({
  keyFile: str,
  fingerprint: str,
  gamma: unit,
  greenProbability: unit,
  contextWidth: count,
  vocabSize: count,
  tokenizer: nullable(str),
  scored: count,
  green: count,
  greenFraction: nullable(prob),
  z: nullable(num),
  pValue: nullable(prob),
  log10PValue: nullable(log10),
  adjustedLog10PValue: nullable(log10),
  alpha: unit,
  verdict,
  skipped: record(count),
  dedup: bool,
  budget: nullable(object({ limit: count, reached: bool })),
  decoys: nullable(decoys),
  curve: array(object({ scored: count, green: count, log10PValue: log10 })),
  perDocument: array(object({ index: count, where: str, scored: count, green: count, log10PValue: nullable(log10) })),
  windows: nullable(array(windowLine)),
  warnings: array(str),
  test: optional(oneOf('pooled', 'two-sided', 'strata', 'weighted', 'family')),
  trials: optional(count),
  twoSided: optional(nullable(object({ upperLog10PValue: log10, lowerLog10PValue: log10, direction }))),
  strata: optional(nullable(strataReport)),
  family: optional(nullable(familyReport)),
});

const document: Check = object({
  tool: object({ name: str, version: str, node: str }),
  createdAt: str,
  verdict,
  alpha: unit,
  correction: oneOf('holm', 'none'),
  config: object({
    tokenizer: nullable(str),
    normalize: oneOf('NFC', 'NFKC', 'none'),
    stripZeroWidth: bool,
    input: oneOf('text', 'tokens'),
    field: str,
    promptField: nullable(str),
    promptExclusion: bool,
    filter: nullable(object({ path: str, sha256: str, sequences: count })),
    budget: nullable(count),
    decoys: count,
    window: nullable(count),
    threads: optional(count),
    variant: optional(
      nullable((v, p) => {
        object({ test: oneOf('two-sided', 'strata') })(v, p);
        if ((v as { test: string }).test === 'strata') object({ bounds: array(count), method: oneOf('fisher', 'min-p'), reference: object({ path: str, sha256: str, sequences: count }) })(v, p);
      }),
    ),
  }),
  inputs: array(object({ path: str, sha256: str, bytes: count, format: oneOf('jsonl', 'text'), documents: count, lines: count, blankLines: count, badLines: count })),
  unreadable: array(object({ path: str, reason: str })),
  documents: count,
  tokens: count,
  promptTokens: count,
  badLines: object({ total: count, byReason: record(count), examples: array(object({ where: str, reason: str, message: str })) }),
  keys: nonEmpty(array(key)),
  timing: object({ seconds: num, bytesPerSecond: num, tokensPerSecond: num }),
  warnings: array(str),
});

/**
 * Parses and checks a saved `detect --json` document: the format tag and version, then every field
 * the report reads (types, integer counts, p-values in range). Unknown extra fields are ignored.
 *
 * @param text - the file's text
 * @param source - where it came from, for messages (a file name or `<stdin>`)
 * @returns the document, safe to render
 * @throws RadiomarkError `INPUT` (field: the path of the bad field) naming the source, the field,
 *   what it must be and, for a scalar, the value
 */
export function parseDetectJson(text: string, source: string): DetectJson {
  const api = 'parseDetectJson';
  const bad = (field: string, message: string): RadiomarkError => new RadiomarkError('INPUT', `${source}: ${message}`, { api, field });
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('', `not valid JSON (${text.trim() === '' ? 'empty' : 'truncated or malformed'}); expected the output of radiomark detect --json`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('', `expected a JSON object (the output of radiomark detect --json), got ${describeUntrusted(v)}`);
  const o = v as Record<string, unknown>;
  if (o.format !== DETECT_JSON_FORMAT) {
    throw bad('format', `field "format" must be "${DETECT_JSON_FORMAT}" (the output of radiomark detect --json), got ${o.format === undefined ? 'nothing' : describeUntrusted(o.format)}`);
  }
  if (o.version !== DETECT_JSON_VERSION) throw bad('version', `field "version" ${describeUntrusted(o.version)} is not supported (expected ${DETECT_JSON_VERSION})`);
  try {
    document(o, '');
  } catch (e) {
    if (!(e instanceof Shape)) throw e;
    throw bad(e.path, `field "${e.path}" must be ${e.expected}, got ${e.value === undefined ? 'nothing (the field is missing)' : describeUntrusted(e.value)}`);
  }
  return o as unknown as DetectJson;
}
