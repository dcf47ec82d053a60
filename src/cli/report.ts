import { promises as fsp } from 'node:fs';
import { flag, parse, str, type OptionSpec } from './args.js';
import { CliError, typeName, UsageError } from './errors.js';
import { fsReason } from './input.js';
import { DETECT_JSON_FORMAT, DETECT_JSON_VERSION, type DetectJson } from '../report/model.js';
import { renderReport } from '../report/html.js';

/** `radiomark report --help`. */
export const REPORT_HELP = `Usage: radiomark report RESULT.json --out REPORT.html

Renders the HTML evidence report from a result saved with "radiomark detect --json". The page is
self-contained (inline CSS and SVG, no script, no network). A report rendered this way has no
sample document: the JSON output holds figures, not suspect text. To include one, write the
report during the run: radiomark detect --key key.json --report report.html FILE...

Options:
  --out FILE    where to write the HTML (required)
  -h, --help    show this help
`;

const OPTIONS: Record<string, OptionSpec> = { out: { type: 'string', short: 'o' } };

/**
 * `radiomark report`: re-render the HTML report from a saved `detect --json` document.
 *
 * @param argv - arguments after `report`
 * @param out - stdout writer
 * @returns the exit status
 * @throws UsageError / CliError naming the file and the field for a bad result file
 */
export async function report(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const p = parse('radiomark report', argv, OPTIONS, true);
  if (flag(p, 'help')) {
    out(REPORT_HELP);
    return 0;
  }
  const dest = str(p, 'out');
  if (!dest) throw new UsageError('--out FILE is required (see radiomark report --help)');
  if (p.positionals.length !== 1) throw new UsageError(`expected one RESULT.json, got ${p.positionals.length} (see radiomark report --help)`);
  const src = p.positionals[0]!;
  let text: string;
  try {
    text = src === '-' ? await readStdin() : await fsp.readFile(src, 'utf8');
  } catch (e) {
    throw new CliError(`${src}: ${fsReason(e)}`);
  }
  const run = parseResult(text, src === '-' ? '<stdin>' : src);
  try {
    await fsp.writeFile(dest, renderReport(run));
  } catch (e) {
    throw new CliError(`--out ${dest}: ${fsReason(e)}`);
  }
  out(`wrote ${dest}\n`);
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Parses and checks a saved `detect --json` document (format tag, version, the fields the report
 * reads).
 *
 * @throws CliError naming the source and the field
 */
export function parseResult(text: string, source: string): DetectJson {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${source}: not valid JSON (${(e as Error).message.slice(0, 80)})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CliError(`${source}: expected a JSON object, got ${typeName(v)}`);
  const o = v as Record<string, unknown>;
  if (o.format !== DETECT_JSON_FORMAT) {
    throw new CliError(`${source}: field "format" must be "${DETECT_JSON_FORMAT}" (the output of radiomark detect --json), got ${JSON.stringify(o.format) ?? 'nothing'}`);
  }
  if (o.version !== DETECT_JSON_VERSION) throw new CliError(`${source}: field "version" ${JSON.stringify(o.version)} is not supported (expected ${DETECT_JSON_VERSION})`);
  for (const [field, type] of [
    ['keys', 'array'],
    ['inputs', 'array'],
    ['config', 'object'],
    ['badLines', 'object'],
    ['timing', 'object'],
    ['tool', 'object'],
  ] as const) {
    const f = o[field];
    const ok = type === 'array' ? Array.isArray(f) : f !== null && typeof f === 'object' && !Array.isArray(f);
    if (!ok) throw new CliError(`${source}: field "${field}" must be ${type === 'array' ? 'an array' : 'an object'}, got ${typeName(f)}`);
  }
  if ((o.keys as unknown[]).length === 0) throw new CliError(`${source}: field "keys" is empty`);
  return o as unknown as DetectJson;
}
