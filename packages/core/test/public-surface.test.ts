import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The main entry is what store users read in their editor's completion list, so it stays small:
 * at most 50 names, types included (it held 98 before the driver SPI moved to
 * `@raptorflow/core/driver`). Adding a name past the budget means deciding which entry it
 * belongs to, not raising the number.
 */
const MAIN_BUDGET = 50;

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Names a module exports, values and types alike, as the type checker resolves them. */
function exportedNames(files: readonly string[]): Map<string, string[]> {
  const program = ts.createProgram(
    files.map((f) => `${SRC}${f}`),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    },
  );
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  for (const file of files) {
    const source = program.getSourceFile(`${SRC}${file}`);
    const symbol = source && checker.getSymbolAtLocation(source);
    if (!symbol) throw new Error(`public-surface: cannot read the module ${file}`);
    out.set(
      file,
      checker.getExportsOfModule(symbol).map((s) => s.name),
    );
  }
  return out;
}

const names = exportedNames(['index.ts', 'driver/index.ts']);
const main = names.get('index.ts') ?? [];
const driver = names.get('driver/index.ts') ?? [];

describe('public surface', () => {
  it(`the main entry exports at most ${MAIN_BUDGET} names, types included`, () => {
    expect(main.length, `main entry: ${[...main].sort().join(', ')}`).toBeLessThanOrEqual(MAIN_BUDGET);
    // Store users still find a store, its layers, codecs, errors and scripts there.
    expect(main).toEqual(
      expect.arrayContaining([
        'memoryAdapter',
        'KvStore',
        'withL1',
        'withFailover',
        'instrument',
        'findLayer',
      ]),
    );
    expect(main).toEqual(
      expect.arrayContaining(['defineScript', 'Script', 'Reply', 'KvError', 'isKvError', 'jsonCodec']),
    );
  });

  it('the driver SPI lives in @raptorflow/core/driver, not in the main entry', () => {
    const spi = [
      'KvDriver',
      'Command',
      'COMMANDS',
      'CommandSpec',
      'createStore',
      'encodeScriptArgs',
      'namespaceDriver',
      'asInteger',
      'asNullableString',
      'asScoredMembers',
      'parseDouble',
      'twinResultToReply',
      'luaNumberToString',
      'fromReplyError',
      'memoryDriver',
    ];
    expect(driver).toEqual(expect.arrayContaining(spi));
    expect(main.filter((name) => spi.includes(name))).toEqual([]);
  });

  it('each name has one home: the two entries share none', () => {
    expect(main.filter((name) => driver.includes(name))).toEqual([]);
  });
});
