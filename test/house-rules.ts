/**
 * The house rules of issue 14 that a parser can check, as pure functions over source text (so the
 * test can try them on sources it writes itself): function length, and which room may import
 * which. test/house.test.ts runs them over every file in src/.
 */
import ts from 'typescript';

/** A function body longer than the limit. */
export interface LongFunction {
  /** 1-based line where the function starts. */
  readonly line: number;
  /** Its name (function, method, variable or property it is assigned to), or `<anonymous>`. */
  readonly name: string;
  /** Lines of its body, from the opening brace to the closing one. */
  readonly lines: number;
  /** Whether its leading comment says it is a hot loop (the one allowed reason to be long). */
  readonly hotLoop: boolean;
}

/** Longest function body the house allows (lines, braces included), except a documented hot loop. */
export const MAX_FUNCTION_LINES = 80;

/**
 * Every function, method, accessor, constructor and arrow function in `source` whose body spans
 * more than `limit` lines (counted from the line of its opening brace to the line of its closing
 * one, as a reader scrolls it; an expression-bodied arrow counts its expression).
 *
 * @param fileName - for the parser (`.ts`)
 * @param source - the text
 * @param limit - the allowed length
 */
export function longFunctions(fileName: string, source: string, limit = MAX_FUNCTION_LINES): LongFunction[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: LongFunction[] = [];
  const lineOf = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const body = node.body as ts.Node;
      const lines = lineOf(body.getEnd()) - lineOf(body.getStart(sf)) + 1;
      if (lines > limit) out.push({ line: lineOf(node.getStart(sf)) + 1, name: functionName(node, sf), lines, hotLoop: /hot loop/i.test(leadingComments(node, sf)) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The name a reader would search for. */
function functionName(node: ts.SignatureDeclaration, sf: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name !== undefined) return node.name.getText(sf);
  const p = node.parent;
  if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && p.name !== undefined) return p.name.getText(sf);
  return '<anonymous>';
}

/**
 * The comments before a function: its own, or (an arrow function or function expression) those of
 * the declaration, property or statement it is the value of.
 */
function leadingComments(node: ts.Node, sf: ts.SourceFile): string {
  const text = sf.getFullText();
  const holders: ts.Node[] = [node];
  let p: ts.Node | undefined = node.parent;
  while (p !== undefined && (ts.isVariableDeclaration(p) || ts.isVariableDeclarationList(p) || ts.isVariableStatement(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p))) {
    holders.push(p);
    p = p.parent;
  }
  return holders
    .flatMap((h) => ts.getLeadingCommentRanges(text, h.getFullStart()) ?? [])
    .map((r) => text.slice(r.pos, r.end))
    .join('\n');
}

/** One import of another module, as written. */
export interface ImportSite {
  /** 1-based line of the import. */
  readonly line: number;
  /** The module specifier, e.g. `../detect/index.js`. */
  readonly specifier: string;
}

/** Every static import, re-export and dynamic `import()` of a string in `source`. */
export function importsOf(fileName: string, source: string): ImportSite[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: ImportSite[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined): void => {
    if (spec !== undefined && ts.isStringLiteralLike(spec)) out.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, specifier: spec.text });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The modules every room may use: the error types, the argument checks, the seeded PRNG, shared sizes. */
const FOUNDATIONS = ['errors', 'assert', 'random', 'limits'] as const;

/** The library's rooms a tool (the CLI, the simulator) may use, through their index.ts only. */
const PUBLIC_ROOMS = ['key', 'scheme', 'sampler', 'detect', 'stats', 'tokenize'] as const;

/**
 * The rooms of src/ and the rooms each may import (docs/ARCHITECTURE.md): a room is a folder, or
 * a top-level file (`errors`, `assert`, `index`, `version`). Serving side: key <- scheme <- sampler
 * <- adapters; investigation side: key <- scheme <- detect -> stats; stats uses nothing of ours but
 * the error types and argument checks; tokenize stands alone; report reads detection results; the
 * CLI and the simulator are clients of the public rooms, of report and of the command shape, and
 * never of each other; bin starts them.
 */
export const ALLOWED_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  assert: ['errors'],
  random: ['errors', 'assert'],
  limits: [],
  version: [],
  key: [...FOUNDATIONS],
  scheme: [...FOUNDATIONS, 'key'],
  sampler: [...FOUNDATIONS, 'key', 'scheme'],
  adapters: [...FOUNDATIONS, 'key', 'scheme', 'sampler'],
  stats: ['errors', 'assert'],
  detect: [...FOUNDATIONS, 'key', 'scheme', 'stats'],
  tokenize: [...FOUNDATIONS],
  testing: [...FOUNDATIONS, 'key', 'scheme', 'sampler', 'stats'],
  report: [...FOUNDATIONS, 'version', 'detect'],
  command: [...FOUNDATIONS],
  cli: [...FOUNDATIONS, 'version', ...PUBLIC_ROOMS, 'report', 'command'],
  simulate: [...FOUNDATIONS, 'version', ...PUBLIC_ROOMS, 'report', 'command'],
  bin: [...FOUNDATIONS, 'version', 'command', 'cli', 'simulate'],
  index: [...FOUNDATIONS, ...PUBLIC_ROOMS],
};

/** Rooms that are clients of the library: they reach a public room only through its index.ts. */
const CLIENTS = new Set(['cli', 'simulate', 'report', 'bin']);

/** The room of a path relative to src/ (`detect/engine.ts` -> `detect`, `errors.ts` -> `errors`). */
export function roomOf(path: string): string {
  const parts = path.split('/');
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!;
}

/**
 * Resolves a relative specifier of a module in src/ to a path relative to src/ (`.js` read as
 * `.ts`), or undefined for a package import.
 */
export function resolveInSrc(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const parts = from.split('/').slice(0, -1);
  for (const seg of specifier.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return parts.join('/').replace(/\.js$/, '.ts');
}

/**
 * The imports of the module `from` (a path relative to src/) that break the layering: an import of
 * a room its room may not use, a client reaching past a public room's index.ts, or a module in a
 * room the table does not know.
 *
 * @returns one line per violation, naming file:line, the import and the rule
 */
export function layeringViolations(from: string, imports: readonly ImportSite[], allowed = ALLOWED_IMPORTS): string[] {
  const room = roomOf(from);
  const out: string[] = [];
  if (allowed[room] === undefined) return [`src/${from}: room "${room}" is not in the layering table (test/house-rules.ts ALLOWED_IMPORTS): add it with the rooms it may use`];
  for (const site of imports) {
    const target = resolveInSrc(from, site.specifier);
    if (target === undefined) continue;
    const to = roomOf(target);
    if (to === room) continue;
    if (!allowed[room]!.includes(to)) out.push(`src/${from}:${site.line} imports '${site.specifier}': room ${room} may not use room ${to} (allowed: ${allowed[room]!.join(', ') || 'none'})`);
    else if (CLIENTS.has(room) && (PUBLIC_ROOMS as readonly string[]).includes(to) && target !== `${to}/index.ts`) {
      out.push(`src/${from}:${site.line} imports '${site.specifier}': ${room} is a client of room ${to} and must import its public index.ts`);
    }
  }
  return out;
}
