import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, scratch, spawnCli } from './cli-helpers.js';

/**
 * Issue 13, finding 1: probe's --timeout must hold for the life of the process. The CLI runs with
 * a full garbage collection forced every 20 ms (node --expose-gc, test/fixtures/force-gc.mjs)
 * against endpoints that accept and never answer, or send headers and never the body. With the
 * timeout inside a composite AbortSignal (AbortSignal.any), a collection dropped it and each
 * request hung until undici's 300 s header timeout; here each attempt must end at --timeout.
 */

const GC = ['--expose-gc', '--import', join(ROOT, 'test/fixtures/force-gc.mjs')];
/** Far above 3 attempts x 1 s, far below one lost timeout (300 s): a hang, not a speed, check. */
const HANG_MS = 60_000;

let s: ReturnType<typeof scratch>;
const sockets: Socket[] = [];
const silent = createServer((sock) => {
  sockets.push(sock);
  sock.on('data', () => undefined);
});
const halfAnswers: ServerResponse[] = [];
const headersOnly = createHttpServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"choices": [');
  halfAnswers.push(res);
});

const listen = (srv: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }): Promise<number> =>
  new Promise((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as AddressInfo).port)));

let silentPort = 0;
let headersPort = 0;
beforeAll(async () => {
  s = scratch();
  writeFileSync(join(s.dir, 'p.jsonl'), ['a', 'b', 'c'].map((p) => JSON.stringify({ prompt: p })).join('\n') + '\n');
  silentPort = await listen(silent);
  headersPort = await listen(headersOnly);
});
afterAll(async () => {
  for (const x of sockets) x.destroy();
  for (const r of halfAnswers) r.destroy();
  await new Promise((r) => silent.close(r));
  await new Promise((r) => headersOnly.close(r));
  s.cleanup();
});

async function probeWithGc(port: number, out: string): Promise<{ code: number | null; stderr: string }> {
  const { child, done } = spawnCli(
    ['probe', '--endpoint', `http://127.0.0.1:${port}/v1/completions`, '--prompts', join(s.dir, 'p.jsonl'), '--out', join(s.dir, out), '--timeout', '1s', '--retries', '0', '--concurrency', '1'],
    { nodeArgs: GC },
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
  const r = await done;
  clearTimeout(killer);
  expect(r.signal, `probe was still running after ${HANG_MS / 1000} s: the timeout was lost`).toBeNull();
  return r;
}

describe('probe --timeout with garbage collections forced between requests', () => {
  it('ends each attempt at --timeout against an endpoint that never answers', async () => {
    const r = await probeWithGc(silentPort, 'silent.jsonl');
    expect(r.code).toBe(4);
    expect(r.stderr.match(/no answer within 1000 ms \(gave up after 0 retries\)/g)).toHaveLength(3);
  }, HANG_MS + 10_000);

  it('also bounds the body: headers that come with no body end at --timeout', async () => {
    const r = await probeWithGc(headersPort, 'headers.jsonl');
    expect(r.code).toBe(4);
    expect(r.stderr.match(/no answer within 1000 ms/g)).toHaveLength(3);
  }, HANG_MS + 10_000);
});

describe('probe durations and rates within what a timer can do', () => {
  it('refuses a --timeout or retry delay past the timer range, and a --rate below its floor', async () => {
    const base = ['probe', '--endpoint', 'http://127.0.0.1:9/v1', '--prompts', 'p.jsonl', '--out', 'o.jsonl'];
    const cases: [string[], RegExp][] = [
      [['--timeout', '2147484s'], /--timeout must be a duration like 500ms, 30s, 2m or 1h, from 1ms to 24\.9 days, got "2147484s"/],
      [['--timeout', '0'], /--timeout must be a duration .* from 1ms to/],
      [['--retry-max-delay', '30d'], /--retry-max-delay must be a duration/],
      [['--retry-delay', '600h'], /--retry-delay must be a duration .* to 24\.9 days, got "600h"/],
      [['--rate', '1e-9'], /--rate must be a number >= 0\.001, got "1e-9"/],
      [['--rate', '0'], /--rate must be a number >= 0\.001, got "0"/],
    ];
    const runs = await Promise.all(cases.map(([extra]) => runCli([...base, ...extra])));
    cases.forEach(([extra, re], i) => {
      expect(runs[i]!.code, extra.join(' ')).toBe(2);
      expect(runs[i]!.stderr).toMatch(re);
    });
  });
});
