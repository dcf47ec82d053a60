#!/usr/bin/env node
/**
 * The `radiomark` command: keygen, probe, detect, report. Exit status 0 when a command ran (the
 * verdict is in its output), 1 for `detect --fail-on detect` with a positive verdict, 2 for a
 * usage or input error, 130 after Ctrl-C.
 *
 * @module radiomark/cli
 */
import { closest } from './args.js';
import { EXIT_USAGE, formatError } from './errors.js';
import { isMainThread, workerData } from 'node:worker_threads';
import { toolVersion } from '../version.js';

/** `radiomark --help`. */
export const MAIN_HELP = `Usage: radiomark COMMAND [options]

Watermark a language model's outputs at sampling time, and detect models distilled from them.
These commands are the investigator's side:

  keygen    create a secret key file (mode 0600); prints its fingerprint
  probe     query a suspect's OpenAI-compatible endpoint with prompts; saves the completions
            as JSONL, resumable
  detect    test suspect outputs (JSONL, text files, directories, stdin) for the watermark;
            summary, --json, --report report.html
  report    render the HTML report from a saved "detect --json" result
  simulate  watch the whole story on this machine: a teacher serves watermarked answers, a
            student is distilled from them, detect catches it (small n-gram models)

A typical investigation:
  radiomark keygen --out key.json --tokenizer o200k          (once; the model server uses it)
  radiomark probe --endpoint https://suspect.example/v1 --model their-model \\
      --prompts prompts.jsonl --out suspect.jsonl
  radiomark detect --key key.json --decoys 100 --report report.html suspect.jsonl

Run "radiomark COMMAND --help" for a command's options.

Options:
  -h, --help       show this help
  -V, --version    print the version

Exit status: 0 the command ran (a verdict is in the output), 1 "detect --fail-on detect" and
the watermark was detected, 2 usage or input error (or probe left prompts unanswered),
130 interrupted.
`;

const COMMANDS = ['keygen', 'probe', 'detect', 'report', 'simulate'] as const;

/**
 * Runs the CLI.
 *
 * @param argv - arguments after the program name
 * @returns the exit status
 */
export async function main(argv: readonly string[]): Promise<number> {
  const out = (s: string): void => void process.stdout.write(s);
  const err = (s: string): void => void process.stderr.write(s);
  const [cmd, ...rest] = argv;
  const debug = argv.includes('--debug');
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    if (cmd === 'help' && rest[0] && (COMMANDS as readonly string[]).includes(rest[0])) return main([rest[0], '--help']);
    out(MAIN_HELP);
    return cmd === undefined ? EXIT_USAGE : 0;
  }
  if (cmd === '-V' || cmd === '--version' || cmd === 'version') {
    out(`radiomark ${toolVersion()}\n`);
    return 0;
  }
  const name = `radiomark ${cmd}`;
  try {
    switch (cmd) {
      // Each command loads only its own modules (probe never loads tokenizers or the detector).
      case 'keygen':
        return await (await import('./keygen.js')).keygen(rest, out);
      case 'detect':
        return await (await import('./detect.js')).detect(rest, { out, err, stderr: process.stderr, entry: new URL(import.meta.url) });
      case 'probe':
        return await (await import('./probe.js')).probe(rest, { out, err, stderr: process.stderr });
      case 'report':
        return await (await import('./report.js')).report(rest, out);
      case 'simulate':
        // The simulator's room owns the command; the CLI only dispatches to it.
        return await (await import('../simulate/cli.js')).runSimulateCommand([...rest], { out, err });
      default: {
        const near = closest(cmd, COMMANDS);
        err(`radiomark: unknown command ${JSON.stringify(cmd)}${near ? `; did you mean ${near}?` : ''} (see radiomark --help)\n`);
        return EXIT_USAGE;
      }
    }
  } catch (e) {
    const { text, exitCode } = formatError(name, e, debug);
    err(text);
    return exitCode;
  }
}

if (!isMainThread && (workerData as { radiomark?: unknown } | null)?.radiomark === 'radiomark-tokenize-worker') {
  // This module is also the body of detect's tokenizer threads (one entry point, no extra file).
  void import('./pool.js').then((m) => m.runTokenizerThread());
} else {
  // A closed pipe (radiomark detect ... | head) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });

  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(formatError('radiomark', e, process.argv.includes('--debug')).text);
      process.exitCode = EXIT_USAGE;
    },
  );
}
