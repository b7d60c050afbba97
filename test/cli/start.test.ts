/**
 * How `toxstate` starts: --version / -v / -V answered from package.json, `toxstate --help`
 * listing every command with the summary its own file gives (kept in cli/commands/index.ts so
 * --help loads no command), and the checkout's compiled CLI (scripts/cli-cache.mjs) never
 * running stale code: a build is fresh only while every file it was built from is unchanged.
 * (How fast it starts is a benchmark, `npm run bench -- cli-start`, never asserted here.)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands/index.js';
// @ts-expect-error: a plain .mjs script without declarations
import { buildCompiledCli, freshCompiledCli } from '../../scripts/cli-cache.mjs';
import { tempDir, toxstate } from './run.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('toxstate --version and --help', () => {
  it.each(['--version', '-v', '-V'])('%s prints the package version and nothing else', (flag) => {
    const r = toxstate([flag]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
    expect(r.stderr).toBe('');
  });

  it('--help lists every command with its own summary, and the version flags', async () => {
    const r = toxstate(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`toxstate ${VERSION}`);
    expect(r.stdout).toMatch(/-v, --version/);
    expect(r.stdout).toMatch(/-h, --help/);
    for (const entry of COMMANDS) {
      const { command } = await entry.load();
      if (entry.summary !== undefined) expect(entry.summary, entry.name).toBe(command.summary);
      expect(r.stdout).toContain(`  ${entry.name.padEnd(12)} ${command.summary}\n`);
    }
  });

  it('an unknown command is one error line in the toxstate: style, exit 2', () => {
    const r = toxstate(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("toxstate: unknown command 'frobnicate' (run 'toxstate --help' for the list)\n");
  });
});

/** A tiny checkout: cli/main.ts importing cli/dep.ts, which exports what it was built from. */
function fakeCheckout(dir: string): { root: string; write: (file: string, text: string) => void } {
  const root = `${dir}/`;
  const write = (file: string, text: string): void => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  write('package.json', '{"name":"fake","type":"module"}');
  write('tsconfig.json', '{}');
  write('cli/main.ts', "export { value } from './dep.js';\nexport const where: string = import.meta.url;\n");
  write('cli/dep.ts', "export const value: string = 'one';\n");
  return { root, write };
}

describe('the compiled CLI of a checkout (scripts/cli-cache.mjs)', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('is fresh until a source changes, then rebuilt from the new source', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const { root, write } = fakeCheckout(t.dir);
    expect(freshCompiledCli(root)).toBeNull();
    const first = (await buildCompiledCli(root)) as string;
    expect(first).toMatch(/^file:.*node_modules\/\.cache\/toxstate\/cli\/b-.*\/main\.js$/);
    expect(freshCompiledCli(root)).toBe(first);
    const m1 = (await import(first)) as { value: string; where: string };
    expect(m1.value).toBe('one');
    // import.meta.url is the source file's, so files next to a source are found as before.
    expect(m1.where).toBe(new URL('cli/main.ts', `file://${root}`).href);

    // Same size, new content: the mtime says stale.
    write('cli/dep.ts', "export const value: string = 'two';\n");
    expect(freshCompiledCli(root)).toBeNull();
    const second = (await buildCompiledCli(root)) as string;
    expect(second).not.toBe(first);
    expect(((await import(second)) as { value: string }).value).toBe('two');
    expect(freshCompiledCli(root)).toBe(second);

    // The replaced build stays (a process may still be loading it), marked retired.
    const firstDir = fileURLToPath(new URL('.', first));
    expect(existsSync(join(firstDir, 'retired'))).toBe(true);

    // Same mtime, another size: stale too.
    write('cli/dep.ts', "export const value: string = 'three!';\n");
    const when = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'cli/dep.ts'), when, when);
    expect(freshCompiledCli(root)).toBeNull();

    // An hour after it was retired, the next build removes it.
    const longAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(join(firstDir, 'retired'), longAgo, longAgo);
    const third = (await buildCompiledCli(root)) as string;
    expect(((await import(third)) as { value: string }).value).toBe('three!');
    expect(existsSync(firstDir)).toBe(false);
    expect(existsSync(fileURLToPath(new URL('.', second)))).toBe(true);
  });

  it('a deleted source, a changed tsconfig.json or an unreadable stamp means stale', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const { root, write } = fakeCheckout(t.dir);
    expect(await buildCompiledCli(root)).not.toBeNull();
    write('tsconfig.json', '{ }');
    expect(freshCompiledCli(root)).toBeNull();
    expect(await buildCompiledCli(root)).not.toBeNull();
    rmSync(join(root, 'cli/dep.ts'));
    expect(freshCompiledCli(root)).toBeNull();
    write('cli/dep.ts', "export const value: string = 'one';\n");
    expect(await buildCompiledCli(root)).not.toBeNull();
    writeFileSync(join(root, 'node_modules/.cache/toxstate/cli/current.json'), '{"format":1,');
    expect(freshCompiledCli(root)).toBeNull();
  });

  it('does not build while another build holds the lock, nor when the sources do not compile', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const { root, write } = fakeCheckout(t.dir);
    const lock = join(root, 'node_modules/.cache/toxstate/cli/build.lock');
    mkdirSync(join(lock, '..'), { recursive: true });
    writeFileSync(lock, '');
    expect(await buildCompiledCli(root)).toBeNull();
    rmSync(lock);
    write('cli/dep.ts', 'export const value: string = ;\n');
    expect(await buildCompiledCli(root)).toBeNull();
    expect(freshCompiledCli(root)).toBeNull();
  });
});
