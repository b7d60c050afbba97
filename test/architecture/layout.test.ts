/**
 * Who may import whom, between the top-level folders (issue 14), read from the import graph
 * (test/architecture/imports.ts):
 *
 * - Tests are not a library: bench/, scripts/ and harness/ import nothing from test/. What tests,
 *   benchmarks and scripts share (scenario drivers, attackers, the fuzzer, the reference peers)
 *   lives in harness/.
 * - The shipped code (protocol/, machines/, runtime/, cli/, inspector/, conformance/, index.ts)
 *   imports nothing from harness/ or test/.
 * - harness/ is typechecked (tsconfig.json) and never shipped (package.json "files", the build's
 *   tsconfig.build.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, ROOT } from './imports.js';

/** Folders (or files) whose sources may not import from the listed folders. */
const RULES: readonly { readonly from: readonly string[]; readonly notFrom: readonly string[] }[] = [
  { from: ['bench', 'scripts', 'harness'], notFrom: ['test'] },
  { from: ['protocol', 'machines', 'runtime', 'cli', 'inspector', 'conformance', 'index.ts'], notFrom: ['harness', 'test'] },
];

const top = (file: string): string => file.split('/')[0]!;

/** Every import that breaks a rule, as "importer → imported". */
function layoutViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [file, imports] of graph) {
    for (const rule of RULES) {
      if (!rule.from.includes(top(file))) continue;
      for (const target of imports) if (rule.notFrom.includes(top(target))) out.push(`${file} → ${target}`);
    }
  }
  return out.sort();
}

describe('the layout rules', () => {
  it('flag an import from test/ in bench/, scripts/ or harness/, and from harness/ or test/ in shipped code', () => {
    const graph = new Map<string, string[]>([
      ['bench/a.ts', ['test/x.ts', 'harness/y.ts', 'runtime/engine.ts']],
      ['scripts/b.ts', ['test/fuzz/corpus.ts']],
      ['harness/c.ts', ['test/cli/run.ts', 'protocol/bytes.ts']],
      ['runtime/d.ts', ['harness/y.ts']],
      ['cli/e.ts', ['test/x.ts']],
      ['index.ts', ['harness/y.ts']],
      ['test/f.test.ts', ['harness/y.ts', 'test/x.ts']],
    ]);
    expect(layoutViolations(graph)).toEqual([
      'bench/a.ts → test/x.ts',
      'cli/e.ts → test/x.ts',
      'harness/c.ts → test/cli/run.ts',
      'index.ts → harness/y.ts',
      'runtime/d.ts → harness/y.ts',
      'scripts/b.ts → test/fuzz/corpus.ts',
    ]);
  });
});

describe('the project follows them', () => {
  const graph = importGraph();

  it('reads the imports between the folders (bench/ and scripts/ use harness/, tests use harness/)', () => {
    expect(graph.get('bench/flood.ts')).toContain('harness/reliability/flood.ts');
    expect(graph.get('scripts/fuzz.ts')).toContain('harness/fuzz/runner.ts');
    expect(graph.get('test/fuzz/fuzz.test.ts')).toContain('harness/fuzz/runner.ts');
    expect([...graph.keys()].filter((f) => f.startsWith('harness/')).length).toBeGreaterThan(15);
  });

  it('bench/, scripts/ and harness/ import nothing from test/; shipped code nothing from harness/ or test/', () => {
    expect(layoutViolations(graph)).toEqual([]);
  });

  it('harness/ is typechecked and not shipped', () => {
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(tsconfig.include).toContain('harness');
    expect(build.include.filter((p) => p === 'harness' || p === 'test' || p.startsWith('harness/') || p.startsWith('test/'))).toEqual([]);
    expect(pkg.files.filter((p) => p === 'harness' || p === 'test' || p.startsWith('harness/') || p.startsWith('test/'))).toEqual([]);
  });
});
