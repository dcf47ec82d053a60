import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, layeringViolations, longFunctions, MAX_FUNCTION_LINES, resolveInSrc, roomOf } from './house-rules.js';

/**
 * The house rules of issue 14 that a parser can check (docs/ARCHITECTURE.md): no function in src/
 * longer than about 80 lines unless its comment says it is a hot loop, and no room importing a
 * room above it. Each check is first tried on sources written here, so a broken checker cannot
 * pass the tree by seeing nothing.
 */

const SRC = 'src';

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const FILES = sourceFiles(SRC).map((path) => ({ rel: relative(SRC, path).split('\\').join('/'), text: readFileSync(path, 'utf8') }));

/**
 * Imports that break the layering and are known: each was reported to the room's owner (the report
 * room belongs to the CLI engineer, who was fixing hostile-input findings there when this test
 * landed; coord notes house.md). The test fails when one is fixed and still listed here, so the
 * list only shrinks.
 */
const KNOWN_VIOLATIONS: readonly string[] = [
  // The progress line's output stream type lives in the command shape.
  "src/report/progress.ts imports '../command/command.js'",
  // The coloured sample recomputes colours with the serving side's watermark and the tokenizer.
  "src/report/sample.ts imports '../key/index.js'",
  "src/report/sample.ts imports '../sampler/index.js'",
  "src/report/sample.ts imports '../tokenize/index.js'",
  // cli (hostile-input work, landed at the same time as this test) reaches tokenize's UTF-8 helper
  // past its index.ts: tokenize should export it, or cli keep its own reader.
  "src/cli/lines.ts imports '../tokenize/utf8.js'",
];

/** A body of `n` lines: the braces and n - 2 statements. */
function body(n: number): string {
  return `{\n${Array.from({ length: n - 2 }, (_, i) => `  x += ${i};`).join('\n')}\n}`;
}

describe('house: function length', () => {
  it('finds a long function, method, arrow and constructor in a written source, naming line and length', () => {
    const src = [
      `export function short() ${body(MAX_FUNCTION_LINES)}`,
      `export function long(x: number) ${body(MAX_FUNCTION_LINES + 1)}`,
      `class C {\n  constructor(x: number) ${body(90)}\n  method(x: number) ${body(100)}\n}`,
      `const arrow = (x: number) => ${body(95)};`,
      `const o = { prop: function (x: number) ${body(85)} };`,
    ].join('\n');
    const found = longFunctions('long.ts', src);
    expect(found.map((f) => [f.name, f.lines, f.hotLoop])).toEqual([
      ['long', MAX_FUNCTION_LINES + 1, false],
      ['constructor', 90, false],
      ['method', 100, false],
      ['arrow', 95, false],
      ['prop', 85, false],
    ]);
    expect(found[0]!.line).toBe(MAX_FUNCTION_LINES + 1);
  });

  it('lets a long function through only when its leading comment says "hot loop"', () => {
    const src = [
      `/** Scores every position. A hot loop: one pass, no calls (splitting it costs a call per token). */`,
      `export function scored(x: number) ${body(120)}`,
      `// hot loop: the sampler's scan`,
      `const scan = (x: number) => ${body(120)};`,
      `/** Just long. */`,
      `export function notHot(x: number) ${body(120)}`,
    ].join('\n');
    expect(longFunctions('hot.ts', src).map((f) => [f.name, f.hotLoop])).toEqual([
      ['scored', true],
      ['scan', true],
      ['notHot', false],
    ]);
  });

  it(`no function in src/ is longer than ${MAX_FUNCTION_LINES} lines unless documented as a hot loop`, () => {
    expect(FILES.length).toBeGreaterThan(50);
    const offenders = FILES.flatMap(({ rel, text }) =>
      longFunctions(rel, text)
        .filter((f) => !f.hotLoop)
        .map((f) => `src/${rel}:${f.line} ${f.name}: ${f.lines} lines (split it along its jobs, or say "hot loop" and why in its comment)`),
    );
    expect(offenders).toEqual([]);
  });
});

describe('house: layering', () => {
  it('reads static, type-only, re-exported and dynamic imports with their lines', () => {
    const src = `import { a } from '../key/index.js';\nimport type { B } from './b.js';\nexport { c } from '../errors.js';\nconst m = await import('../cli/main.js');\ntype T = import('../detect/index.js').X;\nimport ts from 'typescript';\n`;
    expect(importsOf('x.ts', src)).toEqual([
      { line: 1, specifier: '../key/index.js' },
      { line: 2, specifier: './b.js' },
      { line: 3, specifier: '../errors.js' },
      { line: 4, specifier: '../cli/main.js' },
      { line: 5, specifier: '../detect/index.js' },
      { line: 6, specifier: 'typescript' },
    ]);
  });

  it('resolves rooms', () => {
    expect(roomOf('detect/engine.ts')).toBe('detect');
    expect(roomOf('errors.ts')).toBe('errors');
    expect(resolveInSrc('detect/engine.ts', '../stats/index.js')).toBe('stats/index.ts');
    expect(resolveInSrc('index.ts', './key/index.js')).toBe('key/index.ts');
    expect(resolveInSrc('cli/x.ts', 'node:fs')).toBeUndefined();
  });

  it('fails on an import of a room above, on cli <-> simulate, on a client past index.ts, on an unknown room', () => {
    const at = (specifier: string, line = 3) => [{ line, specifier }];
    expect(layeringViolations('stats/binomial.ts', at('../detect/index.js'))).toEqual([
      "src/stats/binomial.ts:3 imports '../detect/index.js': room stats may not use room detect (allowed: errors, assert)",
    ]);
    expect(layeringViolations('scheme/config.ts', at('../sampler/index.js'))[0]).toMatch(/^src\/scheme\/config\.ts:3 imports '\.\.\/sampler\/index\.js': room scheme may not use room sampler/);
    expect(layeringViolations('key/family.ts', at('../scheme/config.js'))).toHaveLength(1);
    expect(layeringViolations('tokenize/load.ts', at('../key/params.js'))).toHaveLength(1);
    expect(layeringViolations('cli/main.ts', at('../simulate/cli.js'))[0]).toMatch(/room cli may not use room simulate/);
    expect(layeringViolations('simulate/report.ts', at('../cli/detect.js', 9))[0]).toMatch(/^src\/simulate\/report\.ts:9 .*room simulate may not use room cli/);
    expect(layeringViolations('cli/detect.ts', at('../detect/engine.js'))[0]).toMatch(/cli is a client of room detect and must import its public index\.ts/);
    expect(layeringViolations('widgets/x.ts', at('../errors.js'))[0]).toMatch(/room "widgets" is not in the layering table/);
    // What the rules allow.
    expect(layeringViolations('detect/engine.ts', [...at('../stats/index.js'), ...at('../key/secret-key.js'), ...at('./tally.js'), ...at('node:fs')])).toEqual([]);
    expect(layeringViolations('cli/detect.ts', [...at('../detect/index.js'), ...at('../report/html.js'), ...at('../command/args.js')])).toEqual([]);
  });

  it('no room in src/ imports a room it may not use (the known, reported ones excepted)', () => {
    const found = FILES.flatMap(({ rel, text }) => layeringViolations(rel, importsOf(rel, text)));
    // "src/x.ts:12 imports '...': why" -> "src/x.ts imports '...'" (lines move as files change).
    const site = (v: string) => v.replace(/:\d+ imports/, ' imports').replace(/: .*$/, '');
    expect(found.filter((v) => !KNOWN_VIOLATIONS.includes(site(v)))).toEqual([]);
    // A known entry that no longer occurs has been fixed: take it off the list.
    expect(KNOWN_VIOLATIONS.filter((k) => !found.some((v) => site(v) === k))).toEqual([]);
  });
});
