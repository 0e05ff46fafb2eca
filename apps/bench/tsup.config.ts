import { defineConfig } from 'tsup';

export default defineConfig({
  // Scenarios, adapters and the Redis probe are dynamic imports, so each becomes its own chunk:
  // a bench process loads only what its run needs.
  entry: { cli: 'src/cli.ts', worker: 'src/worker.ts' },
  format: ['esm'],
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Measure the packages as users install them: built, resolved from node_modules.
  external: [/^@raptorflow\//, 'ioredis'],
});
