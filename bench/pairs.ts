/**
 * Peers for the side-by-side benchmarks (time-to-online, reconnect, throughput): a toxstate peer
 * (`TPeer`: Engine + UdpNode in this process) or a c-toxcore 0.2.18 peer (`CPeer`: cpeer under
 * the loopback shim) behind one small interface, and the pairings the benchmarks compare.
 *
 * Every socket is on 127.0.0.1 and every bootstrap is 127.0.0.1 (the network rule); every wait
 * is bounded. Times are `performance.now()` milliseconds of this process: a c-toxcore event is
 * timed when its JSON line is read (a pipe hop later than c-toxcore saw it).
 */
import { closeAllPeers, CPeer } from '../harness/interop/cpeer.js';
import { toxcoreAvailability, type Availability } from '../harness/interop/native-build.js';
import { closeAllTPeers, TPeer, type LoopbackNode } from '../harness/interop/tpeer.js';
import type { Profile } from '../protocol/profile/savedata.js';

export type Kind = 'toxstate' | 'c-toxcore';

/** Bound on any one wait in a benchmark (c-toxcore's own onion search takes ~10 s). */
export const BENCH_WAIT_MS = 60_000;

/** c-toxcore event time (read from its pipe) on this process's performance.now() clock. */
const cTime = (peer: CPeer, index: number): number => (peer.arrivedAtMs[index] ?? performance.timeOrigin + performance.now()) - performance.timeOrigin;

export interface StartOptions {
  readonly label: string;
  readonly bootstrap?: LoopbackNode;
  /** c-toxcore: a profile file (loaded when it exists, saved on quit); toxstate: a profile to start from. */
  readonly cProfile?: string;
  readonly tProfile?: Profile;
  /** c-toxcore: the first UDP port to try. */
  readonly port?: number;
}

/** One side of a pairing. */
export interface BenchPeer {
  readonly kind: Kind;
  readonly label: string;
  /** Long-term key, lowercase hex. */
  readonly pk: string;
  readonly node: LoopbackNode;
  readonly toxId: string;
  addFriend(pkHex: string): Promise<void>;
  /** Index for `whenOnline`/`whenMessage`: only events after this point count. */
  mark(): number;
  /** Resolves with the time the friend was reported online (UDP for c-toxcore) after `since`. */
  whenOnline(friendPk: string, since?: number): Promise<number>;
  /** Sends a text message; resolves with the time it was handed over. */
  send(friendPk: string, text: string): Promise<number>;
  /** Resolves with the time a message with exactly this text from `friendPk` arrived after `since`. */
  whenMessage(friendPk: string, text: string, since?: number): Promise<number>;
  close(): Promise<void>;
  /** Profile to restart from: the c-toxcore file path, or the toxstate profile. */
  readonly cProfile?: string | undefined;
  profile(): Profile | undefined;
  readonly c?: CPeer;
  readonly t?: TPeer;
}

export class ToxstatePeer implements BenchPeer {
  readonly kind = 'toxstate';
  constructor(readonly t: TPeer) {}
  get label(): string {
    return this.t.label;
  }
  get pk(): string {
    return this.t.pkHex;
  }
  get node(): LoopbackNode {
    return this.t.asBootstrap;
  }
  get toxId(): string {
    return this.t.toxId;
  }
  async addFriend(pkHex: string): Promise<void> {
    this.t.addFriend(pkHex.toLowerCase());
  }
  mark(): number {
    return this.t.mark();
  }
  async whenOnline(friendPk: string, since = 0): Promise<number> {
    const pk = friendPk.toLowerCase();
    const e = await this.t.waitForEvent('friend_online', (x) => x.friend === pk, BENCH_WAIT_MS, since);
    return this.t.seenAtMs[this.t.events.indexOf(e)] ?? performance.now();
  }
  async send(friendPk: string, text: string): Promise<number> {
    const at = performance.now();
    this.t.sendMessage(friendPk.toLowerCase(), text);
    return at;
  }
  async whenMessage(friendPk: string, text: string, since = 0): Promise<number> {
    const pk = friendPk.toLowerCase();
    const e = await this.t.waitForEvent('message', (x) => x.friend === pk && x.text === text, BENCH_WAIT_MS, since);
    return this.t.seenAtMs[this.t.events.indexOf(e, since)] ?? performance.now();
  }
  profile(): Profile {
    return this.t.profile();
  }
  close(): Promise<void> {
    return this.t.close();
  }
}

export class CToxcorePeer implements BenchPeer {
  readonly kind = 'c-toxcore';
  private readonly friendNumbers = new Map<string, number>();
  constructor(
    readonly c: CPeer,
    readonly cProfile?: string,
  ) {}
  get label(): string {
    return this.c.label;
  }
  get pk(): string {
    return this.c.identity.pk.toLowerCase();
  }
  get node(): LoopbackNode {
    return { port: this.c.identity.port, dhtpk: this.c.identity.dhtpk };
  }
  get toxId(): string {
    return this.c.identity.toxid;
  }
  async addFriend(pkHex: string): Promise<void> {
    const e = await this.c.request(`addnr ${pkHex.toUpperCase()}`, 'friend_added');
    this.friendNumbers.set(pkHex.toLowerCase(), e.friend);
  }
  /** The friend number c-toxcore gave `pkHex` (from addFriend, or its friend list). */
  async friendNumber(pkHex: string): Promise<number> {
    const pk = pkHex.toLowerCase();
    const known = this.friendNumbers.get(pk);
    if (known !== undefined) return known;
    const list = await this.c.request('friends', 'friends');
    const f = list.friends.find((x) => x.pk.toLowerCase() === pk);
    if (!f) throw new Error(`${this.label}: ${pk} is not a friend`);
    this.friendNumbers.set(pk, f.friend);
    return f.friend;
  }
  mark(): number {
    return this.c.mark();
  }
  async whenOnline(friendPk: string, since = 0): Promise<number> {
    const pk = friendPk.toLowerCase();
    const e = await this.c.waitForEvent('friend_connection', (x) => x.pk.toLowerCase() === pk && x.status === 'udp', BENCH_WAIT_MS, since);
    return cTime(this.c, this.c.events.indexOf(e, since));
  }
  async send(friendPk: string, text: string): Promise<number> {
    const n = await this.friendNumber(friendPk);
    const at = performance.now();
    this.c.send(`send ${n} ${text}`);
    return at;
  }
  async whenMessage(friendPk: string, text: string, since = 0): Promise<number> {
    const pk = friendPk.toLowerCase();
    const e = await this.c.waitForEvent('message', (x) => x.pk.toLowerCase() === pk && x.text === text, BENCH_WAIT_MS, since);
    return cTime(this.c, this.c.events.indexOf(e, since));
  }
  profile(): undefined {
    return undefined;
  }
  async close(): Promise<void> {
    await this.c.close();
  }
}

export async function startPeer(kind: Kind, o: StartOptions): Promise<BenchPeer> {
  if (kind === 'toxstate') {
    const t = await TPeer.start({
      label: o.label,
      name: o.label,
      // Benchmarks run long floods: keep the journal small.
      journalCapacity: 10_000,
      ...(o.bootstrap ? { bootstrap: [o.bootstrap] } : {}),
      ...(o.tProfile ? { profile: o.tProfile } : {}),
    });
    return new ToxstatePeer(t);
  }
  const c = await CPeer.start({
    label: o.label,
    name: o.label,
    ...(o.bootstrap ? { bootstrap: [o.bootstrap] } : {}),
    ...(o.cProfile !== undefined ? { profile: o.cProfile } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
  });
  return new CToxcorePeer(c, o.cProfile);
}

/**
 * A pairing: `first` starts alone, `second` starts bootstrapped to it, and both add the other
 * without a request (tox_friend_add_norequest, as docs/protocol.md §10.2 measured).
 */
export interface Pairing {
  readonly name: string;
  readonly first: Kind;
  readonly second: Kind;
  /** Whether it needs c-toxcore. */
  readonly needsC: boolean;
}

export function pairing(name: string, first: Kind, second: Kind): Pairing {
  return { name, first, second, needsC: first === 'c-toxcore' || second === 'c-toxcore' };
}

export interface OnlinePair {
  readonly a: BenchPeer;
  readonly b: BenchPeer;
  /** performance.now() before the first peer was started. */
  readonly startedAt: number;
  /** performance.now() when the later of the two reported the other online. */
  readonly onlineAt: number;
}

/** Starts a pairing from nothing (fresh identities) and waits until both report the other online. */
export async function connectPair(p: Pairing, opts: { aProfile?: string; bProfile?: string } = {}): Promise<OnlinePair> {
  const startedAt = performance.now();
  const a = await startPeer(p.first, { label: 'A', ...(opts.aProfile !== undefined ? { cProfile: opts.aProfile } : {}) });
  let b: BenchPeer | undefined;
  try {
    b = await startPeer(p.second, { label: 'B', bootstrap: a.node, ...(opts.bProfile !== undefined ? { cProfile: opts.bProfile } : {}) });
    await Promise.all([a.addFriend(b.pk), b.addFriend(a.pk)]);
    const [x, y] = await Promise.all([a.whenOnline(b.pk), b.whenOnline(a.pk)]);
    return { a, b, startedAt, onlineAt: Math.max(x, y) };
  } catch (e) {
    await a.close();
    await b?.close();
    throw e;
  }
}

/** c-toxcore availability once per run. */
export function cAvailability(): Promise<Availability> {
  return toxcoreAvailability();
}

/** Closes whatever a failed or finished trial left open. */
export async function closeEverything(): Promise<void> {
  await closeAllTPeers();
  await closeAllPeers();
}

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((p, q) => p - q);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)! };
}

/** Seconds with 2 decimals (3 below 1 s), as a number for the tables. */
export function secondsFigure(ms: number): number {
  const s = ms / 1000;
  return Number(s < 1 ? s.toFixed(3) : s.toFixed(2));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One table row per pairing name: median, min and max seconds, trials, and the ratio of the median
 * to the reference pairing's median ("n/a" where a pairing has no time, or the reference none).
 */
export function medianRows(names: readonly string[], results: ReadonlyMap<string, readonly number[]>, reference: string): Array<Record<string, string | number>> {
  const base = results.get(reference);
  const baseMedian = base !== undefined && base.length > 0 ? stats(base).median : null;
  return names.map((name) => {
    const times = results.get(name) ?? [];
    if (times.length === 0) return { pairing: name, 'median s': 'n/a', 'min s': 'n/a', 'max s': 'n/a', trials: 'n/a', 'ratio to c-toxcore pair': 'n/a' };
    const s = stats(times);
    return {
      pairing: name,
      'median s': secondsFigure(s.median),
      'min s': secondsFigure(s.min),
      'max s': secondsFigure(s.max),
      trials: times.length,
      'ratio to c-toxcore pair': baseMedian === null ? 'n/a' : `${(s.median / baseMedian).toFixed(2)}×`,
    };
  });
}
