import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { respCommand } from '@raptorflow/testkit';
import { describe, expect, inject, it } from 'vitest';
import type { Script } from '../src/script.js';

// Every script the repository defines: found by scanning each package's sources for
// `defineScript`, then importing those modules and collecting the exported scripts.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
// A module-level definition: `= defineScript(` or a package's wrapper (`= defineAlgorithm(`).
// A factory that calls defineScript inside a function (ratelimit's envelope) defines nothing itself.
// `defineErrorCodes` is the kit's other `define`: error codes, not scripts.
const DEFINES = /=\s*define(?!ErrorCodes\b)(?:Script|[A-Z]\w*)\s*[<(]/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') out.push(...sourceFiles(path));
    } else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.test.ts') &&
      !entry.name.endsWith('.d.ts')
    ) {
      out.push(path);
    }
  }
  return out;
}

function isScript(value: unknown): value is Script<unknown> {
  const v = value as Partial<Script<unknown>> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.lua === 'string' &&
    typeof v.sha === 'string' &&
    typeof v.twin === 'function' &&
    typeof v.name === 'string'
  );
}

function collect(value: unknown, into: Map<string, Script<unknown>>, depth = 0): void {
  if (isScript(value)) into.set(`${value.name}:${value.sha}`, value);
  else if (depth < 2 && Array.isArray(value)) for (const v of value) collect(v, into, depth + 1);
  else if (depth < 2 && typeof value === 'object' && value !== null && !(value instanceof Map)) {
    for (const v of Object.values(value)) collect(v, into, depth + 1);
  }
}

const packagesDir = join(ROOT, 'packages');
const definingFiles = readdirSync(packagesDir)
  .flatMap((pkg) => {
    try {
      return sourceFiles(join(packagesDir, pkg, 'src'));
    } catch {
      return [];
    }
  })
  // script.ts defines defineScript itself; index.ts only re-exports it.
  .filter((file) => !file.endsWith('core/src/script.ts') && !file.endsWith('core/src/index.ts'))
  .filter((file) => DEFINES.test(readFileSync(file, 'utf8')));

describe('script SHAs', () => {
  it('every module that defines scripts exports them, and every SHA is right', async () => {
    const defining = definingFiles.map((f) => relative(ROOT, f));
    expect(defining).toContain('packages/core/src/testing/scripts.ts');
    for (const name of ['compare-and-set', 'compare-and-delete', 'compare-and-extend', 'fencing-counter']) {
      expect(defining).toContain(`packages/core/src/scripts/${name}.ts`);
    }
    const scripts = new Map<string, Script<unknown>>();
    for (const file of definingFiles) {
      const before = scripts.size;
      collect(await import(pathToFileURL(file).href), scripts);
      expect(scripts.size, `${relative(ROOT, file)} defines scripts but exports none`).toBeGreaterThan(
        before,
      );
    }
    const { redis } = inject('raptorflow');
    for (const script of scripts.values()) {
      const sha = createHash('sha1').update(script.lua, 'utf8').digest('hex');
      expect(script.sha, script.name).toBe(sha);
      expect(await respCommand(redis.host, redis.port, ['SCRIPT', 'LOAD', script.lua]), script.name).toBe(
        sha,
      );
    }
    // The primitive scripts are exported by the kit as well as defined: one definition each.
    for (const name of [
      'rf-compare-and-set',
      'rf-compare-and-delete',
      'rf-compare-and-extend',
      'rf-fencing-counter',
    ]) {
      expect(
        [...scripts.values()].filter((s) => s.name === name),
        name,
      ).toHaveLength(1);
    }
    expect(scripts.size).toBeGreaterThanOrEqual(11);
    console.info(`script-sha: ${scripts.size} scripts in ${definingFiles.length} modules`);
  });
});
