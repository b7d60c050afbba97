/**
 * Pure where it says pure (issue 14), checked on the sources:
 *
 * - protocol/ and machines/ run anywhere, a browser included: no Node module (`node:…`, or a
 *   bare builtin such as 'fs' or 'crypto'), no Node globals (`Buffer`, `process`, `require`,
 *   `__dirname`, `__filename`), and no import from outside protocol/ and machines/ (runtime/,
 *   cli/, inspector/, test/, …). npm packages that run in browsers (xstate, libsodium-wrappers)
 *   are fine.
 * - runtime/ is sans-IO: outside runtime/adapters/, no Node module that does I/O (files,
 *   sockets, processes, HTTP, DNS, the terminal).
 *
 * Imports are read with the TypeScript compiler's own pre-processor (static imports and
 * re-exports, type-only ones included, dynamic `import()` and `require()`), so comments and
 * strings never count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Top-level folders protocol/ and machines/ may import from. */
const PURE_DIRS = ['protocol', 'machines'];
/** Node modules that do I/O: only runtime/adapters/ may import them. */
const IO_MODULES = ['fs', 'fs/promises', 'net', 'dgram', 'child_process', 'http', 'https', 'http2', 'tls', 'dns', 'dns/promises', 'readline', 'readline/promises', 'worker_threads', 'cluster', 'tty'];
const NODE_GLOBALS = new Set(['Buffer', 'process', 'require', '__dirname', '__filename']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(relative(ROOT, p).split(sep).join('/'));
    }
  };
  walk(join(ROOT, dir));
  return out.sort();
}

/** Every module specifier a source imports or re-exports. */
function specifiersOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The Node builtin a specifier names ('node:fs/promises' → 'fs/promises', 'crypto' → 'crypto'), or null. */
function nodeBuiltin(spec: string): string | null {
  if (spec.startsWith('node:')) return spec.slice(5);
  return builtinModules.includes(spec) || builtinModules.includes(spec.split('/')[0]!) ? spec : null;
}

/** Node globals a source uses as values (`Buffer.from`, `process.env`, `require(…)`), by line. */
function nodeGlobalsIn(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text)) {
      const p = node.parent;
      const isName =
        (ts.isPropertyAccessExpression(p) && p.name === node) ||
        ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p) || ts.isMethodSignature(p)) && p.name === node) ||
        ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isBindingElement(p)) && p.name === node);
      if (!isName) out.push(`${node.text} (line ${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Why protocol/ or machines/ `file` may not import `spec`, or null when it may. */
function pureImportProblem(file: string, spec: string): string | null {
  const builtin = nodeBuiltin(spec);
  if (builtin !== null) return `imports Node's '${spec}'`;
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).split(sep).join('/');
    const top = target.split('/')[0]!;
    if (!PURE_DIRS.includes(top) || target === top) return `imports '${spec}' (${target}), outside ${PURE_DIRS.map((d) => `${d}/`).join(' and ')}`;
  }
  return null;
}

/** Why runtime/ `file` (outside runtime/adapters/) may not import `spec`, or null when it may. */
function runtimeImportProblem(spec: string): string | null {
  const builtin = nodeBuiltin(spec);
  return builtin !== null && IO_MODULES.includes(builtin) ? `imports '${spec}', which does I/O (only runtime/adapters/ may)` : null;
}

describe('the rules read imports the way they are written', () => {
  it('finds static, type-only, re-exported, dynamic and require imports, never comments or strings', () => {
    const text = [
      `import { a } from 'node:fs';`,
      `import type { B } from '../runtime/engine.js';`,
      `export { c } from './c.js';`,
      `const d = await import('crypto');`,
      `const e = require('dgram');`,
      `// import { f } from 'node:net';`,
      `/* import { g } from 'http'; */`,
      `const s = "import { h } from 'node:child_process'";`,
    ].join('\n');
    expect(specifiersOf(text).sort()).toEqual(['../runtime/engine.js', './c.js', 'crypto', 'dgram', 'node:fs']);
  });

  it('knows Node builtins with and without the node: prefix, and npm packages from builtins', () => {
    expect(['node:fs', 'node:fs/promises', 'fs', 'fs/promises', 'crypto', 'path', 'node:test'].map(nodeBuiltin)).toEqual(['fs', 'fs/promises', 'fs', 'fs/promises', 'crypto', 'path', 'test']);
    expect(['xstate', 'libsodium-wrappers', '@statelyai/inspect', './fs.js'].map(nodeBuiltin)).toEqual([null, null, null, null]);
  });

  it('flags imports leaving protocol/ and machines/', () => {
    expect(pureImportProblem('protocol/dht/ping.ts', '../crypto.js')).toBeNull();
    expect(pureImportProblem('protocol/x.ts', '../machines/types.js')).toBeNull();
    expect(pureImportProblem('protocol/x.ts', 'xstate')).toBeNull();
    for (const spec of ['../runtime/random.js', '../cli/main.js', '../inspector/index.js', '../test/x.js', '../index.js', 'node:crypto', 'crypto', 'fs']) {
      expect(pureImportProblem('protocol/x.ts', spec), spec).not.toBeNull();
    }
    expect(runtimeImportProblem('node:fs/promises')).not.toBeNull();
    expect(runtimeImportProblem('dgram')).not.toBeNull();
    expect(runtimeImportProblem('node:crypto')).toBeNull();
    expect(runtimeImportProblem('../protocol/bytes.js')).toBeNull();
  });

  it('flags Node globals used as values, not names that merely look like them', () => {
    const text = `const a = Buffer.from('00', 'hex');\nif (process.env.X) {}\nconst o = { process: 1 };\no.process;\nfunction f(process: number) { return process; }`;
    expect(nodeGlobalsIn('x.ts', text)).toEqual(['Buffer (line 1)', 'process (line 2)', 'process (line 5)']);
  });
});

describe('pure where it says pure', () => {
  const pure = PURE_DIRS.flatMap(sourceFiles);
  const runtime = sourceFiles('runtime').filter((f) => !f.startsWith('runtime/adapters/'));

  it('finds the sources', () => {
    expect(pure.filter((f) => f.startsWith('protocol/')).length).toBeGreaterThan(50);
    expect(pure.filter((f) => f.startsWith('machines/')).length).toBeGreaterThan(5);
    expect(runtime.length).toBeGreaterThan(10);
  });

  it('protocol/ and machines/ import no Node module and nothing outside protocol/ and machines/', () => {
    const problems = pure.flatMap((f) =>
      specifiersOf(readFileSync(join(ROOT, f), 'utf8'))
        .map((spec) => pureImportProblem(f, spec))
        .filter((p): p is string => p !== null)
        .map((p) => `${f} ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('protocol/ and machines/ use no Node global (Buffer, process, require, __dirname, __filename)', () => {
    const problems = pure.flatMap((f) => nodeGlobalsIn(f, readFileSync(join(ROOT, f), 'utf8')).map((g) => `${f} uses ${g}`));
    expect(problems).toEqual([]);
  });

  it('runtime/ outside runtime/adapters/ imports no Node module that does I/O', () => {
    const problems = runtime.flatMap((f) =>
      specifiersOf(readFileSync(join(ROOT, f), 'utf8'))
        .map(runtimeImportProblem)
        .filter((p): p is string => p !== null)
        .map((p) => `${f} ${p}`),
    );
    expect(problems).toEqual([]);
  });
});
