import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (name: string) =>
  fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests run against the sources: `@fv/*` resolves to each package's `src/index.ts`.
const alias = {
  '@fv/core': src('core'),
  '@fv/autodiff': src('autodiff'),
  '@fv/runtime': src('runtime'),
  '@fv/viz': src('viz'),
  '@fv/cli': src('cli'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'packages/{core,runtime,cli}/test/**/*.test.ts',
            'test/integration/**/*.test.ts',
          ],
          testTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'autodiff',
          environment: 'node',
          include: ['packages/autodiff/test/**/*.test.ts'],
          testTimeout: 60_000,
          // One test file per gradient rule, each loading onnxruntime-web's wasm (~1 s apiece,
          // far more on a busy machine): sharing the module graph within a worker loads it once.
          // The tests keep no global state besides onnxruntime's session cache.
          isolate: false,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'jsdom',
          environment: 'jsdom',
          include: ['packages/viz/test/**/*.test.ts'],
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
