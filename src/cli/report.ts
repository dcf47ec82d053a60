/**
 * `radiomark report`: the HTML report from a saved `detect --json` result.
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { flag, parse, str, type OptionSpec } from '../command/args.js';
import { EXIT_OK, EXIT_STATUS_HELP, type Command, type Io } from '../command/command.js';
import { CliError, fsReason, UsageError } from '../command/errors.js';
import { renderReport } from '../report/html.js';
import { parseDetectJson } from '../report/validate.js';
import { readCapped } from './files.js';

/** The largest result file read (a `--json` result of millions of documents is a few hundred MB). */
const MAX_RESULT_BYTES = 512 * 1024 * 1024;

/** `radiomark report --help`. */
export const REPORT_HELP = `Usage: radiomark report RESULT.json --out REPORT.html

Renders the HTML evidence report from a result saved with "radiomark detect --json" (RESULT.json
may be - for standard input). The result is checked field by field first; a tampered or truncated
file is refused, naming the field. The page is self-contained (inline CSS and SVG, no script, no
network). A report rendered this way has no sample document: the JSON output holds figures, not
suspect text. To include one, write the report during the run:
radiomark detect --key key.json --report report.html FILE...

Options:
  --out FILE    where to write the HTML (required)
  -h, --help    show this help

${EXIT_STATUS_HELP}
`;

const OPTIONS: Record<string, OptionSpec> = { out: { type: 'string', short: 'o' } };

/**
 * Runs `radiomark report`.
 *
 * @param argv - arguments after `report`
 * @param io - where to write (and stdin for `-`)
 * @returns the exit status
 * @throws UsageError / CliError naming the file and the field for a bad result file
 */
async function run(argv: readonly string[], io: Io): Promise<number> {
  const p = parse('radiomark report', argv, OPTIONS, true);
  if (flag(p, 'help')) {
    io.out(REPORT_HELP);
    return EXIT_OK;
  }
  const dest = str(p, 'out');
  if (!dest) throw new UsageError('--out FILE is required (see radiomark report --help)');
  if (p.positionals.length !== 1) throw new UsageError(`expected one RESULT.json, got ${p.positionals.length} (see radiomark report --help)`);
  const src = p.positionals[0]!;
  const name = src === '-' ? '<stdin>' : src;
  const bytes = await readCapped(src, MAX_RESULT_BYTES, name, io.stdin);
  const page = renderReport(parseDetectJson(bytes.toString('utf8'), name));
  try {
    await fsp.writeFile(dest, page);
  } catch (e) {
    throw new CliError(`--out ${dest}: ${fsReason(e)}`);
  }
  io.out(`wrote ${dest}\n`);
  return EXIT_OK;
}

/** `radiomark report`. */
export const reportCommand: Command = {
  name: 'report',
  help: REPORT_HELP,
  run,
};
