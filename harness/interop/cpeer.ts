/**
 * The c-toxcore reference peer (Debian's 0.2.18 by default, or another build by `toxcorePrefix`), driven from TypeScript.
 *
 * - `CPeer` runs one cpeer (`native/cpeer-*.c`, built by native-build.ts) under
 *   `LD_PRELOAD=loopback-shim.so` and exposes its JSON-lines output as typed events
 *   (cpeer-events.ts); `startPeers(n)` starts n peers that bootstrap to each other on 127.0.0.1;
 *   `befriendByRequest()` makes two of them friends.
 * - Availability and building (`interopAvailability()`, `buildNative()`) are in native-build.ts,
 *   the /proc socket reader in proc-udp.ts, the shim probe in shim-probe.ts.
 *
 * - TCP: `udpOff` (a TCP-only client), `tcpPort` (serve a TCP relay; `tcpRelayOf(peer)` gives its
 *   port and key), `tcpRelays` (connect to relays; tox.h tox_add_tcp_relay).
 *
 * Network rule: cpeer runs with local discovery off, IPv4 only (IPv6 on ::1 with `ipv6`),
 * bootstrap and TCP relays on 127.0.0.1 or ::1 only, and the shim rebinds wildcard binds (UDP and
 * the TCP relay's listen socket) to 127.0.0.1 / ::1 and swallows any non-loopback send or connect.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { parseEventLine, type CPeerEvent, type CPeerEventName, type EventOf } from './cpeer-events.js';
import { buildCPeerAt, buildNative, tail } from './native-build.js';
import { EventWaits } from '../event-waits.js';

/** Upper bound for any single wait in the interop tests (friend online takes ~10 s). */
export const DEFAULT_WAIT_MS = 40_000;
/** How long `close()` waits for a clean exit after `quit` before SIGKILL. */
export const CLOSE_GRACE_MS = 5_000;
/** How long `CPeer.start` waits for the `ready` line. */
export const READY_TIMEOUT_MS = 10_000;


export interface CPeerOptions {
  /** Shown in error messages. */
  readonly label?: string;
  readonly profile?: string;
  readonly port?: number;
  readonly name?: string;
  readonly statusMessage?: string;
  /** Bootstrap nodes, on 127.0.0.1 (the default) or ::1 (`ip: '::1'`, with `ipv6`). */
  readonly bootstrap?: readonly { readonly port: number; readonly dhtpk: string; readonly ip?: '127.0.0.1' | '::1' }[];
  /**
   * c-toxcore's IPv6 socket (tox_options ipv6_enabled): it binds [::], which the loopback shim
   * turns into [::1], so the peer speaks IPv6 on ::1 only. Off by default (IPv4 on 127.0.0.1).
   */
  readonly ipv6?: boolean;
  readonly acceptAll?: boolean;
  readonly echo?: boolean;
  /** c-toxcore's own log on stderr. */
  readonly verbose?: boolean;
  /** Also append everything cpeer writes on stderr (with `verbose`: c-toxcore's whole log) to this file. */
  readonly stderrFile?: string;
  /** Path for the shim's datagram log (TOXSTATE_SHIM_LOG). */
  readonly shimLog?: string;
  /**
   * Run against the c-toxcore installed under this prefix (cpeer built by `buildCPeerAt`, e.g.
   * 0.2.23 built with cmake) instead of Debian's libtoxcore 0.2.18.
   */
  readonly toxcorePrefix?: string;
  /** Have the shim discard this fraction (per mille, 0..1000) of received UDP datagrams (TOXSTATE_SHIM_DROP_RECV_PERMILLE). */
  readonly dropRecvPermille?: number;
  /** Seed of the shim's loss PRNG (TOXSTATE_SHIM_SEED), for repeatable loss. */
  readonly shimSeed?: number;
  /** No UDP socket at all (tox_options udp_enabled false): a TCP-only client, reachable only through TCP relays. */
  readonly udpOff?: boolean;
  /**
   * Serve as a TCP relay on this port (tox_options tcp_port). The shim puts the listen socket on
   * 127.0.0.1, or on ::1 only when `ipv6` is set (`tcpRelayOf` says which).
   */
  readonly tcpPort?: number;
  /** TCP relays to connect to (tox_add_tcp_relay); `pk` is the relay's DHT key (`tcpRelayOf(relay).pk`). */
  readonly tcpRelays?: readonly TcpRelay[];
}

/** A TCP relay as cpeer's `--tcp-relay` takes it (127.0.0.1 unless `ip` says ::1). */
export interface TcpRelay {
  readonly port: number;
  readonly pk: string;
  readonly ip?: '127.0.0.1' | '::1';
}

/** The TCP relay a peer started with `tcpPort` serves, from its `ready` event; throws when it serves none. */
export function tcpRelayOf(peer: CPeer): Required<TcpRelay> {
  const id = peer.identity;
  if (id.tcp_port === undefined || id.tcp_port === 0 || id.tcp_pk === undefined) {
    throw new Error(`${peer.label}: serves no TCP relay (start it with tcpPort; ready: tcp_port ${String(id.tcp_port)})`);
  }
  return { port: id.tcp_port, pk: id.tcp_pk, ip: peer.options.ipv6 === true ? '::1' : '127.0.0.1' };
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}


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
  private readonly waits = new EventWaits<CPeerEvent>();
  /** Every event seen so far, in order. */
  readonly events: CPeerEvent[] = this.waits.events;
  /** Unix time (ms, fractional) at which each entry of `events` was read; same indexes. */
  readonly arrivedAtMs: number[] = [];
  /** stdout lines that were not events (should stay empty). */
  readonly unparsed: string[] = [];
  private stderrText = '';
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
        this.waits.failAll(why);
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
    const copy = options.stderrFile !== undefined ? createWriteStream(options.stderrFile, { flags: 'a' }) : undefined;
    child.stderr.on('data', (chunk: string) => {
      this.stderrText = (this.stderrText + chunk).slice(-64 * 1024);
      copy?.write(chunk);
    });
    child.stderr.on('end', () => copy?.end());
  }

  /** Builds if needed, spawns cpeer under the shim and waits for its `ready` event. */
  static async start(options: CPeerOptions = {}): Promise<CPeer> {
    const build = await buildNative();
    const cpeer = options.toxcorePrefix !== undefined ? await buildCPeerAt(options.toxcorePrefix) : build.cpeer;
    const args: string[] = [];
    if (options.profile !== undefined) args.push('--profile', options.profile);
    if (options.port !== undefined) args.push('--port', String(options.port));
    if (options.name !== undefined) args.push('--name', options.name);
    if (options.statusMessage !== undefined) args.push('--status-message', options.statusMessage);
    for (const b of options.bootstrap ?? []) args.push('--bootstrap', b.ip === '::1' ? `[::1]:${b.port}:${b.dhtpk}` : `127.0.0.1:${b.port}:${b.dhtpk}`);
    if (options.ipv6 === true) args.push('--ipv6');
    if (options.udpOff === true) args.push('--udp-off');
    if (options.tcpPort !== undefined) args.push('--tcp-port', String(options.tcpPort));
    for (const r of options.tcpRelays ?? []) args.push('--tcp-relay', r.ip === '::1' ? `[::1]:${r.port}:${r.pk}` : `127.0.0.1:${r.port}:${r.pk}`);
    if (options.acceptAll === true) args.push('--accept-all');
    if (options.echo === true) args.push('--echo');
    if (options.verbose === true) args.push('--verbose');
    const env: NodeJS.ProcessEnv = { ...process.env, LD_PRELOAD: build.shim };
    delete env['TOXSTATE_SHIM_LOG'];
    if (options.shimLog !== undefined) env['TOXSTATE_SHIM_LOG'] = options.shimLog;
    delete env['TOXSTATE_SHIM_DROP_RECV_PERMILLE'];
    delete env['TOXSTATE_SHIM_SEED'];
    if (options.dropRecvPermille !== undefined) env['TOXSTATE_SHIM_DROP_RECV_PERMILLE'] = String(options.dropRecvPermille);
    if (options.shimSeed !== undefined) env['TOXSTATE_SHIM_SEED'] = String(options.shimSeed);
    const child = spawn(cpeer, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
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
    this.arrivedAtMs.push(performance.timeOrigin + performance.now());
    this.waits.push(e);
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
    return this.waits.waitFor(pred, timeoutMs, () => `${this.label}: no matching event within ${timeoutMs} ms\n${this.diagnostics()}`, since);
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

  /** Sends one command line (see native/cpeer-main.c). Throws on a newline inside the command. */
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

  /** Adds a TCP relay at run time (the `tcprelay` command, tox_add_tcp_relay); loopback only. */
  async addTcpRelay(relay: TcpRelay): Promise<void> {
    await this.request(`tcprelay ${relay.ip ?? '127.0.0.1'} ${relay.port} ${relay.pk}`, 'tcp_relay_added');
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

/** A TCP port that was free on `host` a moment ago (the kernel's pick; another process may take it before it is used). */
export function freeTcpPort(host: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a peer that serves a TCP relay on a free loopback port (`options.tcpPort` unless given).
 * c-toxcore's tox_new fails when the port is taken (Messenger.c new_messenger), so a lost race
 * for the port is retried with another one, up to `attempts` times.
 */
export async function startTcpRelay(options: CPeerOptions = {}, attempts = 3): Promise<CPeer> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    const tcpPort = options.tcpPort ?? (await freeTcpPort(options.ipv6 === true ? '::1' : '127.0.0.1'));
    try {
      return await CPeer.start({ label: 'relay', ...options, tcpPort });
    } catch (e) {
      last = e;
      if (options.tcpPort !== undefined) break;
    }
  }
  throw last;
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
 * the friend connection over `path` (UDP unless told; 'tcp' for peers that meet through a TCP
 * relay), with each side's time since its own tox_new.
 */
export async function befriendByRequest(
  from: CPeer,
  to: CPeer,
  message = 'toxstate interop friend request',
  timeoutMs = DEFAULT_WAIT_MS,
  path: 'udp' | 'tcp' = 'udp',
): Promise<{ fromFriend: number; toFriend: number; fromOnlineT: number; toOnlineT: number }> {
  if (to.options.acceptAll !== true) throw new Error(`${to.label} must run with acceptAll`);
  const added = await from.request(`add ${to.identity.toxid} ${message}`, 'friend_added');
  const accepted = await to.waitForEvent('friend_added', (e) => e.pk === from.identity.pk, timeoutMs);
  const [a, b] = await Promise.all([
    from.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === path, timeoutMs),
    to.waitForEvent('friend_connection', (e) => e.friend === accepted.friend && e.status === path, timeoutMs),
  ]);
  return { fromFriend: added.friend, toFriend: accepted.friend, fromOnlineT: a.t, toOnlineT: b.t };
}
