import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { DetectJson, KeyJson, SampleDocument } from '../src/report/model.js';
import { installChromium } from './chromium.js';
import { ROOT, scratch } from './cli-helpers.js';

/** Where the report tests put screenshots (gitignored). */
export const SHOT_DIR = join(ROOT, 'test-output');

/** What a page did while loading: console errors, page errors, and requests other than file://. */
export interface PageLog {
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
}

/** One headless Chromium (fresh profile, no network features) shared by a test file. */
export interface Browser {
  /** Opens an HTML file in a new page; logs console errors, page errors and non-file requests (aborted). */
  open(htmlPath: string): Promise<{ page: Page; log: PageLog; close(): Promise<void> }>;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Starts the npm-shipped Chromium (test/chromium.ts) through playwright-core. */
export async function launchChromium(): Promise<Browser> {
  const { executablePath, env } = await installChromium();
  const profile = scratch('radiomark-profile-');
  const context: BrowserContext = await chromium.launchPersistentContext(profile.dir, {
    executablePath,
    env: { ...process.env, ...env } as Record<string, string>,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1100, height: 900 },
  });
  return {
    open: async (htmlPath) => {
      const log: PageLog = { consoleErrors: [], pageErrors: [], requests: [] };
      const page = await context.newPage();
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        log.requests.push(url);
        return route.abort();
      });
      page.on('console', (m) => {
        if (m.type() === 'error') log.consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => log.pageErrors.push(e.message));
      await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
      return { page, log, close: () => page.close() };
    },
    close: async () => {
      await context.close();
      profile.cleanup();
    },
  };
}

/** Makes sure test-output/ exists and returns a path in it. */
export function shotPath(name: string): string {
  mkdirSync(SHOT_DIR, { recursive: true });
  return join(SHOT_DIR, name);
}

/** A deterministic pseudo-random generator for synthetic fixtures. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * A synthetic but consistent `detect --json` document (one key, a detected verdict, 100 decoys,
 * a running curve, 150 documents), for renderer tests that do not need a detector run.
 */
export function syntheticRun(opts: { verdict?: 'detected' | 'not-detected'; keys?: number } = {}): DetectJson {
  const rand = lcg(7);
  const detected = (opts.verdict ?? 'detected') === 'detected';
  const scored = 84_213;
  const rate = detected ? 0.262 : 0.2502;
  const green = Math.round(scored * rate);
  const finalLog = detected ? -14.7 : -0.31;
  const curve = Array.from({ length: 100 }, (_, i) => {
    const f = (i + 1) / 100;
    return { scored: Math.round(scored * f), green: Math.round(green * f), log10PValue: Math.min(0, finalLog * f + (rand() - 0.5) * 1.2 * Math.sqrt(f)) };
  });
  curve[99]!.log10PValue = finalLog;
  const decoys = Array.from({ length: 100 }, () => Math.log10(Math.max(rand(), 1e-12)));
  const key = (i: number): KeyJson => ({
    keyFile: `keys/key${i}.json`,
    fingerprint: `3f9c0a1b2c3d4e5${i}`,
    gamma: 0.25,
    greenProbability: 0.25,
    contextWidth: 2,
    vocabSize: 200019,
    tokenizer: 'o200k',
    scored,
    green,
    greenFraction: green / scored,
    z: (green - scored * 0.25) / Math.sqrt(scored * 0.25 * 0.75),
    pValue: 10 ** finalLog,
    log10PValue: i === 0 ? finalLog : -0.2,
    adjustedLog10PValue: i === 0 ? finalLog + Math.log10(opts.keys ?? 1) : -0.1,
    alpha: 1e-6,
    verdict: i === 0 && detected ? 'detected' : 'not-detected',
    skipped: { noWindow: 300, duplicate: 41_112, promptWindow: 2_031, filtered: 0, special: 12, afterEndOfText: 0, budget: 0 },
    dedup: true,
    budget: null,
    decoys: { count: 100, log10PValues: decoys, rankPValue: detected ? 1 / 101 : 0.41, ks: { statistic: 0.07, pValue: 0.68, n: 100 }, uniform: true, warning: null },
    curve,
    perDocument: Array.from({ length: 150 }, (_, d) => {
      const s = 300 + Math.floor(rand() * 400);
      const g = Math.round(s * (rate + (rand() - 0.5) * 0.06));
      return { index: d, where: `suspect/outputs-<b>${d % 3}</b>.jsonl:${d + 1}`, scored: s, green: g, log10PValue: -Math.max(0, (g - s * 0.25) / 10) };
    }),
    windows: null,
    warnings: [],
  });
  return {
    format: 'radiomark-detect',
    version: 1,
    tool: { name: 'radiomark', version: '0.1.0', node: 'v20.20.2' },
    createdAt: '2025-11-28T12:00:00.000Z',
    verdict: detected ? 'detected' : 'not-detected',
    alpha: 1e-6,
    correction: (opts.keys ?? 1) > 1 ? 'holm' : 'none',
    config: { tokenizer: 'o200k', normalize: 'NFC', stripZeroWidth: false, input: 'text', field: 'text', promptField: 'prompt', promptExclusion: true, filter: null, budget: null, decoys: 100, window: null },
    inputs: [{ path: 'suspect/outputs.jsonl', sha256: 'a'.repeat(64), bytes: 1_234_567, format: 'jsonl', documents: 150, lines: 152, blankLines: 2, badLines: 0 }],
    unreadable: [],
    documents: 150,
    tokens: 130_000,
    promptTokens: 9_000,
    badLines: { total: 0, byReason: {}, examples: [] },
    keys: Array.from({ length: opts.keys ?? 1 }, (_, i) => key(i)),
    timing: { seconds: 2.4, bytesPerSecond: 514_000, tokensPerSecond: 54_000 },
    warnings: [],
  };
}

/** A sample document whose text tries to break out of the HTML. */
export function hostileSample(): SampleDocument {
  const words = ['The', ' model', ' said', ' <script>alert(1)</script>', ' &amp;', ' "quotes"', " 'single'", ' café', '\n', ' new line', ' <img src=x onerror=alert(2)>', ' end.'];
  return {
    where: 'suspect/outputs.jsonl:17',
    tokens: words.map((text, i) => ({ text, status: i < 2 ? 'none' : i % 3 === 0 ? 'red' : 'green', ids: [1000 + i] })),
    omitted: 42,
  };
}
