/**
 * The two DHT servers of bench/dht-serve.ts, each a real process on 127.0.0.1:
 *
 * - c-toxcore's tox-bootstrapd (Debian's toxcore-utils 0.2.18; other/bootstrap_daemon/src/
 *   tox-bootstrapd.c main: new_networking_ex, new_dht, onion, onion announce, then a loop of
 *   do_dht + networking_poll with a 30 ms sleep). Never installed with apt (its service would
 *   start with the packaged config: public bootstrap nodes, LAN discovery on): the .deb is fetched
 *   with `apt-get download` and unpacked with `dpkg -x` (no maintainer scripts) under
 *   node_modules/.cache/toxstate-bench/toxcore-utils; only its library dependency (libconfig9) is
 *   installed with apt when missing. It runs with our config only (bootstrapdConfig: no bootstrap
 *   nodes, no LAN discovery, no TCP relay, no IPv6, keys in a temp dir), in the foreground, under
 *   the loopback shim (harness/interop/native/loopback-shim.c: its 0.0.0.0 bind becomes
 *   127.0.0.1, any send off loopback is swallowed).
 * - `toxstate node --bind 127.0.0.1 --port 0 --json` (bin/toxstate.js): a throwaway identity, no
 *   friends, no bootstrap node — a DHT node that only answers.
 *
 * Before a server is used its UDP sockets are read from /proc (harness/interop/proc-udp.ts): every
 * one must be bound to 127.0.0.1, and it must have no TCP socket; otherwise it is killed and the
 * run refused. Each server is stopped with SIGTERM, then SIGKILL after STOP_WAIT_MS; tox-bootstrapd
 * also runs under coreutils `timeout` so that it cannot outlive a crashed bench.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative, toxcoreAvailability } from '../harness/interop/native-build.js';
import { udpSocketsOfPid } from '../harness/interop/proc-udp.js';
import { tcpSocketsOfPid } from '../harness/interop/proc-tcp.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
export const BOOTSTRAPD_DIR = join(root, 'node_modules', '.cache', 'toxstate-bench', 'toxcore-utils');
const BOOTSTRAPD_BIN = join(BOOTSTRAPD_DIR, 'usr', 'bin', 'tox-bootstrapd');
const READY_MS = 30_000;
const STOP_WAIT_MS = 3_000;
/** tox-bootstrapd is killed by `timeout` after this long whatever happens. */
const BOOTSTRAPD_LIFETIME_S = 600;

export interface DhtServer {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly pkHex: string;
  /** Stops the server; resolves with the tail of its output (counters, for toxstate). */
  stop(): Promise<string>;
}

/** Our config for tox-bootstrapd (other/bootstrap_daemon/tox-bootstrapd.conf's keys, config.c get_general_config). */
export function bootstrapdConfig(port: number, dir: string): string {
  return [
    '// toxstate bench (bench/dht-serve-servers.ts): loopback only, bootstraps from nobody.',
    `port = ${port}`,
    `keys_file_path = "${join(dir, 'keys')}"`,
    `pid_file_path = "${join(dir, 'tox-bootstrapd.pid')}"`,
    'enable_ipv6 = false',
    'enable_ipv4_fallback = false',
    'enable_lan_discovery = false',
    'enable_tcp_relay = false',
    'enable_motd = false',
    'motd = "toxstate bench"',
    'bootstrap_nodes = ()',
    '',
  ].join('\n');
}

const isRoot = (): boolean => process.getuid?.() === 0;
const sh = (cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): { ok: boolean; out: string } => {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
};

/** Libraries tox-bootstrapd cannot find (ldd "not found"). */
function missingLibraries(): string[] {
  const r = sh('ldd', [BOOTSTRAPD_BIN], { timeoutMs: 10_000 });
  return r.out.split('\n').filter((l) => l.includes('not found')).map((l) => l.trim().split(/\s+/)[0]!);
}

/**
 * The tox-bootstrapd binary, fetched and unpacked when missing (see the header), and the loopback
 * shim; or why not, for the table's "n/a".
 */
export async function bootstrapdAvailability(): Promise<{ ok: true; binary: string; shim: string } | { ok: false; reason: string }> {
  if (process.platform !== 'linux') return { ok: false, reason: `needs Linux (LD_PRELOAD loopback shim), this is ${process.platform}` };
  const c = await toxcoreAvailability();
  if (!c.ok) return { ok: false, reason: `no loopback shim: ${c.reason}` };
  if (!existsSync(BOOTSTRAPD_BIN)) {
    if (!sh('apt-get', ['--version'], { timeoutMs: 10_000 }).ok) return { ok: false, reason: 'tox-bootstrapd is not unpacked and there is no apt-get' };
    const tmp = mkdtempSync(join(tmpdir(), 'toxstate-bootstrapd-deb-'));
    try {
      let dl = sh('apt-get', ['download', 'toxcore-utils'], { cwd: tmp });
      if (!dl.ok && isRoot()) {
        sh('apt-get', ['-q', 'update']);
        dl = sh('apt-get', ['download', 'toxcore-utils'], { cwd: tmp });
      }
      const deb = readdirSync(tmp).find((f) => f.startsWith('toxcore-utils_') && f.endsWith('.deb'));
      if (!dl.ok || deb === undefined) return { ok: false, reason: `apt-get download toxcore-utils failed: ${dl.out.trim().split('\n').slice(-1)[0] ?? ''}` };
      mkdirSync(BOOTSTRAPD_DIR, { recursive: true });
      const x = sh('dpkg', ['-x', join(tmp, deb), BOOTSTRAPD_DIR]);
      if (!x.ok || !existsSync(BOOTSTRAPD_BIN)) return { ok: false, reason: `dpkg -x ${deb} failed: ${x.out.trim().slice(-200)}` };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  let missing = missingLibraries();
  if (missing.some((l) => l.startsWith('libconfig'))) {
    if (!isRoot()) return { ok: false, reason: `tox-bootstrapd needs ${missing.join(', ')}; installing libconfig9 needs root` };
    sh('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'libconfig9']);
    missing = missingLibraries();
  }
  if (missing.length > 0) return { ok: false, reason: `tox-bootstrapd cannot load ${missing.join(', ')}` };
  const { shim } = await buildNative();
  return { ok: true, binary: BOOTSTRAPD_BIN, shim };
}

/** A UDP port free on 127.0.0.1 right now. */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `read` every 50 ms until it returns a value or `ms` pass. */
async function poll<T>(read: () => T | null, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = read();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
    await sleep(50);
  }
}

/** SIGTERM, then SIGKILL if it has not exited after STOP_WAIT_MS. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS);
  await exited;
  clearTimeout(t);
}

/** Refuses a server with a socket off 127.0.0.1 or any TCP socket; returns its UDP port. */
async function checkLoopbackOnly(name: string, pid: number): Promise<number> {
  const udp = await udpSocketsOfPid(pid);
  const tcp = await tcpSocketsOfPid(pid);
  const off = udp.filter((s) => s.address !== '127.0.0.1');
  if (udp.length === 0 || off.length > 0 || tcp.length > 0) {
    throw new Error(`${name}: sockets not as required (UDP on 127.0.0.1 only, no TCP): udp ${udp.map((s) => `${s.address}:${s.port}`).join(', ') || 'none'}, ${tcp.length} TCP`);
  }
  return udp[0]!.port;
}

/** The pid of `parent`'s only child (tox-bootstrapd under `timeout`). */
function childPidOf(parent: number): number | null {
  try {
    const kids = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return kids.length === 1 ? kids[0]! : null;
  } catch {
    return null;
  }
}

export async function startBootstrapd(binary: string, shim: string): Promise<DhtServer> {
  const dir = mkdtempSync(join(tmpdir(), 'toxstate-bootstrapd-'));
  const config = join(dir, 'tox-bootstrapd.conf');
  writeFileSync(config, bootstrapdConfig(await freeUdpPort(), dir));
  const log = join(dir, 'out.log');
  const fd = openSync(log, 'w');
  const child = spawn('timeout', ['-s', 'KILL', String(BOOTSTRAPD_LIFETIME_S), binary, `--config=${config}`, '--foreground', '--log-backend=stdout'], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, LD_PRELOAD: shim },
  });
  closeSync(fd);
  const output = (): string => readFileSync(log, 'utf8');
  try {
    const pkHex = await poll(() => /Public Key: ([0-9A-F]{64})/.exec(output())?.[1] ?? null, READY_MS, `tox-bootstrapd public key (output: ${output().slice(-300)})`);
    const pid = await poll(() => childPidOf(child.pid!), READY_MS, 'tox-bootstrapd process');
    const port = await checkLoopbackOnly('tox-bootstrapd', pid);
    return {
      name: 'tox-bootstrapd',
      pid,
      port,
      pkHex,
      async stop() {
        // SIGTERM to tox-bootstrapd itself (handle_signal ends its loop), then its `timeout` exits.
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        const t = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS);
        if (child.exitCode === null && child.signalCode === null) await new Promise<void>((r) => child.once('exit', () => r()));
        clearTimeout(t);
        const tailText = output().trim().split('\n').slice(-1)[0] ?? '';
        rmSync(dir, { recursive: true, force: true });
        return tailText;
      },
    };
  } catch (e) {
    const pid = childPidOf(child.pid!);
    if (pid !== null) process.kill(pid, 'SIGKILL');
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** `extraNodeArgs` go to Node itself (e.g. --cpu-prof for a profile of the server). */
export async function startToxstateNode(extraNodeArgs: readonly string[] = []): Promise<DhtServer> {
  const dir = mkdtempSync(join(tmpdir(), 'toxstate-dht-serve-'));
  const log = join(dir, 'out.log');
  const fd = openSync(log, 'w');
  const bin = join(root, 'bin', 'toxstate.js');
  const child = spawn(process.execPath, [...extraNodeArgs, bin, 'node', '--bind', '127.0.0.1', '--port', '0', '--json', '--run-seconds', String(BOOTSTRAPD_LIFETIME_S)], {
    stdio: ['ignore', fd, fd],
    cwd: dir,
  });
  closeSync(fd);
  const lines = (): Array<Record<string, unknown>> =>
    readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  try {
    const self = await poll(() => lines().find((e) => e['ev'] === 'self') ?? null, READY_MS, 'self line from toxstate node');
    const port = await checkLoopbackOnly('toxstate node', child.pid!);
    if (port !== Number(self['port'])) throw new Error(`toxstate node: self line says port ${String(self['port'])}, its socket is on ${port}`);
    return {
      name: 'toxstate node',
      pid: child.pid!,
      port,
      pkHex: String(self['dhtpk']),
      async stop() {
        await stopChild(child);
        const stopped = lines().find((e) => e['ev'] === 'stopped');
        const counters = (stopped?.['counters'] ?? {}) as Record<string, number>;
        const drops = Object.entries(counters).filter(([k]) => k.startsWith('drop.') || k.startsWith('error.') || k === 'dht.nodes_response_shortened' || k === 'dht.ask_back_limited');
        rmSync(dir, { recursive: true, force: true });
        return drops.map(([k, v]) => `${k} ${v}`).join(', ');
      },
    };
  } catch (e) {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
