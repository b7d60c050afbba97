/**
 * docs/api/ (the API reference TypeDoc generates from index.ts's TSDoc comments) is not stale:
 * `npm run docs:api` (scripts/docs-api.mjs) regenerated into a temporary directory gives the
 * same files, byte for byte. After changing the public API or its comments, run
 * `npm run docs:api` and commit docs/api/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const committed = join(root, 'docs', 'api');
const typedoc = existsSync(join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'));
if (!typedoc) console.log('SKIPPED: typedoc is not installed (npm install) — docs/api staleness not checked');
const out = mkdtempSync(join(tmpdir(), 'toxstate-api-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

describe.skipIf(!typedoc)('docs/api', () => {
  it('is what npm run docs:api generates now (regenerate and commit it when this fails)', () => {
    execFileSync(process.execPath, [join(root, 'scripts', 'docs-api.mjs'), out], { cwd: root, stdio: 'pipe', timeout: 400_000 });
    const now = files(out);
    expect(now).toContain('index.html');
    expect(now.some((f) => /ToxEngine\.html$/.test(f))).toBe(true);
    // A highlighted code block would make the output differ from run to run (scripts/docs-api.mjs).
    const highlighted = now.filter((f) => f.endsWith('.html') && readFileSync(join(out, f), 'utf8').includes('class="hl-'));
    expect(highlighted, 'pages with a code block from a TSDoc comment (show code inline instead)').toEqual([]);
    expect(files(committed)).toEqual(now);
    const stale = now.filter((f) => !readFileSync(join(out, f)).equals(readFileSync(join(committed, f))));
    expect(stale, 'stale files in docs/api (npm run docs:api)').toEqual([]);
  }, 420_000);
});
