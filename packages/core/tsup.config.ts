import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

type Target = { '@raptorflow/source'?: string; default?: string };
const { exports } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, Target | string>;
};

// One build entry per export subpath (`dist/<entry>.js` from its source), read from package.json so
// that an adapter's export is one place, not two.
const entry = Object.fromEntries(
  Object.values(exports).flatMap((target) =>
    typeof target === 'object' && target['@raptorflow/source'] && target.default
      ? [
          [
            target.default.replace(/^\.\/dist\/|\.js$/g, ''),
            target['@raptorflow/source'].replace(/^\.\//, ''),
          ],
        ]
      : [],
  ),
);

export default defineConfig({
  entry,
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['ioredis', 'redis', 'vitest', '@upstash/redis'],
});
