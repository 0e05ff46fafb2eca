import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'vitest-setup': 'src/vitest-setup.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: ['vitest'],
});
