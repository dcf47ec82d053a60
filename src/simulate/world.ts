/**
 * The simulated world a run takes place in: the tokenizer, the teacher, the clean corpus and the
 * prompt pools. Building the n-gram world (reading WordNet, tokenizing 2M tokens, counting) takes a
 * few seconds, so worlds are memoized per process: the experiments reuse one teacher across many
 * runs, and vary only what a run varies (key, rho, sampling).
 */

import { loadTokenizer, type Tokenizer } from '../tokenize/index.js';
import { loadWordNetEntries, loadWordNetGlosses, PRIVATE_LEX_FILES } from './corpus.js';
import { NGramBuilder } from './ngram.js';
import { createRandom, shuffleInPlace } from '../random/index.js';
import { createSyntheticTeacher, type SyntheticTeacher } from './synthetic.js';
import { NGramTeacher, type Teacher } from './teacher.js';

/** Which teacher a world holds. */
export type TeacherKind = 'ngram' | 'synthetic';

/** Options of {@link buildWorld}. */
export interface WorldOptions {
  /** `ngram` (WordNet glosses, o200k) or `synthetic`. */
  readonly teacher: TeacherKind;
  /** Order of the n-gram teacher (default 3). */
  readonly teacherOrder?: number;
  /**
   * Types kept in the n-gram teacher's empty-context distribution (default 2048, the most frequent
   * ones; `0` keeps all 36,755, `facts.teacherTypes` in `radiomark simulate --json`). Each step's
   * support is these plus the followers of the matched contexts, a few thousand finite logits
   * instead of all the types, which makes the exact sampler several times cheaper per token
   * (docs/simulate.md, "What is simulated", gives the timings).
   */
  readonly teacherBase?: number;
  /** Seed of the corpus split and of the synthetic model (default `wordnet`). */
  readonly corpusSeed?: string;
  /** Prompt length in tokens (default 4 for the n-gram teacher, 8 for the synthetic one). */
  readonly promptLength?: number;
  /** Use only the first this many glosses after the shuffle (fast tests; default all). */
  readonly glosses?: number;
  /**
   * How the n-gram world splits its corpus: `random` (default; the teacher's training text is the
   * distiller's clean text too, so the teacher knows nothing the distiller lacks) or `domain` (the
   * teacher also knows a private domain, WordNet's living things and food, that the distiller's
   * clean text lacks; prompts come from that domain; see {@link buildWorld}).
   */
  readonly split?: WorldSplit;
}

/** See {@link WorldOptions.split}. */
export type WorldSplit = 'random' | 'domain';

/** A world. Prompt pools are o200k ids. */
export interface World {
  readonly key: string;
  readonly tokenizer: Tokenizer;
  readonly teacher: Teacher;
  /** Set for the synthetic teacher. */
  readonly synthetic: SyntheticTeacher | undefined;
  /** Clean human text (whole glosses, end-of-text appended), in order; empty for the synthetic world. */
  readonly cleanDocs: readonly Uint32Array[];
  /** Token count of `cleanDocs` (end-of-text ids included). */
  readonly cleanTokens: number;
  /** Prompts for the teacher's distillation data (cycled when more are needed). */
  readonly distillPrompts: readonly Uint32Array[];
  /** Held-out prompts the suspect answers (disjoint from the distillation prompts). */
  readonly heldOutPrompts: readonly Uint32Array[];
  /** The glosses of the held-out prompts, as text (for the cross-tokenizer student). */
  readonly heldOutText: readonly string[];
  /**
   * Domain split only: further clean human text of the distiller's (general glosses the teacher
   * did not train on), for the `dilute` attack; empty otherwise.
   */
  readonly extraCleanDocs: readonly Uint32Array[];
  /** The split (`random` for the synthetic world). */
  readonly split: WorldSplit;
  /** Facts about the world, for the output. */
  readonly facts: Record<string, number | string>;
  /** Milliseconds spent building it. */
  readonly ms: number;
}

const cache = new Map<string, Promise<World>>();

/** Default size of the n-gram teacher's base distribution. */
export const DEFAULT_TEACHER_BASE = 2048;

/**
 * Builds (or returns the memoized) world.
 *
 * Corpus split of the n-gram world (glosses shuffled by `corpusSeed`): 80% teacher training text
 * (also the clean text students may train on), 15% distillation prompts, 5% held-out prompts. A
 * prompt is the first `promptLength` tokens of a gloss that has at least 4 more.
 *
 * @param options - see {@link WorldOptions}
 * @returns the world
 */
export function buildWorld(options: WorldOptions): Promise<World> {
  const order = options.teacherOrder ?? 3;
  const base = options.teacherBase ?? DEFAULT_TEACHER_BASE;
  const corpusSeed = options.corpusSeed ?? 'wordnet';
  const promptLength = options.promptLength ?? (options.teacher === 'ngram' ? 4 : 8);
  const limit = options.glosses ?? 0;
  const split = options.teacher === 'ngram' ? (options.split ?? 'random') : 'random';
  const key = `${options.teacher}/${order}/${base}/${corpusSeed}/${promptLength}/${limit}${split === 'domain' ? '/domain' : ''}`;
  let w = cache.get(key);
  if (!w) {
    w =
      options.teacher !== 'ngram'
        ? syntheticWorld(key, corpusSeed, promptLength)
        : split === 'domain'
          ? domainWorld(key, order, base, corpusSeed, promptLength, limit)
          : ngramWorld(key, order, base, corpusSeed, promptLength, limit);
    cache.set(key, w);
  }
  return w;
}

async function ngramWorld(key: string, order: number, base: number, corpusSeed: string, promptLength: number, limit: number): Promise<World> {
  const t0 = performance.now();
  const tokenizer = await loadTokenizer('o200k');
  const glosses = loadWordNetGlosses();
  shuffleInPlace(glosses, createRandom(`corpus/${corpusSeed}`));
  if (limit > 0) glosses.length = Math.min(glosses.length, limit);
  const nTrain = Math.floor(glosses.length * 0.8);
  const nDistill = Math.floor(glosses.length * 0.15);
  const builder = new NGramBuilder({ order, vocabSize: tokenizer.vocabSize });
  const cleanDocs = glosses.slice(0, nTrain).map((g) => glossDoc(tokenizer, g));
  for (const d of cleanDocs) builder.add(d);
  const cleanTokens = tokenCount(cleanDocs);
  const model = builder.build(base > 0 ? { baseTypes: base } : {});
  const prompts = promptPools(tokenizer, glosses, nTrain, nTrain + nDistill, promptLength);
  const teacher = new NGramTeacher(
    model,
    tokenizer.endOfTextId!,
    `${order}-gram Witten-Bell model of ${nTrain.toLocaleString('en-US')} WordNet 3.1 glosses (${cleanTokens.toLocaleString('en-US')} o200k tokens` +
      `${baseNote(base, model.types)})`,
  );
  return {
    key,
    tokenizer,
    teacher,
    synthetic: undefined,
    cleanDocs,
    cleanTokens,
    ...prompts,
    extraCleanDocs: [],
    split: 'random',
    facts: {
      glosses: glosses.length,
      teacherTrainingTokens: cleanTokens,
      teacherTypes: model.types,
      teacherBaseTypes: base > 0 ? Math.min(base, model.types) : model.types,
      teacherContexts: model.contexts,
      teacherNgrams: model.pairs,
      distillPrompts: prompts.distillPrompts.length,
      heldOutPrompts: prompts.heldOutPrompts.length,
      promptLength,
    },
    ms: performance.now() - t0,
  };
}

/** A gloss as a clean document: its o200k ids, end-of-text appended. */
function glossDoc(tokenizer: Tokenizer, gloss: string): Uint32Array {
  const ids = tokenizer.encode(gloss);
  const doc = new Uint32Array(ids.length + 1);
  doc.set(ids);
  doc[ids.length] = tokenizer.endOfTextId!;
  return doc;
}

function tokenCount(docs: readonly Uint32Array[]): number {
  return docs.reduce((a, d) => a + d.length, 0);
}

/** The part of a teacher's description that says how its base distribution was cut. */
function baseNote(base: number, types: number): string {
  return base > 0 ? `; base distribution on the ${base.toLocaleString('en-US')} most frequent of ${types.toLocaleString('en-US')} types` : '';
}

/**
 * The prompt pools from `glosses[from..)`: a prompt is the first `promptLength` tokens of a gloss
 * that has at least 4 more; glosses before `heldOutFrom` give distillation prompts, the rest
 * held-out prompts (with their text).
 */
function promptPools(
  tokenizer: Tokenizer,
  glosses: readonly string[],
  from: number,
  heldOutFrom: number,
  promptLength: number,
): Pick<World, 'distillPrompts' | 'heldOutPrompts' | 'heldOutText'> {
  const distillPrompts: Uint32Array[] = [];
  const heldOutPrompts: Uint32Array[] = [];
  const heldOutText: string[] = [];
  for (let i = from; i < glosses.length; i++) {
    const ids = tokenizer.encode(glosses[i]!);
    if (ids.length < promptLength + 4) continue;
    const p = ids.slice(0, promptLength);
    if (i < heldOutFrom) distillPrompts.push(p);
    else {
      heldOutPrompts.push(p);
      heldOutText.push(glosses[i]!);
    }
  }
  return { distillPrompts, heldOutPrompts, heldOutText };
}

async function syntheticWorld(key: string, corpusSeed: string, promptLength: number): Promise<World> {
  const t0 = performance.now();
  const tokenizer = await loadTokenizer('o200k');
  // o200k's ordinary ids are [0, 199998); the rest are special or unused.
  let ordinary = tokenizer.vocabSize;
  for (const id of tokenizer.specialTokenIds) ordinary = Math.min(ordinary, id);
  const synthetic = createSyntheticTeacher({ vocabSize: tokenizer.vocabSize, ordinaryIds: Math.min(ordinary, 199_998), seed: corpusSeed });
  const r = createRandom(`prompts/${corpusSeed}`);
  const uniform = (): number => r.next();
  const distillPrompts: Uint32Array[] = [];
  const heldOutPrompts: Uint32Array[] = [];
  for (let i = 0; i < 20_000; i++) distillPrompts.push(synthetic.prompt(promptLength, uniform));
  for (let i = 0; i < 5_000; i++) heldOutPrompts.push(synthetic.prompt(promptLength, uniform));
  return {
    key,
    tokenizer,
    teacher: synthetic,
    synthetic,
    cleanDocs: [],
    cleanTokens: 0,
    distillPrompts,
    heldOutPrompts,
    heldOutText: heldOutPrompts.map((p) => tokenizer.decode(p)),
    extraCleanDocs: [],
    split: 'random',
    facts: { distillPrompts: distillPrompts.length, heldOutPrompts: heldOutPrompts.length, promptLength },
    ms: performance.now() - t0,
  };
}

/** Shares of the private domain's glosses: teacher training, distillation prompts, held-out prompts. */
const PRIVATE_SHARES = [0.6, 0.25, 0.15] as const;

/**
 * The domain-split world: the teacher knows something the distiller's other data lacks.
 *
 * Glosses are shuffled by `corpusSeed` and split by topic. General glosses (every topic except
 * {@link PRIVATE_LEX_FILES}): the first 80% train the teacher and are the distiller's clean text;
 * the other 20% are further clean text of the distiller's ({@link World.extraCleanDocs}, for
 * `dilute`). Private glosses (living things and food): 60% train the teacher only, 25% give the
 * distillation prompts, 15% the held-out prompts. So a student trained on clean text alone has
 * never seen the private domain, and the teacher's answers to private prompts carry knowledge it
 * can only get by distilling.
 */
async function domainWorld(key: string, order: number, base: number, corpusSeed: string, promptLength: number, limit: number): Promise<World> {
  const t0 = performance.now();
  const tokenizer = await loadTokenizer('o200k');
  const entries = loadWordNetEntries();
  shuffleInPlace(entries, createRandom(`corpus/${corpusSeed}`));
  if (limit > 0) entries.length = Math.min(entries.length, limit);
  const general = entries.filter((e) => !PRIVATE_LEX_FILES.has(e.lexFile)).map((e) => e.gloss);
  const priv = entries.filter((e) => PRIVATE_LEX_FILES.has(e.lexFile)).map((e) => e.gloss);
  const nGeneral = Math.floor(general.length * 0.8);
  const nPrivTrain = Math.floor(priv.length * PRIVATE_SHARES[0]);
  const nPrivDistill = Math.floor(priv.length * PRIVATE_SHARES[1]);
  const builder = new NGramBuilder({ order, vocabSize: tokenizer.vocabSize });
  const cleanDocs = general.slice(0, nGeneral).map((g) => glossDoc(tokenizer, g));
  for (const d of cleanDocs) builder.add(d);
  const privateDocs = priv.slice(0, nPrivTrain).map((g) => glossDoc(tokenizer, g));
  for (const d of privateDocs) builder.add(d);
  const cleanTokens = tokenCount(cleanDocs);
  const privateTokens = tokenCount(privateDocs);
  const extraCleanDocs = general.slice(nGeneral).map((g) => glossDoc(tokenizer, g));
  const model = builder.build(base > 0 ? { baseTypes: base } : {});
  const prompts = promptPools(tokenizer, priv, nPrivTrain, nPrivTrain + nPrivDistill, promptLength);
  const teacher = new NGramTeacher(
    model,
    tokenizer.endOfTextId!,
    `${order}-gram Witten-Bell model of ${(nGeneral + nPrivTrain).toLocaleString('en-US')} WordNet 3.1 glosses, ${nPrivTrain.toLocaleString('en-US')} of them ` +
      `from a private domain (living things and food) the distiller's clean text lacks (${(cleanTokens + privateTokens).toLocaleString('en-US')} o200k tokens` +
      `${baseNote(base, model.types)})`,
  );
  return {
    key,
    tokenizer,
    teacher,
    synthetic: undefined,
    cleanDocs,
    cleanTokens,
    ...prompts,
    extraCleanDocs,
    split: 'domain',
    facts: {
      glosses: entries.length,
      privateGlosses: priv.length,
      teacherTrainingTokens: cleanTokens + privateTokens,
      teacherPrivateTokens: privateTokens,
      distillerCleanTokens: cleanTokens,
      distillerExtraCleanTokens: tokenCount(extraCleanDocs),
      teacherTypes: model.types,
      teacherBaseTypes: base > 0 ? Math.min(base, model.types) : model.types,
      distillPrompts: prompts.distillPrompts.length,
      heldOutPrompts: prompts.heldOutPrompts.length,
      promptLength,
    },
    ms: performance.now() - t0,
  };
}

/**
 * Endless iteration over a pool, starting at `offset`.
 * @param pool - the items
 * @param offset - first index
 */
export function* cycle<T>(pool: readonly T[], offset = 0): Generator<T> {
  if (pool.length === 0) return;
  for (let i = offset; ; i++) yield pool[i % pool.length]!;
}
