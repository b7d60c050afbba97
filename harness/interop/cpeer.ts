/**
 * The TypeScript side of the c-toxcore 0.2.18 interop harness.
 *
 * - `toxcoreAvailability()` answers whether a c-toxcore peer can be built here (installing Debian's
 *   `libtoxcore-dev` with apt-get when running as root and it is missing); tests skip with the
 *   printed reason when it cannot.
 * - `buildNative()` compiles `native/cpeer.c`, `native/loopback-shim.c` and `native/shim-probe.c`
 *   into `harness/interop/build/` (content-addressed names, so concurrent callers never clash and
 *   nothing is rebuilt unless a source, flag or toolchain changed).
 * - `CPeer` runs one cpeer under `LD_PRELOAD=loopback-shim.so` and exposes its JSON-lines output as
 *   typed events; `startPeers(n)` starts n peers that bootstrap to each other on 127.0.0.1.
 *
 * Network rule: cpeer runs with local discovery off, IPv4 only, bootstrap to 127.0.0.1 only, and
 * the shim rebinds wildcard binds to 127.0.0.1 and swallows any non-loopback send.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, readlink, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const NATIVE_DIR = path.join(HERE, 'native');
export const BUILD_DIR = path.join(HERE, 'build');

/** Upper bound for any single wait in the interop tests (friend online takes ~10 s). */
export const DEFAULT_WAIT_MS = 40_000;
/** How long `close()` waits for a clean exit after `quit` before SIGKILL. */
export const CLOSE_GRACE_MS = 5_000;
/** How long `CPeer.start` waits for the `ready` line. */
export const READY_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Running commands

interface RunResult {
  readonly ok: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: env ?? process.env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ ok: !error, code, stdout: String(stdout), stderr: String(stderr) || (error ? error.message : '') });
    });
  });
}

function tail(s: string, n = 400): string {
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
 * Compiles `source` into BUILD_DIR under a name that includes a hash of everything that affects the
 * output; an existing file with that name is reused. Writes go to a unique temporary name and are
 * renamed into place, so concurrent callers (two test files in two workers) are safe.
 */
async function compile(name: string, source: string, flags: readonly string[], libs: readonly string[], toolchain: string): Promise<string> {
  const src = path.join(NATIVE_DIR, source);
  const text = await readFile(src);
  const hash = createHash('sha256')
    .update(text)
    .update(`\0${flags.join(' ')}\0${libs.join(' ')}\0${toolchain}`)
    .digest('hex')
    .slice(0, 16);
  const out = path.join(BUILD_DIR, `${name}-${hash}`);
  if (existsSync(out)) return out;
  await mkdir(BUILD_DIR, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  // Libraries must follow the source on the command line.
  const r = await run('cc', [...flags, '-o', tmp, src, ...libs]);
  if (!r.ok) {
    await rm(tmp, { force: true });
    throw new Error(`cc failed for ${source}:\n${r.stderr}`);
  }
  await rename(tmp, out);
  // Drop builds of older sources of the same helper (not temporaries of concurrent builds).
  const stale = new RegExp(`^${name.replace(/\./g, '\\.')}-[0-9a-f]{16}$`);
  for (const f of await readdir(BUILD_DIR)) {
    if (stale.test(f) && path.join(BUILD_DIR, f) !== out) await rm(path.join(BUILD_DIR, f), { force: true });
  }
  return out;
}

/** Builds (or reuses) the native helpers. Throws when compiling fails: that is a bug, not a skip. */
export function buildNative(): Promise<NativeBuild> {
  buildPromise ??= (async () => {
    const tox = await toxcoreFlags();
    const cc = await run('cc', ['--version']);
    const toolchain = `${cc.stdout.split('\n')[0] ?? ''}|toxcore ${tox.version}`;
    const common = ['-std=c11', '-O2', '-g', '-Wall', '-Wextra', '-Werror'];
    const [shim, probe, cpeer] = await Promise.all([
      compile('loopback-shim.so', 'loopback-shim.c', [...common, '-shared', '-fPIC'], ['-ldl'], toolchain),
      compile('shim-probe', 'shim-probe.c', common, ['-ldl'], toolchain),
      compile('cpeer', 'cpeer.c', [...common, ...tox.cflags], [...tox.libs, '-ldl'], toolchain),
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
// Events

export type ConnStatus = 'none' | 'tcp' | 'udp';

interface Identity {
  readonly t: number;
  readonly toxid: string;
  readonly pk: string;
  readonly dhtpk: string;
  readonly port: number;
  readonly name: string;
  readonly self_connection: ConnStatus;
  readonly friend_count: number;
  readonly shim_dropped?: number;
  readonly shim_rebound?: number;
}

export type CPeerEvent =
  | ({ readonly event: 'ready' } & Identity)
  | ({ readonly event: 'info' } & Identity)
  | { readonly event: 'self_connection'; readonly t: number; readonly status: ConnStatus }
  | { readonly event: 'friend_request'; readonly t: number; readonly pk: string; readonly message: string; readonly message_hex?: string }
  | { readonly event: 'friend_added'; readonly t: number; readonly friend: number; readonly pk: string; readonly via: 'add' | 'addnr' | 'accept-all' }
  | { readonly event: 'friend_connection'; readonly t: number; readonly friend: number; readonly pk: string; readonly status: ConnStatus }
  | { readonly event: 'friend_name'; readonly t: number; readonly friend: number; readonly pk: string; readonly name: string; readonly name_hex?: string }
  | {
      readonly event: 'friend_status_message';
      readonly t: number;
      readonly friend: number;
      readonly pk: string;
      readonly message: string;
      readonly message_hex?: string;
    }
  | {
      readonly event: 'message';
      readonly t: number;
      readonly friend: number;
      readonly pk: string;
      readonly text: string;
      /** Present only when the text was not valid UTF-8 (then `text` has U+FFFD in its place). */
      readonly text_hex?: string;
      readonly type: 'normal' | 'action';
    }
  | { readonly event: 'receipt'; readonly t: number; readonly friend: number; readonly id: number }
  | { readonly event: 'sent'; readonly t: number; readonly friend: number; readonly id: number }
  | {
      /** A `flood` command has enqueued all its messages (ids first_id..last_id, wrapping at 2^32). */
      readonly event: 'flood';
      readonly t: number;
      readonly friend: number;
      readonly count: number;
      readonly size: number;
      readonly first_id: number;
      readonly last_id: number;
      /** Times tox_friend_send_message refused with SENDQ (each followed by one tox_iterate). */
      readonly sendq_waits: number;
    }
  | {
      readonly event: 'friends';
      readonly t: number;
      readonly friends: readonly { readonly friend: number; readonly pk: string; readonly status: ConnStatus; readonly name: string }[];
    }
  | { readonly event: 'saved'; readonly t: number; readonly path: string; readonly bytes: number }
  | { readonly event: 'bootstrapped'; readonly t: number; readonly ip: string; readonly port: number }
  | { readonly event: 'error'; readonly t: number; readonly what: string; readonly detail?: string; readonly code?: number }
  | { readonly event: 'bye'; readonly t: number };

export type CPeerEventName = CPeerEvent['event'];
export type EventOf<K extends CPeerEventName> = Extract<CPeerEvent, { event: K }>;

const EVENT_NAMES: ReadonlySet<string> = new Set<CPeerEventName>([
  'ready',
  'info',
  'self_connection',
  'friend_request',
  'friend_added',
  'friend_connection',
  'friend_name',
  'friend_status_message',
  'message',
  'receipt',
  'sent',
  'flood',
  'friends',
  'saved',
  'bootstrapped',
  'error',
  'bye',
]);

/** Parses one stdout line of cpeer; `undefined` for anything that is not a known event object. */
export function parseEventLine(line: string): CPeerEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as { t?: unknown; event?: unknown };
  if (typeof o.t !== 'number' || typeof o.event !== 'string' || !EVENT_NAMES.has(o.event)) return undefined;
  return v as CPeerEvent;
}

// ---------------------------------------------------------------------------------------------
// The peer

export interface CPeerOptions {
  /** Shown in error messages. */
  readonly label?: string;
  readonly profile?: string;
  readonly port?: number;
  readonly name?: string;
  readonly statusMessage?: string;
  /** Bootstrap nodes; the address is always 127.0.0.1. */
  readonly bootstrap?: readonly { readonly port: number; readonly dhtpk: string }[];
  readonly acceptAll?: boolean;
  readonly echo?: boolean;
  /** c-toxcore's own log on stderr. */
  readonly verbose?: boolean;
  /** Path for the shim's datagram log (TOXSTATE_SHIM_LOG). */
  readonly shimLog?: string;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

type Waiter = { readonly pred: (e: CPeerEvent) => boolean; readonly resolve: (e: CPeerEvent) => void; readonly reject: (e: Error) => void };

const live = new Set<CPeer>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: never leave a c-toxcore process behind when the test process goes away.
  process.once('exit', () => {
    for (const p of live) p.kill();
  });
}

export class CPeer {
  /** Every event seen so far, in order. */
  readonly events: CPeerEvent[] = [];
  /** Unix time (ms, fractional) at which each entry of `events` was read; same indexes. */
  readonly arrivedAtMs: number[] = [];
  /** stdout lines that were not events (should stay empty). */
  readonly unparsed: string[] = [];
  private stderrText = '';
  private waiters: Waiter[] = [];
  private exitInfo: ExitInfo | undefined;
  private readonly exited: Promise<ExitInfo>;

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly label: string,
    readonly options: CPeerOptions,
  ) {
    live.add(this);
    installExitHook();
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        const why = new Error(`${this.label}: cpeer exited (code ${code}, signal ${signal}) before the awaited event\n${this.diagnostics()}`);
        for (const w of this.waiters.splice(0)) w.reject(why);
        resolve(this.exitInfo);
      });
    });
    child.on('error', () => {
      /* reported through 'exit' */
    });
    child.stdin.on('error', () => {
      /* EPIPE after the process exited; reported through 'exit' */
    });
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderrText = (this.stderrText + chunk).slice(-64 * 1024);
    });
  }

  /** Builds if needed, spawns cpeer under the shim and waits for its `ready` event. */
  static async start(options: CPeerOptions = {}): Promise<CPeer> {
    const build = await buildNative();
    const args: string[] = [];
    if (options.profile !== undefined) args.push('--profile', options.profile);
    if (options.port !== undefined) args.push('--port', String(options.port));
    if (options.name !== undefined) args.push('--name', options.name);
    if (options.statusMessage !== undefined) args.push('--status-message', options.statusMessage);
    for (const b of options.bootstrap ?? []) args.push('--bootstrap', `127.0.0.1:${b.port}:${b.dhtpk}`);
    if (options.acceptAll === true) args.push('--accept-all');
    if (options.echo === true) args.push('--echo');
    if (options.verbose === true) args.push('--verbose');
    const env: NodeJS.ProcessEnv = { ...process.env, LD_PRELOAD: build.shim };
    delete env['TOXSTATE_SHIM_LOG'];
    if (options.shimLog !== undefined) env['TOXSTATE_SHIM_LOG'] = options.shimLog;
    const child = spawn(build.cpeer, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new CPeer(child, options.label ?? options.name ?? `cpeer#${child.pid ?? '?'}`, options);
    try {
      await peer.waitForEvent('ready', undefined, READY_TIMEOUT_MS);
    } catch (e) {
      peer.kill();
      throw e;
    }
    return peer;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The `ready` event: identity, DHT key and bound UDP port. */
  get identity(): EventOf<'ready'> {
    const r = this.events.find((e): e is EventOf<'ready'> => e.event === 'ready');
    if (r === undefined) throw new Error(`${this.label}: not ready`);
    return r;
  }

  get stderr(): string {
    return this.stderrText;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Index to pass as `since` so that a wait only considers events after this point. */
  mark(): number {
    return this.events.length;
  }

  private onLine(line: string): void {
    const e = parseEventLine(line);
    if (e === undefined) {
      this.unparsed.push(line);
      return;
    }
    this.events.push(e);
    this.arrivedAtMs.push(performance.timeOrigin + performance.now());
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(e)) return true;
      w.resolve(e);
      return false;
    });
  }

  /** Last events and stderr, for failure messages. */
  diagnostics(): string {
    const last = this.events.slice(-8).map((e) => `  ${JSON.stringify(e)}`);
    return `last events of ${this.label}:\n${last.join('\n')}\nstderr: ${tail(this.stderrText, 1000) || '(empty)'}`;
  }

  /**
   * Resolves with the first event from index `since` on (past or future) that satisfies `pred`;
   * rejects after `timeoutMs` or when the process exits first.
   */
  waitFor<T extends CPeerEvent>(pred: (e: CPeerEvent) => e is T, timeoutMs?: number, since?: number): Promise<T>;
  waitFor(pred: (e: CPeerEvent) => boolean, timeoutMs?: number, since?: number): Promise<CPeerEvent>;
  waitFor(pred: (e: CPeerEvent) => boolean, timeoutMs = DEFAULT_WAIT_MS, since = 0): Promise<CPeerEvent> {
    const seen = this.events.slice(since).find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.exitInfo !== undefined) {
      return Promise.reject(new Error(`${this.label}: cpeer has exited (code ${this.exitInfo.code})\n${this.diagnostics()}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.label}: no matching event within ${timeoutMs} ms\n${this.diagnostics()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** `waitFor` by event name, with an optional refinement. */
  waitForEvent<K extends CPeerEventName>(
    name: K,
    where?: (e: EventOf<K>) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
    since = 0,
  ): Promise<EventOf<K>> {
    return this.waitFor((e): e is EventOf<K> => e.event === name && (where === undefined || where(e as EventOf<K>)), timeoutMs, since);
  }

  /** Sends one command line (see cpeer.c). Throws on a newline inside the command. */
  send(command: string): void {
    if (/[\r\n]/.test(command)) throw new Error('cpeer commands are single lines');
    if (this.exitInfo !== undefined || this.child.stdin.destroyed) throw new Error(`${this.label}: cpeer has exited`);
    this.child.stdin.write(`${command}\n`);
  }

  /** Sends a command and waits for the event it produces (or the `error` event it provokes). */
  async request<K extends CPeerEventName>(command: string, name: K, timeoutMs = DEFAULT_WAIT_MS): Promise<EventOf<K>> {
    const since = this.mark();
    this.send(command);
    const e = await this.waitFor((x) => x.event === name || x.event === 'error', timeoutMs, since);
    if (e.event === 'error') throw new Error(`${this.label}: ${command.split(' ')[0]} failed: ${JSON.stringify(e)}`);
    return e as EventOf<K>;
  }

  /** Sends a normal message (or an action) and returns the message id c-toxcore gave it. */
  async sendMessage(friend: number, text: string, type: 'normal' | 'action' = 'normal'): Promise<number> {
    const e = await this.request(`${type === 'action' ? 'action' : 'send'} ${friend} ${text}`, 'sent');
    return e.id;
  }

  /** Asks for `info` (identity, connection, shim counters). */
  info(): Promise<EventOf<'info'>> {
    return this.request('info', 'info');
  }

  /** Sends `quit`, waits up to `graceMs` for a clean exit, then SIGKILLs. */
  async close(graceMs = CLOSE_GRACE_MS): Promise<ExitInfo> {
    if (this.exitInfo !== undefined) return this.exitInfo;
    try {
      this.send('quit');
      this.child.stdin.end();
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => this.kill(), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }

  /** SIGKILL now (idempotent). */
  kill(): void {
    if (this.exitInfo === undefined) this.child.kill('SIGKILL');
  }

  /** Resolves when the process has exited. */
  whenExited(): Promise<ExitInfo> {
    return this.exited;
  }
}

/** Closes every peer still running (for afterAll/afterEach). */
export async function closeAllPeers(graceMs = CLOSE_GRACE_MS): Promise<void> {
  await Promise.all([...live].map((p) => p.close(graceMs)));
}

/**
 * Starts n peers on 127.0.0.1 that bootstrap to each other: peer i starts with every earlier peer
 * as a bootstrap node, then every earlier peer is told to bootstrap to it as well.
 */
export async function startPeers(n: number, options: (i: number) => CPeerOptions = () => ({})): Promise<CPeer[]> {
  const peers: CPeer[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const base = options(i);
      const earlier = peers.map((p) => ({ port: p.identity.port, dhtpk: p.identity.dhtpk }));
      const peer = await CPeer.start({ label: `peer${i}`, ...base, bootstrap: [...(base.bootstrap ?? []), ...earlier] });
      for (const p of peers) await p.request(`bootstrap 127.0.0.1 ${peer.identity.port} ${peer.identity.dhtpk}`, 'bootstrapped');
      peers.push(peer);
    }
  } catch (e) {
    for (const p of peers) p.kill();
    throw e;
  }
  return peers;
}

/**
 * `from` sends a friend request to `to` (which must run with acceptAll); resolves when both report
 * the friend connection as UDP, with each side's time since its own tox_new.
 */
export async function befriendByRequest(
  from: CPeer,
  to: CPeer,
  message = 'toxstate interop friend request',
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<{ fromFriend: number; toFriend: number; fromOnlineT: number; toOnlineT: number }> {
  if (to.options.acceptAll !== true) throw new Error(`${to.label} must run with acceptAll`);
  const added = await from.request(`add ${to.identity.toxid} ${message}`, 'friend_added');
  const accepted = await to.waitForEvent('friend_added', (e) => e.pk === from.identity.pk, timeoutMs);
  const [a, b] = await Promise.all([
    from.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === 'udp', timeoutMs),
    to.waitForEvent('friend_connection', (e) => e.friend === accepted.friend && e.status === 'udp', timeoutMs),
  ]);
  return { fromFriend: added.friend, toFriend: accepted.friend, fromOnlineT: a.t, toOnlineT: b.t };
}

// ---------------------------------------------------------------------------------------------
// Which UDP sockets a process has (from /proc)

export interface UdpSocket {
  readonly family: 4 | 6;
  readonly address: string;
  readonly port: number;
  readonly inode: number;
}

/** Decodes a /proc/net/udp{,6} hex address (32-bit words in host byte order). */
export function decodeProcAddress(hexAddr: string, littleEndian = endianness() === 'LE'): string {
  const words: number[][] = [];
  for (let i = 0; i < hexAddr.length; i += 8) {
    const w = hexAddr.slice(i, i + 8).match(/../g)?.map((b) => parseInt(b, 16)) ?? [];
    words.push(littleEndian ? w.reverse() : w);
  }
  const bytes = words.flat();
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // The URL parser prints IPv6 in canonical (RFC 5952) form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** Parses /proc/net/udp or udp6 text into sockets. */
export function parseProcNetUdp(text: string, family: 4 | 6): UdpSocket[] {
  const out: UdpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addr, port] = (f[1] ?? '').split(':');
    if (addr === undefined || port === undefined) continue;
    out.push({ family, address: decodeProcAddress(addr), port: parseInt(port, 16), inode: Number(f[9]) });
  }
  return out;
}

/** The UDP sockets (IPv4 and IPv6) that process `pid` has open, with their bound addresses. */
export async function udpSocketsOfPid(pid: number): Promise<UdpSocket[]> {
  const inodes = new Set<number>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(Number(m[1]));
  }
  const v4 = parseProcNetUdp(await readFile(`/proc/${pid}/net/udp`, 'utf8'), 4);
  const v6 = parseProcNetUdp(await readFile(`/proc/${pid}/net/udp6`, 'utf8').catch(() => ''), 6);
  return [...v4, ...v6].filter((s) => inodes.has(s.inode));
}

// ---------------------------------------------------------------------------------------------
// The shim probe

export interface ProbeResult {
  readonly ok: boolean;
  readonly bind4?: string;
  readonly bind6?: string;
  readonly loop?: boolean;
  readonly drop?: readonly { readonly call: string; readonly dest?: string; readonly rc: number; readonly errno: number; readonly counted: number }[];
  readonly dropped_total?: number;
  readonly step?: string;
  readonly error?: string;
}

/** True when `unshare -rn` (a private network namespace with only lo) works for this user. */
export async function netnsAvailable(): Promise<boolean> {
  return (await run('unshare', ['-rn', 'true'], undefined, 10_000)).ok;
}

/**
 * Runs native/shim-probe under the shim. With `netns`, it runs inside `unshare -rn` (no interface
 * but lo) and also tries IPv6 destinations. Returns the probe's JSON and raw output.
 */
export async function runShimProbe(opts: { netns: boolean; shimLog?: string; withShim?: boolean }): Promise<{ result: ProbeResult | undefined; run: RunResult }> {
  const build = await buildNative();
  const envArgs = [...(opts.withShim === false ? [] : [`LD_PRELOAD=${build.shim}`]), ...(opts.shimLog !== undefined ? [`TOXSTATE_SHIM_LOG=${opts.shimLog}`] : [])];
  const probeArgs = opts.netns ? ['--netns', '--v6'] : [];
  const r = opts.netns
    ? await run('unshare', ['-rn', 'env', ...envArgs, build.probe, ...probeArgs], undefined, 20_000)
    : await run('env', [...envArgs, build.probe, ...probeArgs], undefined, 20_000);
  let result: ProbeResult | undefined;
  try {
    result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as ProbeResult;
  } catch {
    result = undefined;
  }
  return { result, run: r };
}
