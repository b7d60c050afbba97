// The checkout's compiled CLI (used by bin/toxstate.js; not shipped: the package runs dist/).
//
// Running cli/main.ts through tsx costs a second or more per start (tsx's loader, then every
// module transformed or looked up one by one). Instead the CLI is bundled ahead with esbuild
// (which tsx brings) into node_modules/.cache/toxstate/cli/, code-split so each command still
// loads only what it uses, and run from there while it is provably fresh:
//
// - `current.json` names the build and lists every source file it was built from with the
//   mtime and size the file had *before* it was read (stat, then read: an edit racing the build
//   leaves a newer mtime than the one recorded, so the build counts as stale, never as fresh).
// - A start stats those files (a few hundred stats, a few ms): any change, deletion or an
//   unreadable stamp means stale. A stale build is rebuilt (about a second) under a lock; a
//   process that finds the lock taken, or any failure at all, runs the sources through tsx.
// - npm packages stay external (resolved from node_modules at run time, as with tsx), and
//   `import.meta.url` in each source is replaced by that source file's own URL, so files found
//   next to a source (inspector/page/, package.json, createRequire) are found as before.
//
// TOXSTATE_NO_CLI_CACHE=1 skips all this (tsx only).
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Bump when the way the bundle is built changes, so older builds count as stale. */
const FORMAT = 1;
/** A lock older than this is a crashed build's; it is taken over. */
const LOCK_STALE_MS = 120_000;
/** A build replaced by a newer one is removed this long after (a running process may still load its chunks). */
const OLD_BUILD_MS = 60 * 60_000;

const stamp = (st) => [st.mtimeMs, st.size];

/** The fresh compiled entry's URL, or null (then: run the sources). `root` ends with a slash. */
export function freshCompiledCli(root) {
  const dir = join(root, 'node_modules', '.cache', 'toxstate', 'cli');
  try {
    const current = JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8'));
    if (current.format !== FORMAT) return null;
    for (const [rel, [mtimeMs, size]] of Object.entries(current.inputs)) {
      const st = statSync(join(root, rel));
      if (st.mtimeMs !== mtimeMs || st.size !== size) return null;
    }
    return pathToFileURL(join(dir, current.build, 'main.js')).href;
  } catch {
    return null;
  }
}

/** Builds the CLI into a new build directory and makes it current; null when it cannot (locked, no esbuild, an error). */
export async function buildCompiledCli(root) {
  const dir = join(root, 'node_modules', '.cache', 'toxstate', 'cli');
  const lock = join(dir, 'build.lock');
  let fd;
  try {
    mkdirSync(dir, { recursive: true });
    try {
      fd = openSync(lock, 'wx');
    } catch {
      if (Date.now() - statSync(lock).mtimeMs < LOCK_STALE_MS) return null;
      rmSync(lock, { force: true });
      fd = openSync(lock, 'wx');
    }
    const { build } = await import('esbuild');
    const inputs = {};
    const build_ = `b-${Date.now()}-${process.pid}`;
    await build({
      absWorkingDir: root,
      entryPoints: [join(root, 'cli', 'main.ts')],
      outdir: join(dir, build_),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      logLevel: 'silent',
      plugins: [
        {
          name: 'toxstate-sources',
          setup(b) {
            b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
              const st = statSync(args.path);
              const source = readFileSync(args.path, 'utf8');
              inputs[relative(root, args.path)] = stamp(st);
              const url = pathToFileURL(args.path).href;
              const contents = source
                .replaceAll('import.meta.url', JSON.stringify(url))
                .replaceAll('import.meta.filename', JSON.stringify(args.path))
                .replaceAll('import.meta.dirname', JSON.stringify(fileURLToPath(new URL('.', url)).replace(/\/$/, '')));
              return { contents, loader: args.path.endsWith('ts') ? 'ts' : 'js' };
            });
          },
        },
      ],
    });
    // Configuration the compiled code depends on counts as an input too.
    for (const rel of ['tsconfig.json', 'package.json']) inputs[rel] = stamp(statSync(join(root, rel)));
    const tmp = join(dir, `current.json.${process.pid}`);
    writeFileSync(tmp, JSON.stringify({ format: FORMAT, build: build_, inputs }));
    renameSync(tmp, join(dir, 'current.json'));
    // An older build is marked retired now and removed an hour after that, not before: a process
    // that read the previous current.json a moment ago may still be loading its chunks.
    for (const name of readdirSync(dir)) {
      if (!name.startsWith('b-') || name === build_) continue;
      const retired = join(dir, name, 'retired');
      if (!existsSync(retired)) writeFileSync(retired, '');
      else if (Date.now() - statSync(retired).mtimeMs > OLD_BUILD_MS) rmSync(join(dir, name), { recursive: true, force: true });
    }
    return pathToFileURL(join(dir, build_, 'main.js')).href;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}
