/**
 * What the CLI fuzz cases share, made once per run: the fuzz key files, the tokenizer fixture, a
 * real `detect --json` result to mutate, and a local OpenAI-compatible stub for `probe`.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIN } from './cli-run.js';
import type { FuzzContext } from './cli-cases.js';
import { fuzzKeyFile } from './secret.js';

const TOKENIZER = resolve(import.meta.dirname, '..', 'fixtures', 'tokenizer', 'tiny-bpe', 'tokenizer.json');

/** A stub answering every completion request with a short text (after reading the request). */
function stub(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chat = (req.url ?? '').includes('chat');
      res.end(JSON.stringify({ id: 'x', object: chat ? 'chat.completion' : 'text_completion', choices: [chat ? { index: 0, message: { role: 'assistant', content: 'the river ran on' }, finish_reason: 'stop' } : { index: 0, text: 'the river ran on', finish_reason: 'stop' }] }));
    });
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

/** The shared context and the scratch root the cases run in; `close()` removes both. */
export async function fuzzSetup(): Promise<{ ctx: FuzzContext; root: string; close(): Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), 'radiomark-fuzz-'));
  chmodSync(root, 0o755); // cases run as `nobody` enter it
  const keyFile = fuzzKeyFile();
  const tokenizerJson = readFileSync(TOKENIZER, 'utf8');
  const vocabSize = 657; // what `keygen --tokenizer` binds for the fixture (1 + its largest id)
  const hfKeyFile = fuzzKeyFile({ tokenizer: 'hf:tiny-bpe', vocabSize });
  // A real result: detect --json on a small corpus under the fuzz key.
  const work = mkdtempSync(join(root, 'setup-'));
  writeFileSync(join(work, 'key.json'), keyFile, { mode: 0o600 });
  writeFileSync(join(work, 'suspect.jsonl'), Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, text: `the river ran on under the stone bridge ${i} and the garden was quiet in the morning light` })).join('\n') + '\n');
  const resultJson = execFileSync(process.execPath, [BIN, 'detect', '--key', 'key.json', '--decoys', '5', '--window', '8', '--json', 'suspect.jsonl'], { cwd: work, encoding: 'utf8' });
  rmSync(work, { recursive: true, force: true });
  const server = await stub();
  const { port } = server.address() as AddressInfo;
  return {
    ctx: { keyFile, hfKeyFile, tokenizerJson, resultJson, endpoint: `http://127.0.0.1:${port}/v1` },
    root,
    close: async () => {
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
