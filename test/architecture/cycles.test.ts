/**
 * No import cycles anywhere: every source file of the project (runtime, cli, inspector, tests,
 * harness, …) must sit outside any strongly connected component of the import graph. A layer
 * that reaches sideways through the engine shows up here first.
 */
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './imports.js';

describe('the import graph', () => {
  it('has no cycle', () => {
    const cycles = importCycles(importGraph()).map((c) => c.join(' → '));
    expect(cycles).toEqual([]);
  });

  it('the cycle finder finds a cycle when there is one (a → b → c → a, and a file importing itself)', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(importCycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
  });

  it('reads relative imports, type-only imports, re-exports and dynamic imports', () => {
    const g = importGraph();
    expect(g.get('cli/commands/index.ts')).toContain('cli/commands/demo.ts');
    expect(g.get('runtime/engine.ts')).toContain('runtime/layer.ts');
    expect(g.get('index.ts')).toContain('runtime/engine.ts');
  });
});
