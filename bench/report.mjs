#!/usr/bin/env node
/**
 * Markdown tables from one `npm run bench` result file, for docs/speed.md (every figure, by
 * section) and the README's Speed section (the rows that carry a target), so both are copied
 * from one run and not retyped.
 *
 *   node bench/report.mjs [bench/results.json] [--readme]
 */
import { readFileSync } from 'node:fs';
import { fmtTime } from './lib/harness.mjs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) ?? new URL('results.json', import.meta.url);
const results = JSON.parse(readFileSync(file, 'utf8'));

const ratio = (x) => (x === undefined ? '' : x >= 0.01 ? x.toFixed(2) : x.toPrecision(2));
const load = (r) => (Array.isArray(r.loadAverage) ? r.loadAverage.join(', ') : (r.loadAverage ?? ''));
const met = (r) => (r.busy ? 'not measured (machine busy)' : r.met === undefined ? '' : r.met ? 'met' : '**missed**');
const value = (r) => (r.value ?? fmtTime(r.time)).replace(/\|/g, '\\|');

function docs() {
  const out = [];
  let section;
  for (const r of results.rows) {
    if (r.section !== section) {
      section = r.section;
      out.push('', `### ${section}`, '', '| figure | value | baseline | baseline time | ratio | target | | load |', '|---|---|---|---|---|---|---|---|');
    }
    out.push(`| ${r.figure.trim()} | ${value(r)} | ${r.baseline ?? ''} | ${r.baselineTime === undefined ? '' : fmtTime(r.baselineTime)} | ${ratio(r.ratio)} | ${r.target ?? ''} | ${met(r)} | ${load(r)} |`);
  }
  return out.join('\n');
}

function readme() {
  const out = ['| where | figure | value | ratio | target | | load |', '|---|---|---|---|---|---|---|'];
  for (const r of results.rows) {
    if (r.target === undefined) continue;
    out.push(`| ${r.section} | ${r.figure.trim()} | ${value(r)} | ${ratio(r.ratio)} | ${r.target} | ${met(r)} | ${load(r)} |`);
  }
  return out.join('\n');
}

const m = results.machine;
process.stdout.write(
  `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.date}; load average ${m.loadAverageAtStart.join(' ')} at the start, ${m.loadAverageAtEnd?.join(' ')} at the end; kernels ${results.kernels}${results.settings.quick ? '; --quick' : ''}\n` +
    (args.includes('--readme') ? readme() : docs()) +
    '\n',
);
