/**
 * `npm run experiments`: regenerates docs/RESULTS.md and docs/plots/*.svg from one seeded run of the
 * distillation simulator (up to an hour on 2 cores; not part of npm test).
 *
 *   npm run experiments                 # the full run, writes docs/
 *   npm run experiments -- --quick      # small sizes, writes test-output/experiments-quick/
 *   npm run experiments -- --from-json test-output/experiments.json   # re-render only
 *
 * The raw figures are saved to test-output/experiments.json (or experiments-quick.json).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  clearExperimentServers,
  clearRunMemo,
  crossTokenizer,
  direct,
  filterRealism,
  FULL,
  knobs,
  nullExperiment,
  published,
  QUICK,
  quality,
  radioactivity,
  stealing,
  teacherProfiles,
} from './experiments.js';
import { clearServerCache } from '../../src/simulate/pipeline.js';
import { resultPlots, resultsMarkdown, type ExperimentResults } from './results.js';
import { buildWorld } from '../../src/simulate/world.js';
import { createLog, git } from './run-log.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, 'from-json': { type: 'string' }, out: { type: 'string' } },
  strict: true,
});

const t0 = performance.now();
const log = createLog();


async function run(): Promise<ExperimentResults> {
  const scale = values.quick ? QUICK : FULL;
  const sections: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    log(`== ${name}`);
    const r = await f();
    sections[name] = (performance.now() - s) / 1000;
    return r;
  };
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']).length > 0;
  const teachers = await timed('teacher profiles', () => teacherProfiles(log));
  const ngram = await timed('radioactivity, n-gram teacher', () => radioactivity('ngram', scale, log));
  const pub = await timed('published setting', () => published(scale, log));
  const cross = await timed('cross-tokenizer student', () => crossTokenizer(scale, log));
  const realism = await timed('filter from all logged answers', () => filterRealism(scale, log));
  const knobRows = await timed('knobs', () => knobs(scale, log));
  clearRunMemo();
  const steal = await timed('stealing', () => stealing(scale, log));
  clearServerCache();
  clearExperimentServers();
  const synthetic = await timed('radioactivity, synthetic teacher', () => radioactivity('synthetic', scale, log));
  clearRunMemo();
  clearServerCache();
  const qual = await timed('quality cost', async () => [...(await quality('ngram', scale, log)), ...(await quality('synthetic', scale, log))]);
  const dir = await timed('direct detection and robustness', async () => [
    await direct('ngram', 0.25, 3, scale, log),
    await direct('ngram', 0.25, 2, scale, log, false),
    await direct('ngram', 0.5, 3, scale, log, false),
    await direct('synthetic', 0.25, 3, scale, log),
    await direct('synthetic', 0.25, 2, scale, log, false),
  ]);
  clearServerCache();
  clearExperimentServers();
  const nul = await timed('null', () => nullExperiment(scale, log));
  const worlds = {
    ngram: (await buildWorld({ teacher: 'ngram' })).facts,
    synthetic: (await buildWorld({ teacher: 'synthetic' })).facts,
  };
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return {
    scale,
    meta: {
      command: values.quick ? 'npm run experiments -- --quick' : 'npm run experiments',
      commit,
      dirty,
      date: new Date().toISOString().slice(0, 10),
      node: process.versions.node,
      cpu,
      cores: cpus().length,
      seconds: (performance.now() - t0) / 1000,
      sections,
    },
    radioactivity: { ngram, synthetic },
    published: {
      scored: pub.suspect.detection.scored,
      green: pub.suspect.detection.green,
      greenFraction: pub.suspect.detection.greenFraction,
      log10PValue: pub.suspect.detection.log10PValue,
      controls: pub.controls.map((c) => ({ name: c.name, log10PValue: c.detection.log10PValue, scored: c.detection.scored })),
      rho: pub.training.rho,
      teacherTokensPerSecond: pub.teacher.watermarked.tokensPerSecond,
    },
    knobs: knobRows,
    quality: qual,
    direct: dir,
    crossTokenizer: cross,
    filterRealism: realism,
    stealing: steal,
    null: nul,
    world: worlds,
    teachers,
  };
}

/**
 * The sections other commands generate into the same file (between their `<!-- NAME:begin ... -->`
 * and `<!-- NAME:end -->` markers: experiments:attacks, experiments:accounts), kept as they are.
 */
function keptSections(path: string): string {
  let doc: string;
  try {
    doc = readFileSync(path, 'utf8');
  } catch {
    return '';
  }
  const blocks: string[] = [];
  for (const m of doc.matchAll(/<!-- ([a-z-]+):begin[^\n]*-->\n[\s\S]*?<!-- \1:end -->\n?/g)) blocks.push(m[0].trimEnd());
  return blocks.length ? `\n${blocks.join('\n\n')}\n` : '';
}

const results: ExperimentResults = values['from-json'] ? JSON.parse(readFileSync(values['from-json'], 'utf8')) : await run();
const quick = results.scale.name === 'quick';
mkdirSync('test-output', { recursive: true });
if (!values['from-json']) writeFileSync(join('test-output', quick ? 'experiments-quick.json' : 'experiments.json'), JSON.stringify(results, null, 1));
const outDir = values.out ?? (quick ? join('test-output', 'experiments-quick') : 'docs');
mkdirSync(join(outDir, 'plots'), { recursive: true });
writeFileSync(join(outDir, 'RESULTS.md'), resultsMarkdown(results) + keptSections(join(outDir, 'RESULTS.md')));
for (const [name, svg] of Object.entries(resultPlots(results))) writeFileSync(join(outDir, 'plots', name), svg);
log(`wrote ${join(outDir, 'RESULTS.md')} and ${Object.keys(resultPlots(results)).length} plots (${(results.meta.seconds / 60).toFixed(1)} min)`);
