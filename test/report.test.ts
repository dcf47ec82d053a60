import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esc } from '../src/report/escape.js';
import { renderReport } from '../src/report/html.js';
import { parseDetectJson } from '../src/report/validate.js';
import { createWatermark, parseKey } from '../src/index.js';
import { loadTokenizer } from '../src/tokenize/index.js';
import { runCli, scratch } from './cli-helpers.js';
import { toJsonl, writeCorpus } from './cli-fixtures.js';
import { hostileSample, launchChromium, shotPath, syntheticRun, type Browser } from './report-helpers.js';

describe('renderReport (string checks)', () => {
  it('is one self-contained page: no script, no external URL, a CSP that forbids loading', () => {
    const html = renderReport(syntheticRun(), hostileSample());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link|@import|url\(/i);
    expect(html.match(/(?:src|href)=["']?(?:https?:)?\/\//gi) ?? []).toEqual([]);
    // The only http URL allowed is the SVG namespace.
    expect([...html.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0])).toEqual(Array(2).fill('http://www.w3.org/2000/svg'));
  });

  it('escapes every string from the inputs', () => {
    const html = renderReport(syntheticRun(), hostileSample());
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('outputs-&lt;b&gt;0&lt;/b&gt;.jsonl:1');
    expect(html).not.toContain('<b>0</b>');
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('says what the verdict and the p-value mean in plain words', () => {
    const yes = renderReport(syntheticRun());
    expect(yes).toContain('Watermark detected');
    expect(yes).toMatch(/p-value: <span id="pvalue">2\.0 × 10⁻¹⁵<\/span>/);
    expect(yes).toMatch(/about 1 time in 5\.0 × 10¹⁴/);
    const no = renderReport(syntheticRun({ verdict: 'not-detected' }));
    expect(no).toContain('No evidence of the watermark');
    expect(no).toContain('This is not proof of innocence');
    const multi = renderReport(syntheticRun({ keys: 3 }));
    expect(multi).toContain('Holm-adjusted');
    expect(multi).toMatch(/3 keys were tested/);
  });

  it('caps the per-document table and says where the rest is', () => {
    const html = renderReport(syntheticRun());
    expect((html.match(/<tr><td class="n">\d+<\/td><td>suspect/g) ?? []).length).toBe(100);
    expect(html).toContain('The first 100 are shown; the JSON output (--json) has all 150.');
  });
});

describe('parseDetectJson never quotes what could be key material', () => {
  // Fuzz finding (docs/testing.md): a result file with a key's secret planted in a string field was
  // refused with 40 characters of that field quoted. The refusal now describes it by its length.
  const secret = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
  const messageOf = (text: string): string => {
    try {
      parseDetectJson(text, 'result.json');
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('parseDetectJson accepted a damaged file');
  };
  it.each([
    ['format', JSON.stringify({ format: secret })],
    ['version', JSON.stringify({ format: 'radiomark-detect', version: secret })],
    ['the whole file', JSON.stringify(secret)],
  ])('a secret in %s is described, not quoted', (_where, text) => {
    const m = messageOf(text);
    expect(m).toContain('result.json');
    expect(m).toMatch(/a string of 64 characters \(not shown\)/);
    expect(m).not.toMatch(/[0-9a-f]{8}/i);
  });
  it('a short harmless value is still quoted, so the message stays useful', () => {
    expect(messageOf(JSON.stringify({ format: 'wrong' }))).toContain('"wrong"');
  });
});

describe('the report in headless Chromium', () => {
  let s: ReturnType<typeof scratch>;
  let browser: Browser;
  beforeAll(async () => {
    s = scratch();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    s.cleanup();
  });

  it('renders with no console error or request; verdict, p-value, both plots and the sample are visible', async () => {
    const file = join(s.dir, 'report.html');
    writeFileSync(file, renderReport(syntheticRun(), hostileSample()));
    const { page, log, close } = await browser.open(file);
    try {
      expect(log.consoleErrors).toEqual([]);
      expect(log.pageErrors).toEqual([]);
      expect(log.requests).toEqual([]);
      expect(await page.locator('script').count()).toBe(0);
      expect(await page.locator('img').count()).toBe(0);
      await expect.poll(() => page.locator('#verdict h2').innerText()).toBe('Watermark detected');
      expect(await page.locator('#verdict h2').isVisible()).toBe(true);
      expect(await page.locator('#pvalue').innerText()).toBe('2.0 × 10⁻¹⁵');
      expect(await page.locator('#pvalue').isVisible()).toBe(true);
      for (const id of ['#curve-plot', '#decoy-plot']) {
        const box = await page.locator(id).boundingBox();
        expect(box && box.width > 400 && box.height > 100, id).toBe(true);
      }
      expect(await page.locator('#curve-plot polyline').count()).toBeGreaterThan(0);
      expect(await page.locator('#decoy-plot rect').count()).toBeGreaterThan(0);
      const sample = await page.locator('#sample-text').innerText();
      expect(sample).toContain('<script>alert(1)</script>');
      expect(await page.locator('#sample-text .t-green').count()).toBeGreaterThan(0);
      expect(await page.locator('#sample-text .t-red').count()).toBeGreaterThan(0);
      await page.screenshot({ path: shotPath('report-synthetic.png'), fullPage: true });
    } finally {
      await close();
    }
  });

  it('radiomark report re-renders a saved --json result', async () => {
    const json = join(s.dir, 'result.json');
    const html = join(s.dir, 'from-json.html');
    writeFileSync(json, JSON.stringify(syntheticRun({ keys: 2 })));
    const r = await runCli(['report', json, '--out', html]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${html}\n`);
    const text = readFileSync(html, 'utf8');
    expect(text).toContain('Holm-adjusted');
    expect(text).toContain('No document to show.');
    writeFileSync(json, '{"format":"something-else"}');
    const bad = await runCli(['report', json, '--out', html]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/result\.json: field "format" must be "radiomark-detect" \(the output of radiomark detect --json\), got "something-else"/);
  });

  it('a real detect run: keygen, watermarked corpus, detect --report, rendered in Chromium', async () => {
    const key = join(s.dir, 'key.json');
    expect((await runCli(['keygen', '--out', key, '--tokenizer', 'r50k'])).code).toBe(0);
    const tok = await loadTokenizer('r50k');
    const wm = createWatermark({ key: parseKey(readFileSync(key, 'utf8')) });
    // A weak watermark (3 candidates, half the documents clean) so the curve climbs visibly.
    const marked = writeCorpus(tok, wm, { docs: 60, words: 80, marked: true, seed: 11, candidates: 2 });
    const clean = writeCorpus(tok, wm, { docs: 60, words: 80, marked: false, seed: 12 });
    const mixed = marked.flatMap((d, i) => [d, clean[i]!]);
    const input = join(s.dir, 'suspect.jsonl');
    writeFileSync(input, toJsonl(mixed));
    const report = join(s.dir, 'real.html');
    const r = await runCli(['detect', '--key', key, '--decoys', '40', '--report', report, input]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`report: ${report}`);
    const { page, log, close } = await browser.open(report);
    try {
      expect(log.consoleErrors).toEqual([]);
      expect(log.pageErrors).toEqual([]);
      expect(log.requests).toEqual([]);
      expect(await page.locator('#verdict h2').innerText()).toBe('Watermark detected');
      expect(await page.locator('#pvalue').innerText()).toMatch(/^\d\.\d × 10⁻\S+$/);
      expect(await page.locator('#decoy-plot rect').count()).toBeGreaterThan(0);
      expect(await page.locator('#curve-plot polyline').count()).toBe(1);
      expect(await page.locator('#doc-table tbody tr').count()).toBe(100);
      const sample = await page.locator('#sample-text').innerText();
      expect(sample.startsWith(mixed[0]!.text.slice(0, 40))).toBe(true);
      await page.screenshot({ path: shotPath('report-detect.png'), fullPage: true });
    } finally {
      await close();
    }
  });
});
