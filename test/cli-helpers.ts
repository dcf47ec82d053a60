import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '..');

/**
 * How the tests run the CLI: the built binary (`npm test` builds first), the sources through tsx
 * when RADIOMARK_CLI_SRC=1 (handy while another room's code does not build yet), or another build
 * named by RADIOMARK_CLI_BIN (to see a regression test fail on the build before a fix).
 */
export function cliCommand(): { cmd: string; args: string[] } {
  if (process.env.RADIOMARK_CLI_BIN) return { cmd: process.execPath, args: [process.env.RADIOMARK_CLI_BIN] };
  if (process.env.RADIOMARK_CLI_SRC === '1') return { cmd: process.execPath, args: ['--import', 'tsx', join(ROOT, 'src/bin/radiomark.ts')] };
  return { cmd: process.execPath, args: [join(ROOT, 'dist/bin/radiomark.js')] };
}

/** The outcome of one CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns the CLI and collects its output. */
export function spawnCli(
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string; nodeArgs?: string[] } = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const { cmd, args: pre } = cliCommand();
  const child = spawn(cmd, [...(opts.nodeArgs ?? []), ...pre, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env, FORCE_COLOR: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  else child.stdin!.end();
  const done = new Promise<CliResult>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string; nodeArgs?: string[] } = {}): Promise<CliResult> {
  return spawnCli(args, opts).done;
}

/** A scratch directory removed by the returned cleanup. */
export function scratch(prefix = 'radiomark-cli-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What the fake OpenAI-compatible server does with one request. */
export type FakeAction =
  | { kind: 'ok'; text: string; delayMs?: number }
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'drop' }
  | { kind: 'garbage' };

/** A request the fake server saw. */
export interface SeenRequest {
  path: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

/**
 * A tiny OpenAI-compatible server on 127.0.0.1 for probe tests: `decide` chooses what to do with
 * each request (by path, body and how many times this prompt was seen).
 */
export async function startFakeServer(
  decide: (req: SeenRequest, attempt: number) => FakeAction,
): Promise<{ url: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const attempts = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // leave empty
      }
      const r: SeenRequest = { path: req.url ?? '', body, authorization: req.headers.authorization };
      seen.push(r);
      const promptKey = String(body.prompt ?? JSON.stringify(body.messages));
      const n = (attempts.get(promptKey) ?? 0) + 1;
      attempts.set(promptKey, n);
      const a = decide(r, n);
      const chat = r.path.endsWith('/chat/completions');
      const send = (): void => {
        if (a.kind === 'drop') {
          req.socket.destroy();
          return;
        }
        if (a.kind === 'garbage') {
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html>gateway</html>');
          return;
        }
        if (a.kind === 'status') {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (a.retryAfter !== undefined) headers['retry-after'] = a.retryAfter;
          res.writeHead(a.status, headers).end(a.body ?? JSON.stringify({ error: { message: `fake ${a.status}` } }));
          return;
        }
        const choice = chat ? { index: 0, message: { role: 'assistant', content: a.text }, finish_reason: 'length' } : { index: 0, text: a.text, finish_reason: 'length' };
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ id: 'x', object: chat ? 'chat.completion' : 'text_completion', model: 'fake-model', choices: [choice], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
        );
      };
      if (a.kind === 'ok' && a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Parses a JSONL file's text into objects (blank lines ignored). */
export function jsonl<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** Polls `cond` every 10 ms for up to `ms`. */
export async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
