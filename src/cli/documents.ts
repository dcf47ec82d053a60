/**
 * From a parsed JSONL line to a suspect document: the completion and prompt fields (text or token
 * ids), with a bad line named by `file:line`, field and value.
 *
 * @module
 */
import { describe } from '../assert.js';
import { jsonValue, typeName } from '../command/errors.js';
import type { BadSink } from './bad-lines.js';

/** What {@link extractDocument} needs to know about the JSONL schema. */
export interface FieldSpec {
  /** Field holding the completion text (or the token ids with `tokens`); dotted paths allowed. */
  readonly field: string;
  /** Field holding the prompt text (or prompt ids); dotted paths allowed. */
  readonly promptField: string | undefined;
  /** Whether a missing prompt field is an error (the user named it explicitly). */
  readonly promptRequired: boolean;
  /** Pre-tokenized input: the fields hold arrays of ids. */
  readonly tokens: boolean;
  /** Valid ids are `[0, vocabSize)` (pre-tokenized input). */
  readonly vocabSize: number;
}

/** One suspect document read from the inputs. */
export interface InputDocument {
  /** `file:line` or `file`. */
  readonly where: string;
  /** Completion text (text inputs). */
  readonly text?: string;
  /** Prompt text, when present. */
  readonly prompt?: string;
  /** Completion ids (pre-tokenized inputs). */
  readonly tokens?: Uint32Array;
  /** Prompt ids (pre-tokenized inputs), when present. */
  readonly promptTokens?: Uint32Array;
}

/**
 * Reads a field by dotted path (`choices.0.text`): a key containing dots is tried whole first.
 *
 * @returns the value, or undefined when absent
 */
export function getField(obj: unknown, path: string): unknown {
  if (obj !== null && typeof obj === 'object' && Object.prototype.hasOwnProperty.call(obj, path)) {
    return (obj as Record<string, unknown>)[path];
  }
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Turns one parsed JSONL value into a document, reporting a bad line (missing field, wrong type,
 * token id out of range) through `bad`.
 *
 * @param value - the parsed line
 * @param where - `file:line`
 * @param spec - the field names and mode
 * @param bad - bad-line counter (throws unless skipping)
 * @returns the document, or undefined when the line was bad and skipped
 */
export function extractDocument(value: unknown, where: string, spec: FieldSpec, bad: BadSink): InputDocument | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    bad.add(where, 'notAnObject', `expected a JSON object, got ${typeName(value)}`);
    return undefined;
  }
  const main = getField(value, spec.field);
  if (main === undefined) {
    const keys = Object.keys(value).slice(0, 8);
    bad.add(
      where,
      'missingField',
      `field "${spec.field}" is missing (the line has ${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'no fields'}; choose another with --field)`,
    );
    return undefined;
  }
  const prompt = spec.promptField === undefined ? undefined : getField(value, spec.promptField);
  if (prompt === undefined && spec.promptRequired) {
    bad.add(where, 'missingField', `field "${spec.promptField}" (--prompt-field) is missing`);
    return undefined;
  }
  if (!spec.tokens) {
    if (typeof main !== 'string') {
      bad.add(where, 'wrongType', `field "${spec.field}" must be a string, got ${jsonValue(main)}`);
      return undefined;
    }
    if (prompt !== undefined && prompt !== null && typeof prompt !== 'string') {
      bad.add(where, 'wrongType', `field "${spec.promptField}" must be a string, got ${jsonValue(prompt)}`);
      return undefined;
    }
    return typeof prompt === 'string' ? { where, text: main, prompt } : { where, text: main };
  }
  const tokens = toIds(main, spec.field, where, spec.vocabSize, bad);
  if (!tokens) return undefined;
  if (prompt === undefined || prompt === null) return { where, tokens };
  const promptTokens = toIds(prompt, spec.promptField!, where, spec.vocabSize, bad);
  if (!promptTokens) return undefined;
  return { where, tokens, promptTokens };
}

function toIds(v: unknown, field: string, where: string, vocabSize: number, bad: BadSink): Uint32Array | undefined {
  if (!Array.isArray(v)) {
    bad.add(where, 'wrongType', `field "${field}" must be an array of token ids, got ${jsonValue(v)}`);
    return undefined;
  }
  const out = new Uint32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const t = v[i] as unknown;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= vocabSize) {
      bad.add(where, 'invalidToken', `field "${field}"[${i}] must be an integer id in [0, ${vocabSize}), got ${describe(t)}`);
      return undefined;
    }
    out[i] = t;
  }
  return out;
}
