/**
 * Building the c-toxcore interop harness's native helpers (`native/cpeer-*.c`,
 * `native/loopback-shim.c`, `native/shim-probe.c`), and finding out whether they can be built here.
 *
 * - `toxcoreAvailability()` answers whether a c-toxcore peer can be built here (installing Debian's
 *   `libtoxcore-dev` with apt-get when running as root and it is missing); tests skip with the
 *   printed reason when it cannot (`interopAvailability()`).
 * - `buildNative()` compiles the helpers into `harness/interop/build/` (content-addressed names, so
 *   concurrent callers never clash and nothing is rebuilt unless a source, flag or toolchain
 *   changed).
 * - `prefixAvailability(prefix)` and `buildCPeerAt(prefix)` do the same for a c-toxcore installed
 *   under a prefix (`$PREFIX/include/tox/tox.h`, `$PREFIX/lib/libtoxcore.so`, e.g. 0.2.23 built
 *   with cmake): a separate cpeer, linked with an rpath to that prefix, under its own name.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export const NATIVE_DIR = path.join(import.meta.dirname, 'native');
export const BUILD_DIR = path.join(import.meta.dirname, 'build');

// ---------------------------------------------------------------------------------------------
// Running commands


export interface RunResult {
  readonly ok: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: env ?? process.env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ ok: !error, code, stdout: String(stdout), stderr: String(stderr) || (error ? error.message : '') });
    });
  });
}

export function tail(s: string, n = 400): string {
  const t = s.trim();
  return t.length > n ? `…${t.slice(-n)}` : t;
}

// ---------------------------------------------------------------------------------------------
// Availability


export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

let availabilityPromise: Promise<Availability> | undefined;

/** Cached: the first call does the work (and possibly an apt-get install), later calls reuse it. */
export function toxcoreAvailability(): Promise<Availability> {
  availabilityPromise ??= checkAvailability();
  return availabilityPromise;
}

/** The line tests print when they skip. */
export function skipMessage(a: Availability): string {
  return a.ok ? '' : `SKIPPED: c-toxcore interop: ${a.reason}`;
}

/**
 * What every interop test file does first: find out whether c-toxcore can be used, print the
 * SKIPPED line with the reason when not, and fail instead when TOXSTATE_REQUIRE_INTEROP=1.
 */
export async function interopAvailability(): Promise<Availability> {
  const a = await toxcoreAvailability();
  if (!a.ok) {
    console.log(skipMessage(a));
    if (process.env['TOXSTATE_REQUIRE_INTEROP'] === '1') throw new Error(skipMessage(a));
  }
  return a;
}

async function missingPieces(): Promise<string[]> {
  const missing: string[] = [];
  if (!(await run('cc', ['--version'])).ok) missing.push('C compiler (cc)');
  const pc = await run('pkg-config', ['--exists', 'toxcore']);
  if (!pc.ok && !existsSync('/usr/include/tox/tox.h')) missing.push('libtoxcore-dev (tox/tox.h)');
  return missing;
}

async function checkAvailability(): Promise<Availability> {
  const skip = process.env['TOXSTATE_SKIP_INTEROP'];
  if (skip !== undefined && skip !== '' && skip !== '0') return { ok: false, reason: 'TOXSTATE_SKIP_INTEROP is set' };
  if (process.platform !== 'linux') return { ok: false, reason: `needs Linux (LD_PRELOAD shim), this is ${process.platform}` };

  let missing = await missingPieces();
  if (missing.length === 0) return { ok: true };

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return { ok: false, reason: `${missing.join(' and ')} missing, and not root so cannot apt-get install` };
  if (!(await run('apt-get', ['--version'])).ok) return { ok: false, reason: `${missing.join(' and ')} missing, and no apt-get` };

  const packages = ['libtoxcore-dev', 'pkg-config'];
  if (missing.some((m) => m.startsWith('C compiler'))) packages.push('gcc', 'libc6-dev');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', 'install', ...packages];
  let r = await run('apt-get', install, env);
  if (!r.ok) {
    // A fresh image often has no package lists yet.
    await run('apt-get', ['-q', '-o', 'DPkg::Lock::Timeout=300', 'update'], env);
    r = await run('apt-get', install, env);
  }
  missing = await missingPieces();
  if (missing.length > 0) {
    return { ok: false, reason: `apt-get install ${packages.join(' ')} failed (${missing.join(', ')} still missing): ${tail(r.stderr, 200)}` };
  }
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Building


export interface NativeBuild {
  readonly cpeer: string;
  readonly shim: string;
  readonly probe: string;
}

let buildPromise: Promise<NativeBuild> | undefined;

async function toxcoreFlags(): Promise<{ cflags: string[]; libs: string[]; version: string }> {
  const pc = await run('pkg-config', ['--cflags', '--libs', 'toxcore']);
  const version = await run('pkg-config', ['--modversion', 'toxcore']);
  const flags = pc.ok ? pc.stdout.trim().split(/\s+/).filter((s) => s !== '') : ['-ltoxcore'];
  return {
    cflags: flags.filter((f) => !f.startsWith('-l') && !f.startsWith('-L')),
    libs: flags.filter((f) => f.startsWith('-l') || f.startsWith('-L')),
    version: version.ok ? version.stdout.trim() : 'unknown',
  };
}

/**
 * Compiles the `.c` files of `files` (from NATIVE_DIR) together into BUILD_DIR under a name that
 * includes a hash of everything that affects the output (every file of `files`, headers included); an existing file with that name is reused. Writes go to a unique temporary name and are
 * renamed into place, so concurrent callers (two test files in two workers) are safe.
 */
async function compile(name: string, files: readonly string[], flags: readonly string[], libs: readonly string[], toolchain: string): Promise<string> {
  const sources = files.filter((f) => f.endsWith('.c')).map((f) => path.join(NATIVE_DIR, f));
  const hasher = createHash('sha256');
  for (const f of files) hasher.update(`${f}\0`).update(await readFile(path.join(NATIVE_DIR, f))).update('\0');
  const hash = hasher
    .update(`\0${flags.join(' ')}\0${libs.join(' ')}\0${toolchain}`)
    .digest('hex')
    .slice(0, 16);
  const out = path.join(BUILD_DIR, `${name}-${hash}`);
  if (existsSync(out)) return out;
  await mkdir(BUILD_DIR, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  // Libraries must follow the sources on the command line.
  const r = await run('cc', [...flags, '-o', tmp, ...sources, ...libs]);
  if (!r.ok) {
    await rm(tmp, { force: true });
    throw new Error(`cc failed for ${sources.map((f) => path.basename(f)).join(' ')}:\n${r.stderr}`);
  }
  await rename(tmp, out);
  // Drop builds of older sources of the same helper (not temporaries of concurrent builds).
  const stale = new RegExp(`^${name.replace(/\./g, '\\.')}-[0-9a-f]{16}$`);
  for (const f of await readdir(BUILD_DIR)) {
    if (stale.test(f) && path.join(BUILD_DIR, f) !== out) await rm(path.join(BUILD_DIR, f), { force: true });
  }
  return out;
}

/** The reference peer's sources, compiled together into one program, and the header they share. */
export const CPEER_FILES = ['cpeer-main.c', 'cpeer-tox.c', 'cpeer-commands.c', 'cpeer-json.c', 'cpeer.h'] as const;

/** Builds (or reuses) the native helpers. Throws when compiling fails: that is a bug, not a skip. */
export function buildNative(): Promise<NativeBuild> {
  buildPromise ??= (async () => {
    const tox = await toxcoreFlags();
    const cc = await run('cc', ['--version']);
    const toolchain = `${cc.stdout.split('\n')[0] ?? ''}|toxcore ${tox.version}`;
    const common = ['-std=c11', '-O2', '-g', '-Wall', '-Wextra', '-Werror'];
    const [shim, probe, cpeer] = await Promise.all([
      compile('loopback-shim.so', ['loopback-shim.c'], [...common, '-shared', '-fPIC'], ['-ldl'], toolchain),
      compile('shim-probe', ['shim-probe.c'], common, ['-ldl'], toolchain),
      compile('cpeer', CPEER_FILES, [...common, ...tox.cflags], [...tox.libs, '-ldl'], toolchain),
    ]);
    return { shim, probe, cpeer };
  })();
  // A failed build is not cached, so a fixed source can be retried in the same process.
  buildPromise.catch(() => {
    buildPromise = undefined;
  });
  return buildPromise;
}

// ---------------------------------------------------------------------------------------------
// c-toxcore installed under a prefix (another version beside Debian's 0.2.18)


/** The version a prefix's pkg-config file names (`Version:` of lib/pkgconfig/toxcore.pc), or undefined. */
export async function prefixVersion(prefix: string): Promise<string | undefined> {
  try {
    const pc = await readFile(path.join(prefix, 'lib', 'pkgconfig', 'toxcore.pc'), 'utf8');
    return /^Version:\s*(\S+)/m.exec(pc)?.[1];
  } catch {
    return undefined;
  }
}

/** Whether cpeer can be built against the c-toxcore under `prefix` (headers, shared library, a C compiler). */
export async function prefixAvailability(prefix: string): Promise<Availability> {
  if (process.platform !== 'linux') return { ok: false, reason: `needs Linux (LD_PRELOAD shim), this is ${process.platform}` };
  const missing: string[] = [];
  if (!existsSync(path.join(prefix, 'include', 'tox', 'tox.h'))) missing.push('include/tox/tox.h');
  if (!existsSync(path.join(prefix, 'lib', 'libtoxcore.so'))) missing.push('lib/libtoxcore.so');
  if (missing.length > 0) return { ok: false, reason: `no libtoxcore at ${prefix} (${missing.join(', ')} missing)` };
  if (!(await run('cc', ['--version'])).ok) return { ok: false, reason: 'no C compiler (cc)' };
  return { ok: true };
}

const prefixBuilds = new Map<string, Promise<string>>();

/**
 * Builds (or reuses) cpeer against the c-toxcore under `prefix`:
 * `-I$PREFIX/include -L$PREFIX/lib -ltoxcore -Wl,-rpath,$PREFIX/lib`. Its own output name
 * (`cpeer-tc<version>-<hash>`; the hash covers the prefix and the installed library's size and
 * time), so it never replaces the Debian build. The shim and probe are the ones of `buildNative()`.
 */
export function buildCPeerAt(prefix: string): Promise<string> {
  const abs = path.resolve(prefix);
  let p = prefixBuilds.get(abs);
  if (p === undefined) {
    p = (async () => {
      const a = await prefixAvailability(abs);
      if (!a.ok) throw new Error(a.reason);
      const version = (await prefixVersion(abs)) ?? 'unknown';
      const lib = await stat(path.join(abs, 'lib', 'libtoxcore.so'));
      const cc = await run('cc', ['--version']);
      const toolchain = `${cc.stdout.split('\n')[0] ?? ''}|toxcore ${version} at ${abs} (${lib.size} bytes, ${lib.mtimeMs})`;
      const common = ['-std=c11', '-O2', '-g', '-Wall', '-Wextra', '-Werror'];
      const libdir = path.join(abs, 'lib');
      return compile(`cpeer-tc${version.replace(/[^0-9A-Za-z.]/g, '_')}`, CPEER_FILES, [...common, `-I${path.join(abs, 'include')}`], [`-L${libdir}`, '-ltoxcore', `-Wl,-rpath,${libdir}`, '-ldl'], toolchain);
    })();
    prefixBuilds.set(abs, p);
    p.catch(() => prefixBuilds.delete(abs));
  }
  return p;
}
