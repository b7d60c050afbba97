/**
 * The two kinds of peer a conformance-campaign scenario runs, behind one interface
 * (`CampaignPeer`): a c-toxcore peer (cpeer under the loopback shim, Debian's 0.2.18 or a
 * c-toxcore under a prefix, e.g. 0.2.23) and a toxstate peer (TPeer: Engine + UdpNode on
 * 127.0.0.1). Each can start, quit with its profile saved and start again from it (a new
 * *incarnation*: same long-term key, new DHT key), and tell whether a friend is online.
 *
 * What each sent is recorded for the capture: c-toxcore's datagrams from the shim's log
 * (`send` lines; `rxdrop` lines are the receive loss), toxstate's from a TPeer tap stamped with
 * the campaign clock (clock.ts, the shim's clock). Receive loss: the shim's
 * TOXSTATE_SHIM_DROP_RECV_PERMILLE for c-toxcore, TPeer's `dropReceived` hook for toxstate, both
 * from a seeded PRNG.
 *
 * Network rule: c-toxcore runs under the shim with local discovery off and bootstraps to
 * 127.0.0.1 only; the toxstate peer binds 127.0.0.1 and bootstraps to 127.0.0.1 only.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { toHex } from '../../protocol/bytes.js';
import { loadProfile, saveProfile } from '../../runtime/adapters/profile-store.js';
import { CPeer } from '../interop/cpeer.js';
import type { CPeerEvent } from '../interop/cpeer-events.js';
import type { PcapDatagram } from '../interop/pcap-writer.js';
import { parseShimLog } from '../interop/shim-log.js';
import { TPeer, type LoopbackNode } from '../interop/tpeer.js';
import type { RealtimeClock } from './clock.js';
import { datagramKey, type ReceiveLog } from './capture.js';

export type Implementation = 'ctoxcore-0.2.18' | 'ctoxcore-0.2.23' | 'toxstate';

export interface PeerSetup {
  readonly label: string;
  readonly impl: Implementation;
  /** Where the profile (`<label>.tox`) and the shim log (`<label>.shim.log`) are written. */
  readonly profilePath: string;
  readonly shimLogPath: string;
  readonly clock: RealtimeClock;
  readonly acceptAll: boolean;
  /** Receive loss, per mille (0 = none). */
  readonly dropRecvPermille: number;
  readonly seed: number;
  /** For c-toxcore other than Debian's 0.2.18: the install prefix. */
  readonly toxcorePrefix?: string;
}

export interface Incarnation {
  readonly n: number;
  readonly startedUs: bigint;
  stoppedUs?: bigint;
  readonly pk: string;
  readonly toxid: string;
  readonly dhtpk: string;
  readonly port: number;
  /** libtoxcore version the process loaded, or `toxstate`. */
  readonly version: string;
  readonly pid?: number;
}

export interface TimedEvent {
  readonly atUs: bigint;
  readonly incarnation: number;
  readonly event: Record<string, unknown>;
}

export interface SentDatagrams {
  readonly datagrams: PcapDatagram[];
  /** Received datagrams the peer's loss discarded (all incarnations). */
  readonly rxDropped: number;
  /** Received datagrams the peer's program saw. */
  readonly rxDelivered: number;
  /** Non-loopback sends the shim swallowed (must be 0). */
  readonly shimSwallowed: number;
  readonly problems: string[];
  /** Every datagram that reached the peer's socket (delivered or discarded), with its arrival time. */
  readonly received: ReceiveLog;
}

export interface CampaignPeer {
  readonly setup: PeerSetup;
  readonly incarnations: Incarnation[];
  readonly current: Incarnation;
  readonly running: boolean;
  /** `port`: the first port a c-toxcore peer tries (its default range otherwise); toxstate always takes a free one. */
  start(bootstrap: readonly LoopbackNode[], timeoutMs: number, port?: number): Promise<void>;
  bootstrapTo(node: LoopbackNode): Promise<void>;
  sendFriendRequest(toxid: string, message: string): Promise<void>;
  /** Whether the friend (long-term key, hex) is online now, by this incarnation's last status event. */
  isOnline(pk: string): boolean;
  /** Time of this incarnation's first event saying the friend came online at or after `sinceUs`. */
  onlineAt(pk: string, sinceUs: bigint): bigint | undefined;
  /** Time of this incarnation's first event saying the friend went offline at or after `sinceUs`. */
  offlineAt(pk: string, sinceUs: bigint): bigint | undefined;
  /** Sends a message; false when it was refused. */
  sendMessage(pk: string, text: string): Promise<boolean>;
  hasMessage(pk: string, text: string): boolean;
  /** Quits, the profile saved to setup.profilePath. */
  stop(): Promise<void>;
  freeze(): void;
  thaw(): void;
  readonly events: TimedEvent[];
  sent(): Promise<SentDatagrams>;
}

export function isCToxcore(impl: Implementation): boolean {
  return impl !== 'toxstate';
}

export function makePeer(setup: PeerSetup): CampaignPeer {
  return isCToxcore(setup.impl) ? new CToxcorePeer(setup) : new ToxstatePeer(setup);
}

const lower = (s: string): string => s.toLowerCase();

// ---------------------------------------------------------------------------------------------

/** What both kinds of peer keep: the processes or engines of each run, and a record per run. */
abstract class PeerRuns<P> {
  readonly incarnations: Incarnation[] = [];
  protected peers: P[] = [];

  constructor(readonly setup: PeerSetup) {}

  protected get peer(): P {
    const p = this.peers.at(-1);
    if (p === undefined) throw new Error(`${this.setup.label}: not started`);
    return p;
  }

  get current(): Incarnation {
    const i = this.incarnations.at(-1);
    if (i === undefined) throw new Error(`${this.setup.label}: not started`);
    return i;
  }
}

class CToxcorePeer extends PeerRuns<CPeer> implements CampaignPeer {
  private frozen = false;

  get running(): boolean {
    const p = this.peers.at(-1);
    return p !== undefined && p.exit === undefined;
  }

  async start(bootstrap: readonly LoopbackNode[], _timeoutMs: number, port?: number): Promise<void> {
    const peer = await CPeer.start({
      label: this.setup.label,
      name: this.setup.label,
      profile: this.setup.profilePath,
      shimLog: this.setup.shimLogPath,
      acceptAll: this.setup.acceptAll,
      bootstrap: bootstrap.map((b) => ({ port: b.port, dhtpk: b.dhtpk })),
      ...(port !== undefined ? { port } : {}),
      ...(this.setup.toxcorePrefix !== undefined ? { toxcorePrefix: this.setup.toxcorePrefix } : {}),
      ...(this.setup.dropRecvPermille > 0 ? { dropRecvPermille: this.setup.dropRecvPermille, shimSeed: this.setup.seed + this.incarnations.length } : {}),
    });
    this.peers.push(peer);
    const id = peer.identity;
    this.incarnations.push({
      n: this.incarnations.length,
      startedUs: this.setup.clock.nowUs(),
      pk: lower(id.pk),
      toxid: lower(id.toxid),
      dhtpk: lower(id.dhtpk),
      port: id.port,
      version: id.toxcore ?? 'unknown',
      pid: peer.pid,
    });
  }

  async bootstrapTo(node: LoopbackNode): Promise<void> {
    await this.peer.request(`bootstrap 127.0.0.1 ${node.port} ${node.dhtpk}`, 'bootstrapped', 5_000);
  }

  async sendFriendRequest(toxid: string, message: string): Promise<void> {
    await this.peer.request(`add ${toxid} ${message}`, 'friend_added', 5_000);
  }

  private statusEvents(pk: string): { e: Extract<CPeerEvent, { event: 'friend_connection' }>; i: number }[] {
    const out: { e: Extract<CPeerEvent, { event: 'friend_connection' }>; i: number }[] = [];
    this.peer.events.forEach((e, i) => {
      if (e.event === 'friend_connection' && lower(e.pk) === lower(pk)) out.push({ e, i });
    });
    return out;
  }

  isOnline(pk: string): boolean {
    const last = this.statusEvents(pk).at(-1);
    return last !== undefined && last.e.status !== 'none';
  }

  private arrivedUs(i: number): bigint {
    return this.setup.clock.fromPerf((this.peer.arrivedAtMs[i] ?? 0) - performance.timeOrigin);
  }

  onlineAt(pk: string, sinceUs: bigint): bigint | undefined {
    return this.firstStatus(pk, sinceUs, true);
  }

  offlineAt(pk: string, sinceUs: bigint): bigint | undefined {
    return this.firstStatus(pk, sinceUs, false);
  }

  private firstStatus(pk: string, sinceUs: bigint, online: boolean): bigint | undefined {
    for (const { e, i } of this.statusEvents(pk)) {
      if ((e.status !== 'none') === online && this.arrivedUs(i) >= sinceUs) return this.arrivedUs(i);
    }
    return undefined;
  }

  private async friendNumber(pk: string): Promise<number | undefined> {
    const list = await this.peer.request('friends', 'friends', 5_000);
    return list.friends.find((f) => lower(f.pk) === lower(pk))?.friend;
  }

  async sendMessage(pk: string, text: string): Promise<boolean> {
    const n = await this.friendNumber(pk);
    if (n === undefined) return false;
    try {
      await this.peer.sendMessage(n, text);
      return true;
    } catch {
      return false;
    }
  }

  hasMessage(pk: string, text: string): boolean {
    return this.peer.events.some((e) => e.event === 'message' && lower(e.pk) === lower(pk) && e.text === text);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.thaw();
    await this.peer.close();
    const cur = this.incarnations.at(-1);
    if (cur !== undefined) cur.stoppedUs = this.setup.clock.nowUs();
  }

  freeze(): void {
    if (!this.running || this.frozen) return;
    process.kill(this.peer.pid, 'SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    if (this.running) process.kill(this.peer.pid, 'SIGCONT');
  }

  get events(): TimedEvent[] {
    return this.peers.flatMap((p, n) =>
      p.events.map((e, i) => ({ atUs: this.setup.clock.fromPerf((p.arrivedAtMs[i] ?? 0) - performance.timeOrigin), incarnation: n, event: e as unknown as Record<string, unknown> })),
    );
  }

  async sent(): Promise<SentDatagrams> {
    const problems: string[] = [];
    const received: ReceiveLog = new Map();
    if (!existsSync(this.setup.shimLogPath)) return { datagrams: [], rxDropped: 0, rxDelivered: 0, shimSwallowed: 0, problems: ['no shim log'], received };
    const log = parseShimLog(await readFile(this.setup.shimLogPath, 'utf8'));
    if (log.errors.length > 0) problems.push(`${log.errors.length} malformed shim log lines (first: line ${log.errors[0]?.line}: ${log.errors[0]?.error})`);
    const datagrams: PcapDatagram[] = [];
    let rxDropped = 0;
    let rxDelivered = 0;
    let shimSwallowed = 0;
    for (const r of log.records) {
      if ((r.dir === 'recv' || r.dir === 'rxdrop') && r.src !== undefined && r.dst !== undefined) {
        const key = datagramKey(r.src, r.dst, r.payload);
        received.set(key, [...(received.get(key) ?? []), r.timeUs]);
      }
      if (r.dir === 'rxdrop') rxDropped++;
      else if (r.dir === 'recv') rxDelivered++;
      else if (r.dir === 'drop') shimSwallowed++;
      else if (r.src?.family === 4 && r.dst?.family === 4) datagrams.push({ timeUs: r.timeUs, src: r.src, dst: r.dst, payload: r.payload });
      else problems.push(`a sent datagram without IPv4 endpoints (${JSON.stringify({ src: r.src, dst: r.dst })})`);
    }
    return { datagrams, rxDropped, rxDelivered, shimSwallowed, problems, received };
  }
}

// ---------------------------------------------------------------------------------------------

/** splitmix64 over a counter: the toxstate peer's receive-loss draws (the shim uses the same scheme). */
function lossDraws(seed: number, permille: number): () => boolean {
  const mask = (1n << 64n) - 1n;
  let n = 0n;
  const base = BigInt(seed) & mask;
  return () => {
    let x = (base + n * 0x9e3779b97f4a7c15n + 0x9e3779b97f4a7c15n) & mask;
    n++;
    x = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    x = ((x ^ (x >> 27n)) * 0x94d049bb133111ebn) & mask;
    x ^= x >> 31n;
    return Number(x % 1000n) < permille;
  };
}

interface TapRecord {
  readonly timeUs: bigint;
  readonly incarnation: number;
  readonly to: { readonly ip: string; readonly port: number };
  readonly payload: Uint8Array;
}

class ToxstatePeer extends PeerRuns<TPeer> implements CampaignPeer {
  private readonly tapped: TapRecord[] = [];
  private readonly received: ReceiveLog = new Map();
  private rxDropped = 0;
  private rxDelivered = 0;

  private stopped = true;

  get running(): boolean {
    return !this.stopped;
  }

  async start(bootstrap: readonly LoopbackNode[], _timeoutMs: number): Promise<void> {
    const n = this.incarnations.length;
    const profile = n > 0 && existsSync(this.setup.profilePath) ? (await loadProfile(this.setup.profilePath)).profile : undefined;
    const drop = this.setup.dropRecvPermille > 0 ? lossDraws(this.setup.seed + n, this.setup.dropRecvPermille) : undefined;
    const clock = this.setup.clock;
    let started: TPeer | undefined;
    const peerPort = (): number => started?.port ?? 0;
    const peer = await TPeer.start({
      label: this.setup.label,
      name: this.setup.label,
      acceptAll: this.setup.acceptAll,
      bootstrap,
      ...(profile !== undefined ? { profile } : {}),
      tap: {
        sent: (to, data) => this.tapped.push({ timeUs: clock.nowUs(), incarnation: n, to: { ip: to.ip, port: to.port }, payload: data }),
        received: (from, data, dropped) => {
          const key = datagramKey(from, { ip: '127.0.0.1', port: this.incarnations[n]?.port ?? peerPort() }, data);
          this.received.set(key, [...(this.received.get(key) ?? []), clock.nowUs()]);
          if (dropped) this.rxDropped++;
          else this.rxDelivered++;
        },
      },
      ...(drop !== undefined ? { dropReceived: () => drop() } : {}),
    });
    started = peer;
    this.stopped = false;
    this.peers.push(peer);
    this.incarnations.push({ n, startedUs: clock.nowUs(), pk: peer.pkHex, toxid: lower(peer.toxId), dhtpk: lower(peer.dhtpkHex), port: peer.port, version: 'toxstate' });
  }

  async bootstrapTo(node: LoopbackNode): Promise<void> {
    this.peer.bootstrap(node);
  }

  async sendFriendRequest(toxid: string, message: string): Promise<void> {
    this.peer.sendFriendRequest(toxid, message);
  }

  private statusEvents(pk: string): { online: boolean; i: number }[] {
    const out: { online: boolean; i: number }[] = [];
    this.peer.events.forEach((e, i) => {
      if ((e.type === 'friend_online' || e.type === 'friend_offline') && e.friend === lower(pk)) out.push({ online: e.type === 'friend_online', i });
    });
    return out;
  }

  isOnline(pk: string): boolean {
    return this.statusEvents(pk).at(-1)?.online === true;
  }

  onlineAt(pk: string, sinceUs: bigint): bigint | undefined {
    return this.firstStatus(pk, sinceUs, true);
  }

  offlineAt(pk: string, sinceUs: bigint): bigint | undefined {
    return this.firstStatus(pk, sinceUs, false);
  }

  private firstStatus(pk: string, sinceUs: bigint, wanted: boolean): bigint | undefined {
    for (const { online, i } of this.statusEvents(pk)) {
      const at = this.setup.clock.fromPerf(this.peer.seenAtMs[i] ?? 0);
      if (online === wanted && at >= sinceUs) return at;
    }
    return undefined;
  }

  async sendMessage(pk: string, text: string): Promise<boolean> {
    try {
      this.peer.sendMessage(lower(pk), text);
      return true;
    } catch {
      return false;
    }
  }

  hasMessage(pk: string, text: string): boolean {
    return this.peer.events.some((e) => e.type === 'message' && e.friend === lower(pk) && e.text === text);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await saveProfile(this.setup.profilePath, this.peer.profile());
    await this.peer.close();
    const cur = this.incarnations.at(-1);
    if (cur !== undefined) cur.stoppedUs = this.setup.clock.nowUs();
  }

  freeze(): void {
    throw new Error('freezing is for c-toxcore peers (SIGSTOP); the toxstate peer runs in this process');
  }

  thaw(): void {
    /* never frozen */
  }

  get events(): TimedEvent[] {
    return this.peers.flatMap((p, n) =>
      p.events.map((e, i) => ({
        atUs: this.setup.clock.fromPerf(p.seenAtMs[i] ?? 0),
        incarnation: n,
        event: Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v])),
      })),
    );
  }

  async sent(): Promise<SentDatagrams> {
    const datagrams = this.tapped.map((r) => ({
      timeUs: r.timeUs,
      src: { ip: '127.0.0.1', port: this.incarnations[r.incarnation]?.port ?? 0 },
      dst: r.to,
      payload: r.payload,
    }));
    // The network rule: UdpNode refuses (and counts) any send off loopback; there must be none.
    const refused = this.peers.reduce((n, p) => n + p.engine.counters.get('tx.refused_non_loopback'), 0);
    const problems = refused > 0 ? [`toxstate refused ${refused} non-loopback sends`] : [];
    return { datagrams, rxDropped: this.rxDropped, rxDelivered: this.rxDelivered, shimSwallowed: 0, problems, received: this.received };
  }
}
