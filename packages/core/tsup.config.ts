import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'driver/index': 'src/driver/index.ts',
    'adapters/ioredis': 'src/adapters/ioredis.ts',
    'adapters/upstash': 'src/adapters/upstash.ts',
    'kit/index': 'src/kit/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/conformance': 'src/testing/conformance.ts',
  },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['ioredis', 'vitest', '@upstash/redis'],
});
