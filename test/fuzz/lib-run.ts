/**
 * Library fuzzing: a case is one public call (./lib-targets.ts) with its valid arguments damaged in
 * one place, and the oracles judge what came back:
 *
 * - crash: a valid call failed; something not an Error was thrown; the message is internal
 *   exception text ("Cannot read properties", "Maximum call stack size exceeded", ...); a numeric
 *   API returned NaN;
 * - leak: the message (or the error's data) holds a piece of the fuzz key's secret;
 * - unclear: an error that names no API (`api: ...`) and carries no radiomark error data;
 * - hang: the call ran past the time bound (./lib-pool.ts enforces it from outside).
 *
 * Errors that name their API but are plain TypeError/RangeError (no code/field data) pass, and are
 * counted as "untyped" (issue 14 wants every error to carry its data).
 *
 * @module
 */
import fc from 'fast-check';
import { radiomarkErrorData } from '../../src/errors.js';
import type { LibTarget } from './lib-targets.js';
import { fuzzLeaks } from './secret.js';

const DELETE = Symbol('delete');

/** Hostile values for a library argument or option (beyond JSON: typed arrays, NaN, symbols, ...). */
export const libHostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    undefined, null, NaN, Infinity, -Infinity, -0, 0, -1, 0.5, 1, 2, 3, 1e-320, 1e308, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 65_536, 97, 96, 98,
    '', ' ', 'abc', 'r50k', 'o200k', 'hf:x', '\ud800', '1e400', '0x10', '__proto__', 'constructor',
    true, false, [], [NaN], [[]], [-1], [1.5], [2 ** 32], [null], [undefined], {}, { length: 3 }, { length: -1 }, { length: 2 ** 40 },
    Object.create(null), new Date(NaN), /x/, new Map(), new Set([1]), new Error('not a value'),
  ),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('x'.repeat(1 << 20), 'é'.repeat(100_000)),
  fc.array(fc.oneof(fc.integer({ min: -3, max: 200 }), fc.double(), fc.constant(null)), { maxLength: 8 }),
  fc.constantFrom(new Float32Array([NaN, 1]), new Float32Array(96), new Float32Array(98), new Float64Array(97), new Uint32Array([2 ** 32 - 1]), new Int8Array([-1, 5]), new Uint8Array(31), new Uint8Array(33), new BigInt64Array(2)),
  fc.constantFrom<unknown>(BigInt(5), Symbol('s'), () => 0, Promise.resolve(1)),
  fc.constantFrom(1000, 10_000).map((d) => JSON.parse('['.repeat(d) + ']'.repeat(d)) as unknown),
  fc.constantFrom(1000, 10_000).map((d) => JSON.parse('{"a":'.repeat(d) + '1' + '}'.repeat(d)) as unknown),
);

/** How a case damages the valid arguments. */
export type Mutation =
  | { kind: 'none' }
  | { kind: 'arg'; index: number; value: unknown }
  | { kind: 'field'; index: number; key: number; value: unknown }
  | { kind: 'element'; index: number; at: number; value: unknown }
  | { kind: 'drop' }
  | { kind: 'extra'; value: unknown };

/** One library case: which target, how damaged. */
export interface LibCase {
  target: number;
  mutation: Mutation;
}

/** The cases for `targets` (a target is picked uniformly). */
export function libCaseArb(targets: number): fc.Arbitrary<LibCase> {
  const value = fc.oneof(libHostile, fc.constant<unknown>(DELETE));
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('arg' as const), index: fc.nat(), value: libHostile }) },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('field' as const), index: fc.nat(), key: fc.nat(), value }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('element' as const), index: fc.nat(), at: fc.nat(), value: libHostile }) },
    { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'drop' }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('extra' as const), value: libHostile }) },
  );
  return fc.record({ target: fc.nat({ max: targets - 1 }), mutation });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && Object.getPrototypeOf(v) === Object.prototype;
const short = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}...(${v.length})` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function') return String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length: number }).length})`;
  if (Array.isArray(v)) return `array(${v.length})`;
  if (v === DELETE) return '(deleted)';
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}...` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
};

/** Applies `m` to `args` in place; returns a description, or undefined when it does not apply. */
export function mutate(args: unknown[], m: Mutation): string | undefined {
  switch (m.kind) {
    case 'none':
      return 'valid call';
    case 'drop':
      if (args.length === 0) return undefined;
      args.pop();
      return `argument ${args.length} dropped`;
    case 'extra':
      args.push(m.value);
      return `extra argument ${short(m.value)}`;
    case 'arg': {
      if (args.length === 0) return undefined;
      const i = m.index % args.length;
      args[i] = m.value;
      return `argument ${i} = ${short(m.value)}`;
    }
    case 'field': {
      const objects = args.map((a, i) => [a, i] as const).filter(([a]) => isPlainObject(a));
      if (objects.length === 0) return undefined;
      const [obj, i] = objects[m.index % objects.length]! as [Record<string, unknown>, number];
      const keys = Object.keys(obj);
      if (keys.length === 0) return undefined;
      const k = keys[m.key % keys.length]!;
      if (m.value === DELETE) delete obj[k];
      else obj[k] = m.value;
      return `argument ${i}.${k} = ${short(m.value)}`;
    }
    case 'element': {
      const arrays = args.map((a, i) => [a, i] as const).filter(([a]) => Array.isArray(a) || (ArrayBuffer.isView(a) && !(a instanceof DataView)));
      if (arrays.length === 0) return undefined;
      const [arr, i] = arrays[m.index % arrays.length]! as [unknown[], number];
      if (arr.length === 0) return undefined;
      const at = m.at % arr.length;
      try {
        arr[at] = m.value;
      } catch {
        return undefined; // a typed array refuses the value (BigInt into a Float32Array)
      }
      return `argument ${i}[${at}] = ${short(m.value)}`;
    }
  }
}

/** Internal exception text: a library error must not read like this. */
const INTERNAL = [
  /Cannot read propert/, /Cannot set propert/, /is not a function/, /is not iterable/, /is not defined/, /Maximum call stack size exceeded/,
  /Invalid (?:string|array|typed array) length/, /Cannot convert .* to a/, /Cannot convert object to primitive/, /offset is out of bounds/,
  /Cannot mix BigInt/, /Cannot destructure/, /Do not know how to serialize a BigInt/, /Invalid time value/, /Unexpected token .* in JSON at position/,
];

/** Text that says nothing about the value: the one value describer (src/assert.ts) avoids it. */
const VAGUE = [/\[object Object\]/, /got \[object /];

/** The verdict on one call. */
export interface LibVerdict {
  kind?: 'crash' | 'leak' | 'unclear';
  untyped?: boolean;
  detail: string;
}

/** A NaN anywhere in a (small) returned value. */
function hasNaN(v: unknown, depth = 0): boolean {
  if (typeof v === 'number') return Number.isNaN(v);
  if (depth > 3 || v === null || typeof v !== 'object') return false;
  if (ArrayBuffer.isView(v)) return false;
  return Object.values(v as object).some((x) => hasNaN(x, depth + 1));
}

const NUMERIC = /^(binomial|zScore|combineStrata|weighted|familyTest|normalTail|ks|holm|sidak|logGamma|logBinomial|randomizedPValue|chiSquare)/;

/** Runs one case and judges it (async APIs are awaited). */
export async function runLibCase(targets: LibTarget[], c: LibCase): Promise<LibVerdict & { api: string; what: string; ms: number } | undefined> {
  const t = targets[c.target]!;
  const args = t.valid();
  const what = mutate(args, c.mutation);
  if (what === undefined) return undefined; // the mutation does not apply to this target: not a case
  const t0 = performance.now();
  let verdict: LibVerdict;
  try {
    const value = await t.call(args);
    verdict = c.mutation.kind !== 'none' && NUMERIC.test(t.api) && hasNaN(value) ? { kind: 'crash', detail: 'returned NaN' } : { detail: 'returned' };
  } catch (e) {
    verdict = judgeError(e, c.mutation.kind === 'none');
  }
  return { ...verdict, api: t.api, what, ms: performance.now() - t0 };
}

/** Judges a thrown value. */
export function judgeError(e: unknown, validCall: boolean): LibVerdict {
  if (!(e instanceof Error)) return { kind: 'crash', detail: `threw a non-Error: ${short(e)}` };
  const message = e.message;
  const data = radiomarkErrorData(e);
  const leak = fuzzLeaks.find(message) ?? fuzzLeaks.find(safeJson(data));
  if (leak) return { kind: 'leak', detail: `message holds "${leak}": ${message.slice(0, 200)}` };
  if (validCall) return { kind: 'crash', detail: `a valid call threw: ${e.name}: ${message.slice(0, 200)}` };
  const internal = INTERNAL.find((re) => re.test(message));
  if (internal) return { kind: 'crash', detail: `${e.name}: ${message.slice(0, 200)}` };
  if (VAGUE.some((re) => re.test(message))) return { kind: 'unclear', detail: `${e.name}: ${message.slice(0, 200)}` };
  if (data !== undefined) return { detail: 'radiomark error' };
  if (/^[\w.$[\]]+(?:\(\))?: \S/.test(message)) return { untyped: true, detail: `${e.name} without radiomark data: ${message.slice(0, 160)}` };
  return { kind: 'unclear', detail: `${e.name}: ${message.slice(0, 200)}` };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) ?? '';
  } catch {
    return '';
  }
}
