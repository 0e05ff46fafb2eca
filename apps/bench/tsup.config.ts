import { defineConfig } from 'tsup';

export default defineConfig({
  // Scenarios, adapters and the Redis probe are dynamic imports, so each becomes its own chunk:
  // a bench process loads only what its run needs.
  entry: { cli: 'src/cli.ts', worker: 'src/worker.ts' },
  format: ['esm'],
  splitting: true,
  sourcemap: true,
  // Chunk names are content hashes: without cleaning, a rebuild while a bench runs (the working
  // tree is shared) adds files instead of deleting the ones the running children load.
  clean: false,
  target: 'node20',
  // Measure packages as users install them: built, loaded from node_modules, never bundled here.
  skipNodeModulesBundle: true,
  external: [/^@raptorflow\//],
});
