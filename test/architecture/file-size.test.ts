/**
 * Files a maintainer can hold in mind (issue 14): no hand-written source file (every git-tracked
 * .ts, .mts, .mjs, .js, .c and .h, tests included) is over 500 lines. Data tables are the exception,
 * each listed below with the reason; a listed file that no longer needs the exception (or no
 * longer exists) fails too, so the list stays short and true.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './imports.js';

const MAX_LINES = 500;

/** Data tables, with why they are allowed to be long. */
const TABLES: Readonly<Record<string, string>> = {
  'conformance/rules.ts': 'the conformance rules table: one entry per protocol rule of c-toxcore 0.2.18, with the tests that show it',
};

const SOURCE = /\.(ts|mts|mjs|js|c|h)$/;

function trackedSources(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .split('\0')
    .filter((f) => SOURCE.test(f) && !f.endsWith('.d.ts') && existsSync(join(ROOT, f)))
    .sort();
}

function lineCount(file: string): number {
  const text = readFileSync(join(ROOT, file), 'utf8');
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

describe('source files stay under 500 lines', () => {
  const files = trackedSources();
  const sizes = new Map(files.map((f) => [f, lineCount(f)]));

  it('finds the sources (TypeScript, the page script, the C reference peer)', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files.some((f) => f.startsWith('inspector/page/') && f.endsWith('.js'))).toBe(true);
    expect(files.some((f) => f.endsWith('.c'))).toBe(true);
  });

  it(`no hand-written source file is over ${MAX_LINES} lines (data tables excepted)`, () => {
    const over = files.filter((f) => sizes.get(f)! > MAX_LINES && !(f in TABLES)).map((f) => `${f}: ${sizes.get(f)} lines`);
    expect(over).toEqual([]);
  });

  it('every excepted data table exists and still needs the exception', () => {
    const stale = Object.keys(TABLES).filter((f) => !((sizes.get(f) ?? 0) > MAX_LINES));
    expect(stale).toEqual([]);
  });
});
