import fc from 'fast-check';

/**
 * fast-check's seed is pinned (FC_SEED, default 42) so CI runs are reproducible; a failure prints
 * the seed and path to replay. Set FC_SEED=random locally to explore new cases.
 */
const raw = process.env.FC_SEED ?? '42';
const seed = raw === 'random' ? Date.now() ^ (Math.random() * 2 ** 31) : Number(raw);
fc.configureGlobal({ seed, numRuns: Number(process.env.FC_RUNS ?? 100), verbose: 1 });
