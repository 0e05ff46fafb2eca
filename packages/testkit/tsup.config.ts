import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'vitest-setup': 'src/vitest-setup.ts',
    'upstash/index': 'src/upstash/index.ts',
    'upstash/cli': 'src/upstash/cli.ts',
  },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: ['vitest'],
});
