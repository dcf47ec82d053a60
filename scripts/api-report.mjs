#!/usr/bin/env node
/**
 * The API report (issue 14): one docs/api/<name>.api.md per public entry point of package.json
 * "exports", rendered by API Extractor from the built declarations (dist/**\/*.d.ts), so that a
 * change to the public surface is a visible diff in review.
 *
 *   npm run api:report              build, then rewrite docs/api/ (commit the result)
 *   node scripts/api-report.mjs --check
 *                                   compare with docs/api/ without writing it (test/api-report.test.ts);
 *                                   exits 1 naming the stale reports and the command that refreshes them
 *
 * Needs a fresh `npm run build` (npm test and npm run api:report build first).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPORT_FOLDER = join(ROOT, 'docs/api');
const TEMP_FOLDER = join(ROOT, 'test-output/api');
const REFRESH = 'npm run api:report';
const ROOT_NAME = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).name;

/** [report name, declaration file] for every entry of package.json "exports" that has types. */
function entryPoints() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const out = [];
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target !== 'object' || typeof target.types !== 'string') continue;
    const name = subpath === '.' ? pkg.name : `${pkg.name}-${subpath.slice(2).replaceAll('/', '-')}`;
    out.push([name, join(ROOT, target.types)]);
  }
  return out;
}

/**
 * API Extractor's configuration for one entry point: the report only, no rollup, no doc model. The
 * root report also notes any type its API mentions but does not export (ae-forgotten-export);
 * the subpaths legitimately mention each other's types (radiomark/detect takes radiomark/key's
 * SecretKey), so theirs do not.
 */
function configFor(name, declarations, root) {
  return {
    projectFolder: ROOT,
    mainEntryPointFilePath: declarations,
    compiler: { tsconfigFilePath: join(ROOT, 'tsconfig.json') },
    apiReport: { enabled: true, reportFolder: REPORT_FOLDER, reportTempFolder: TEMP_FOLDER, reportFileName: `${name}.api.md` },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      compilerMessageReporting: { default: { logLevel: 'warning' } },
      // Release tags and TSDoc syntax are not checked here; only the surface is recorded.
      extractorMessageReporting: {
        default: { logLevel: 'none' },
        'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: root },
      },
      tsdocMessageReporting: { default: { logLevel: 'none' } },
    },
  };
}

function main() {
  const check = process.argv.includes('--check');
  mkdirSync(TEMP_FOLDER, { recursive: true });
  mkdirSync(REPORT_FOLDER, { recursive: true });
  const stale = [];
  for (const [name, declarations] of entryPoints()) {
    if (!existsSync(declarations)) {
      console.error(`api-report: ${declarations} is missing; run npm run build first`);
      process.exit(2);
    }
    const config = ExtractorConfig.prepare({
      configObject: configFor(name, declarations, name === ROOT_NAME),
      configObjectFullPath: join(ROOT, 'api-extractor.json'),
      packageJsonFullPath: join(ROOT, 'package.json'),
    });
    const result = Extractor.invoke(config, { localBuild: !check, showVerboseMessages: false, messageCallback: quiet });
    if (result.errorCount > 0 && !result.apiReportChanged) {
      console.error(`api-report: API Extractor failed on ${name} (${result.errorCount} errors)`);
      process.exit(2);
    }
    if (result.apiReportChanged) stale.push(name);
  }
  if (check && stale.length > 0) {
    for (const name of stale) console.error(changedLines(name));
    console.error(`api-report: the public API differs from docs/api/ for ${stale.join(', ')}.`);
    console.error(`The new reports are in test-output/api/. If the change is intended, run \`${REFRESH}\` and commit docs/api/.`);
    process.exit(1);
  }
  console.log(check ? 'api-report: docs/api/ is up to date' : `api-report: wrote ${entryPoints().length} reports to docs/api/`);
}

/** The lines of a report that the build adds (+) or drops (-), at most 40, for the failure message. */
function changedLines(name) {
  const read = (folder) => (existsSync(join(folder, `${name}.api.md`)) ? readFileSync(join(folder, `${name}.api.md`), 'utf8').split('\n') : []);
  const before = read(REPORT_FOLDER);
  const after = read(TEMP_FOLDER);
  const had = new Set(before);
  const has = new Set(after);
  const lines = [...after.filter((l) => !had.has(l)).map((l) => `+ ${l}`), ...before.filter((l) => !has.has(l)).map((l) => `- ${l}`)];
  return `docs/api/${name}.api.md:\n${lines.slice(0, 40).join('\n')}${lines.length > 40 ? `\n... ${lines.length - 40} more` : ''}`;
}

/** Keeps API Extractor's per-run chatter (TypeScript version, "report changed") off the console. */
const QUIET = new Set(['console-preamble', 'console-compiler-version-notice', 'console-api-report-not-copied', 'console-api-report-created', 'console-api-report-copied', 'console-api-report-unchanged']);

function quiet(message) {
  if (QUIET.has(message.messageId)) message.handled = true;
}

main();
