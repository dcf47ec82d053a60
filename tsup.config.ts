import { defineConfig } from 'tsup';

/**
 * One entry per public subpath, so that a detector-only service never loads sampler code and a
 * model server never loads the CLI. Keep in sync with "exports" in package.json.
 */
export const entries = {
  index: 'src/index.ts',
  'key/index': 'src/key/index.ts',
  'scheme/index': 'src/scheme/index.ts',
  'stats/index': 'src/stats/index.ts',
  'detect/index': 'src/detect/index.ts',
  'sampler/index': 'src/sampler/index.ts',
  'adapters/transformers': 'src/adapters/transformers.ts',
  'adapters/web-llm': 'src/adapters/web-llm.ts',
  'adapters/node-llama-cpp': 'src/adapters/node-llama-cpp.ts',
  'testing/index': 'src/testing/index.ts',
  'bin/radiomark': 'src/bin/radiomark.ts',
  'tokenize/index': 'src/tokenize/index.ts',
};

export default defineConfig({
  entry: entries,
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
});
