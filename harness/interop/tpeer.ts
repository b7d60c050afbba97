/**
 * A toxstate peer for the interop tests and the side-by-side benchmarks: an `Engine` on a real
 * UDP socket (`UdpNode`, 127.0.0.1 only) with its application events recorded, so a test can
 * wait for them the way it waits for a c-toxcore peer's (`CPeer` in cpeer.ts).
 *
 * - `TPeer.start(options)` builds an engine from a profile (or a fresh identity), binds
 *   127.0.0.1 on any free port, bootstraps to the given c-toxcore/toxstate nodes (127.0.0.1 only),
 *   adds the given friends without a request and, like `toxstate node`, uses the profile's saved
 *   TCP relays and onion path nodes (loopback ones).
 * - `waitFor`/`waitForEvent` resolve with the first matching event from a mark on, or reject
 *   after a bounded wait with the engine's counters in the message.
 * - `profile()` is the engine's current state as a c-toxcore profile (`profileOf`), to restart
 *   from; `restart()` closes the node and starts a new engine from that profile (new DHT key,
 *   new port), as a user restarting the program would.
 *
 * - Harness-only hooks on the datagram path (off unless given; nothing in the product changes):
 *   `tap` sees every datagram handed to the socket (and every one that arrived), for captures;
 *   `dropReceived` discards chosen arrivals before the engine sees them (simulated loss);
 *   `dropSent` discards chosen datagrams before the socket sees them.
 *
 * Network rule: the socket binds 127.0.0.1, `UdpNode` refuses to send anywhere but loopback
 * (counted as `tx.refused_non_loopback`), and bootstrap addresses are always 127.0.0.1.
 */
import { fromHex } from '../../protocol/bytes.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { isLoopback, makeIpPort, unmapIpv4, type IpPort } from '../../protocol/ip-port.js';
import type { Bytes } from '../../protocol/bytes.js';
import type { Profile } from '../../protocol/profile/savedata.js';
import { formatToxId } from '../../protocol/tox-id.js';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import type { AppEvent } from '../../runtime/app-events.js';
import { Engine } from '../../runtime/engine.js';
import { newProfile, profileOf, profileStart } from '../../runtime/profile-bridge.js';
import { secureRandom } from '../../runtime/random.js';
import { EventWaits } from '../event-waits.js';

/** Default bound on one wait (the slowest path, c-toxcore's own onion search, takes ~10 s). */
export const TPEER_WAIT_MS = 40_000;

export type AppEventType = AppEvent['type'];
export type AppEventOf<K extends AppEventType> = Extract<AppEvent, { type: K }>;

/** A node to bootstrap from: always 127.0.0.1. */
export interface LoopbackNode {
  readonly port: number;
  readonly dhtpk: string;
}

export interface TPeerOptions {
  readonly label?: string;
  /** Start from this profile (identity, nospam, friends); a fresh identity otherwise. */
  readonly profile?: Profile;
  readonly name?: string;
  readonly bootstrap?: readonly LoopbackNode[];
  /** Friends added without a request (tox_friend_add_norequest), long-term keys in hex. */
  readonly friends?: readonly string[];
  /** Accept every friend request at once (like cpeer's --accept-all). */
  readonly acceptAll?: boolean;
  /** Journal capacity (the engine default is 100,000 entries; benchmarks may want fewer). */
  readonly journalCapacity?: number;
  /** Serve as onion relay and announce node (the engine default, true). */
  readonly serveOnion?: boolean;
  /** Sees the datagrams this peer sends and receives (test harness only; see DatagramTap). */
  readonly tap?: DatagramTap;
  /** Arrivals for which this returns true are discarded before the engine sees them (simulated receive loss). */
  readonly dropReceived?: (from: IpPort, data: Bytes) => boolean;
  /** Datagrams for which this returns true are discarded before the socket sees them (with `dropReceived`: a simulated firewall). */
  readonly dropSent?: (to: IpPort, data: Bytes) => boolean;
  /** TCP relays to connect to (loopback; the key is the relay node's DHT key, hex). */
  readonly tcpRelays?: readonly LoopbackNode[];
  /** Serve as a TCP relay on an ephemeral loopback port (`tcpRelay` then names it). */
  readonly tcpServer?: boolean;
  /** No UDP at all: relays only (`toxstate node --udp-off`). */
  readonly udpOff?: boolean;
}

/**
 * A tap on a TPeer's datagrams. `sent` is called for each datagram the node is about to hand its
 * socket (right before the send, in the same turn; datagrams UdpNode would refuse — off loopback,
 * port 0, IPv6 on this IPv4 socket — are not reported); `received` for each arrival, with
 * `dropped` when `dropReceived` discarded it. The bytes are copies.
 */
export interface DatagramTap {
  sent(to: IpPort, data: Uint8Array): void;
  received?(from: IpPort, data: Uint8Array, dropped: boolean): void;
}

/** Wraps an engine's datagram input and transmit output for `tap` / `dropReceived` / `dropSent` (before the node starts). */
function instrument(engine: Engine, options: TPeerOptions): void {
  const { tap, dropReceived, dropSent } = options;
  if (tap === undefined && dropReceived === undefined && dropSent === undefined) return;
  if (tap !== undefined || dropSent !== undefined) {
    const take = engine.takeTransmits.bind(engine);
    engine.takeTransmits = () => {
      const all = take();
      const out = dropSent === undefined ? all : all.filter((t) => !dropSent(unmapIpv4(t.to), t.data));
      if (tap === undefined) return out;
      for (const t of out) {
        const to = unmapIpv4(t.to);
        // What UdpNode (bound to 127.0.0.1) hands the socket; the rest it refuses and counts.
        if (to.family === 'ipv4' && isLoopback(to) && Number.isInteger(to.port) && to.port >= 1 && to.port <= 0xffff) tap.sent(to, Uint8Array.from(t.data));
      }
      return out;
    };
  }
  const handle = engine.handleDatagram.bind(engine);
  engine.handleDatagram = (now: number, from: IpPort, data: Bytes): void => {
    const dropped = dropReceived?.(from, data) ?? false;
    tap?.received?.(from, Uint8Array.from(data), dropped);
    if (!dropped) handle(now, from, data);
  };
}

const live = new Set<TPeer>();

export class TPeer {
  private readonly waits = new EventWaits<AppEvent>();
  /** Every application event so far, in order. */
  readonly events: AppEvent[] = this.waits.events;
  /** `performance.now()` at which each entry of `events` was seen; same indexes. */
  readonly seenAtMs: number[] = [];
  private closed = false;

  private constructor(
    readonly node: UdpNode<Engine>,
    readonly label: string,
    readonly base: Profile,
    readonly options: TPeerOptions,
    /** `performance.now()` just before the engine was created. */
    readonly startedAtMs: number,
  ) {
    live.add(this);
    node.onEvent((e) => this.onEvent(e));
  }

  static async start(options: TPeerOptions = {}): Promise<TPeer> {
    const startedAtMs = performance.now();
    const crypto = await loadCrypto();
    const random = secureRandom();
    const base = options.profile ?? newProfile(crypto, random);
    const s = profileStart(base);
    const engine = new Engine({
      crypto,
      random,
      identity: s.identity,
      nospam: s.nospam,
      name: options.name ?? s.name,
      statusMessage: s.statusMessage,
      friends: s.friends,
      epochMs: Date.now(),
      ...(options.journalCapacity !== undefined ? { journalCapacity: options.journalCapacity } : {}),
      ...(options.serveOnion !== undefined ? { serveOnion: options.serveOnion } : {}),
      ...(options.tcpServer === true ? { tcpServer: true } : {}),
      ...(options.udpOff === true ? { udp: false } : {}),
    });
    instrument(engine, options);
    const node = await UdpNode.start(engine, {
      bind: '127.0.0.1',
      port: 0,
      ...(options.tcpServer === true ? { tcpPort: 0 } : {}),
      ...(options.udpOff === true ? { udp: false } : {}),
    });
    const peer = new TPeer(node, options.label ?? `toxstate:${engine.selfHex.slice(0, 8)}`, base, options, startedAtMs);
    node.run((e, now) => {
      for (const f of options.friends ?? []) e.addFriend(now, hexBytes(f));
      for (const b of options.bootstrap ?? []) e.bootstrap(now, loopback(b.port), hexBytes(b.dhtpk));
      for (const r of options.tcpRelays ?? []) e.addTcpRelay(now, loopback(r.port), hexBytes(r.dhtpk));
      // As cli/node-runner.ts does: the profile's saved relays (TCP_RELAY) and onion path nodes
      // (PATH_NODE), loopback ones only — a restarted peer is back on its relay at once and names it
      // in its DHT-PK, so a TCP-only friend can reach its new DHT key through the relay right away.
      if (options.profile !== undefined) {
        for (const r of options.profile.tcpRelays?.nodes ?? []) if (r.transport === 'tcp' && isLoopback(r.ipPort)) e.addTcpRelay(now, r.ipPort, r.publicKey);
        for (const n of options.profile.pathNodes?.nodes ?? []) if (n.transport === 'udp' && isLoopback(n.ipPort)) e.addPathNode(now, n.ipPort, n.publicKey);
      }
    });
    return peer;
  }

  /** This peer's TCP relay (with `tcpServer`): its loopback port and key (the DHT key). */
  get tcpRelay(): LoopbackNode {
    const port = this.node.tcpPort;
    if (port === null) throw new Error(`${this.label} serves no TCP relay (start it with tcpServer: true)`);
    return { port, dhtpk: this.dhtpkHex };
  }

  get engine(): Engine {
    return this.node.engine;
  }

  get pkHex(): string {
    return this.engine.selfHex;
  }

  get dhtpkHex(): string {
    return this.engine.keys.dhtPkHex;
  }

  get port(): number {
    return this.node.address.port;
  }

  get toxId(): string {
    return formatToxId(this.engine.keys.real.publicKey, this.engine.nospam);
  }

  /** This peer as a bootstrap node for others. */
  get asBootstrap(): LoopbackNode {
    return { port: this.port, dhtpk: this.dhtpkHex };
  }

  /** Index to pass as `since` so that a wait only considers events after this point. */
  mark(): number {
    return this.events.length;
  }

  private onEvent(e: AppEvent): void {
    this.seenAtMs.push(performance.now());
    if (e.type === 'friend_request' && this.options.acceptAll === true) {
      // After the listeners of this pump: accept in the next turn, like a user would.
      queueMicrotask(() => {
        if (!this.closed) this.node.run((eng, now) => eng.acceptFriendRequest(now, e.pk));
      });
    }
    // Last, as before: a wait resolved by this event resumes after the acceptance above.
    this.waits.push(e);
  }

  /** The first event from `since` on that satisfies `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (e: AppEvent) => boolean, what: string, timeoutMs = TPEER_WAIT_MS, since = 0): Promise<AppEvent> {
    return this.waits.waitFor(pred, timeoutMs, () => `${this.label}: no ${what} within ${timeoutMs} ms\n${this.diagnostics()}`, since);
  }

  waitForEvent<K extends AppEventType>(type: K, where?: (e: AppEventOf<K>) => boolean, timeoutMs = TPEER_WAIT_MS, since = 0): Promise<AppEventOf<K>> {
    return this.waitFor((e) => e.type === type && (where === undefined || where(e as AppEventOf<K>)), `${type} event`, timeoutMs, since) as Promise<
      AppEventOf<K>
    >;
  }

  /** Resolves when `pred()` holds (polled every 20 ms); rejects after `timeoutMs`. */
  until(pred: () => boolean, what: string, timeoutMs = TPEER_WAIT_MS): Promise<void> {
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (pred()) return resolve();
        if (performance.now() - start > timeoutMs) return reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}\n${this.diagnostics()}`));
        setTimeout(check, 20);
      };
      check();
    });
  }

  run<T>(command: (engine: Engine, now: number) => T): T {
    return this.node.run(command);
  }

  addFriend(pkHex: string): void {
    this.run((e, now) => e.addFriend(now, hexBytes(pkHex)));
  }

  sendFriendRequest(toxId: string, message: string): void {
    this.run((e, now) => e.sendFriendRequest(now, toxId, message));
  }

  /** Sends a message; its id, or an Error naming the refusal (tests expect the send to be taken). */
  sendMessage(friendHex: string, text: string, kind: 'normal' | 'action' = 'normal'): number {
    const r = this.run((e, now) => e.sendMessage(now, friendHex, text, kind));
    if (!r.ok) throw new Error(`${this.label}: message refused (${r.error}): ${r.message}`);
    return r.id;
  }

  bootstrap(to: LoopbackNode): void {
    this.run((e, now) => e.bootstrap(now, loopback(to.port), hexBytes(to.dhtpk)));
  }

  /** The engine's current state as a profile (identity, nospam, friends, DHT nodes). */
  profile(): Profile {
    return profileOf(this.engine, this.base);
  }

  /**
   * Closes this node and starts a new engine from its profile: same identity and friends, new DHT
   * key, new port. `between` runs after the close and before the start (a process restart is not
   * instantaneous; a test can wait there for what the friends do about the close).
   */
  async restart(options: Omit<TPeerOptions, 'profile' | 'friends'> = {}, between?: () => Promise<void>): Promise<TPeer> {
    const profile = this.profile();
    await this.close();
    if (between !== undefined) await between();
    return TPeer.start({ ...this.options, ...options, profile, friends: [] });
  }

  /** Counters, last handler error and friend progress, for failure messages. */
  diagnostics(): string {
    const e = this.engine;
    const progress = [...e.friends.all()].map((f) => `${f.pkHex.slice(0, 8)}=${e.progressOf(f.pkHex) ?? '?'}`).join(' ');
    const last = this.events.slice(-6).map((x) => `  ${JSON.stringify(x)}`);
    return `${this.label}: progress ${progress || '(no friends)'}; error.handler ${e.counters.get('error.handler')}${
      e.lastError ? ` (${e.lastError.split('\n')[0]})` : ''
    }\nlast events:\n${last.join('\n')}\ncounters: ${JSON.stringify(e.counters.toJSON())}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    live.delete(this);
    await this.node.close();
  }
}

/** Closes every toxstate peer still open (for afterAll). */
export async function closeAllTPeers(): Promise<void> {
  await Promise.all([...live].map((p) => p.close()));
}

function hexBytes(hex: string): Uint8Array {
  const b = fromHex(hex.toLowerCase());
  if (!b.ok) throw new Error(`not hex: ${hex}`);
  return b.value;
}

function loopback(port: number) {
  const a = makeIpPort('127.0.0.1', port);
  if (!a.ok) throw new Error(a.error);
  return a.value;
}
