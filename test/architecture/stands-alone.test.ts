/**
 * The repository stands alone: no tracked file points at documents that live outside it (the
 * fact sheet, design card and notes the project was started from). docs/protocol.md and
 * docs/architecture.md say in the project's own words what a maintainer needs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './imports.js';

// Built from pieces so that this file does not match itself.
const OUTSIDE = [['tox', '-protocol', '.md'], ['DES', 'IGN', '.md'], ['conn', '-notes'], ['..', '/shared', '/'], ['shared', '/docs'], ['shared', '/seed'], ['shared', '/vendor']].map((p) => p.join(''));

function outsideReferences(text: string): string[] {
  return OUTSIDE.filter((s) => text.includes(s));
}

describe('a repository that stands alone', () => {
  it('no tracked file refers to a document outside the repository', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const hits: string[] = [];
    for (const f of files) {
      if (!/\.(ts|mts|mjs|js|c|h|md|json|html|css|sh|txt|yml|yaml)$|^\.ci\/|^\.gitignore$/.test(f)) continue;
      let text: string;
      try {
        text = readFileSync(join(ROOT, f), 'utf8');
      } catch {
        continue; // listed but not in the working tree (a deletion not yet committed)
      }
      for (const ref of outsideReferences(text)) hits.push(`${f}: ${ref}`);
    }
    expect(hits).toEqual([]);
  });

  it('the check finds such a reference', () => {
    expect(outsideReferences(`see ${OUTSIDE[0]} §3.7`)).toEqual([OUTSIDE[0]]);
    expect(outsideReferences('see docs/protocol.md §3.7')).toEqual([]);
  });

  it('the documents that replace them exist', () => {
    for (const doc of ['docs/protocol.md', 'docs/architecture.md']) expect(readFileSync(join(ROOT, doc), 'utf8').length).toBeGreaterThan(2000);
  });
});
