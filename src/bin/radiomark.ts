#!/usr/bin/env node
/**
 * The `radiomark` program: dispatches to the investigator's commands (src/cli) and the simulator's
 * (src/simulate/cli.ts), which share only the plumbing of src/command and the report room. Each
 * command's modules load only when it runs (probe never loads a tokenizer or the detector). This
 * module is also the body of `detect`'s tokenizer threads.
 *
 * @module
 */
import { closest } from '../command/args.js';
import { EXIT_OK, EXIT_USAGE, EXIT_STATUS_HELP, type Command, type Io } from '../command/command.js';
import { formatError } from '../command/errors.js';
import { runCommand } from '../command/run.js';
import { isTokenizerThread } from '../cli/thread-tag.js';
import { toolVersion } from '../version.js';

/** A command as the dispatcher lists it: its name and summary now, its module when it runs. */
interface Entry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

const COMMANDS: readonly Entry[] = [
  { name: 'keygen', summary: 'create a secret key file (mode 0600); prints its fingerprint', load: async () => (await import('../cli/keygen.js')).keygenCommand },
  {
    name: 'probe',
    summary: "query a suspect's OpenAI-compatible endpoint with prompts; saves the completions\nas JSONL, resumable",
    load: async () => (await import('../cli/probe.js')).probeCommand,
  },
  {
    name: 'detect',
    summary: 'test suspect outputs (JSONL, text files, directories, stdin) for the watermark;\nsummary, --json, --report report.html',
    load: async () => (await import('../cli/detect.js')).detectCommand,
  },
  { name: 'report', summary: 'render the HTML report from a saved "detect --json" result', load: async () => (await import('../cli/report.js')).reportCommand },
  {
    name: 'simulate',
    summary: 'watch the whole story on this machine: a teacher serves watermarked answers, a\nstudent is distilled from them, detect catches it (small n-gram models)',
    load: async () => (await import('../simulate/cli.js')).simulateCommand,
  },
];

function commandList(): string {
  return COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary.replace(/\n/g, `\n${' '.repeat(12)}`)}`).join('\n');
}

/** `radiomark --help`. */
export const MAIN_HELP = `Usage: radiomark COMMAND [options]

Watermark a language model's outputs at sampling time, and detect models distilled from them.
These commands are the investigator's side:

${commandList()}

A typical investigation:
  radiomark keygen --out key.json --tokenizer o200k          (once; the model server uses it)
  radiomark probe --endpoint https://suspect.example/v1 --model their-model \\
      --prompts prompts.jsonl --out suspect.jsonl
  radiomark detect --key key.json --decoys 100 --report report.html suspect.jsonl

Run "radiomark COMMAND --help" for a command's options.

Options:
  -h, --help       show this help
  -V, --version    print the version

${EXIT_STATUS_HELP}
`;

/**
 * Runs the program.
 *
 * @param argv - arguments after the program name
 * @param io - where to read and write
 * @returns the exit status
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const sub = name === 'help' && rest[0] !== undefined ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (sub) return main([sub.name, '--help'], io);
    io.out(MAIN_HELP);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '-V' || name === '--version' || name === 'version') {
    io.out(`radiomark ${toolVersion()}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const near = closest(name, COMMANDS.map((c) => c.name));
    io.err(`radiomark: unknown command ${JSON.stringify(name)}${near ? `; did you mean ${near}?` : ''} (see radiomark --help)\n`);
    return EXIT_USAGE;
  }
  return runCommand(await entry.load(), rest, io);
}

/** The process's streams as an {@link Io}. */
function processIo(): Io {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    stderr: process.stderr,
    stdin: process.stdin,
    entry: new URL(import.meta.url),
    env: process.env,
  };
}

if (isTokenizerThread()) {
  void import('../cli/pool.js').then((m) => m.runTokenizerThread());
} else {
  // A closed pipe (radiomark detect ... | head) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      const { text, exitCode } = formatError('radiomark', e, process.argv.includes('--debug'));
      process.stderr.write(text);
      process.exitCode = exitCode;
    },
  );
}
