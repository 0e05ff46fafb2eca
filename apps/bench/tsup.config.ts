import { defineConfig } from 'tsup';

export default defineConfig({
  // Each scenario is a dynamic import, so it becomes its own chunk: a bench process loads only
  // the scenario it runs.
  entry: { cli: 'src/cli.ts', worker: 'src/worker.ts', harness: 'src/harness.ts' },
  format: ['esm'],
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Measure the packages as users install them: built, resolved from node_modules.
  external: [/^@raptorflow\//, 'ioredis'],
});
