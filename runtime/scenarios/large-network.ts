/**
 * Large toxstate networks on the simulated network, for the scenario tests and the scale
 * benchmarks: `nodes` engines with seeded keys, a few bootstrap nodes that know each other (so
 * the network is one piece), everyone else bootstrapped to one or more of them, and friend
 * pairs with a watch that records when each pair is Established on both sides.
 *
 * Defaults are the ones many engines in one process need: a small journal without contexts
 * (the journal is for the inspector; 16 entries keep the last steps for a failure message, and
 * cost ~9 KB a node where 64 cost ~36 KB — 270 MB of a 10,000-node run's heap) and
 * no per-node event lists (the watch listens instead).
 */
import type { Crypto } from '../../protocol/crypto.js';
import { SimNetwork, type SimNode, type SimOptions } from '../adapters/sim-network.js';
import { Engine, type EngineOptions } from '../engine.js';
import { generateKeyPair } from '../keys.js';
import { seededRandom } from '../random.js';

/** Journal settings for engines in large simulations: a small ring, no contexts. */
export const LARGE_NETWORK_JOURNAL = { journalCapacity: 16, journalContext: false } as const;

/** Wall-clock Unix milliseconds at virtual time 0 (DHT-PK no_replay counts Unix seconds). */
const EPOCH_MS = 1_700_000_000_000;

export interface LargeNetworkOptions extends SimOptions {
  readonly crypto: Crypto;
  readonly nodes: number;
  /** Node i's keys and randomness come from seed `seedBase + i` (default 1000). */
  readonly seedBase?: number;
  /** The first `bootstrapPool` nodes are the bootstrap nodes (default 4). */
  readonly bootstrapPool?: number;
  /** Bootstrap nodes each other node is given, drawn from the pool (default 1). */
  readonly bootstrapVia?: number;
  /** Keep every app event in `node.events` (default false: large runs listen instead). */
  readonly recordEvents?: boolean;
  /** Options for every engine (journal size, serveOnion, …). */
  readonly engineOptions?: Partial<EngineOptions>;
}

export interface LargeNetwork {
  readonly sim: SimNetwork;
  readonly nodes: SimNode[];
  /** The bootstrap nodes (newcomers join through them). */
  readonly bootstrap: readonly SimNode[];
  /** An engine made like the network's (for joins and restarts). */
  engine(seed: number, extra?: Partial<EngineOptions>): Engine;
}

export function createLargeNetwork(opts: LargeNetworkOptions): LargeNetwork {
  const { crypto } = opts;
  const seedBase = opts.seedBase ?? 1000;
  const sim = new SimNetwork({ latencyMs: 20, jitterMs: 10, ...opts, seed: opts.seed ?? seedBase });
  sim.recordEvents = opts.recordEvents ?? false;
  const base: Partial<EngineOptions> = { ...LARGE_NETWORK_JOURNAL, epochMs: EPOCH_MS, ...opts.engineOptions };
  const engine = (seed: number, extra: Partial<EngineOptions> = {}): Engine => {
    const random = seededRandom(seed);
    return new Engine({ crypto, random, identity: generateKeyPair(crypto, random), nospam: random.bytes(4), ...base, ...extra });
  };
  const nodes: SimNode[] = [];
  for (let i = 0; i < opts.nodes; i++) nodes.push(sim.add(engine(seedBase + i)));
  const pool = nodes.slice(0, Math.max(1, Math.min(opts.bootstrapPool ?? 4, nodes.length)));
  const via = opts.bootstrapVia ?? 1;
  const pick = seededRandom(seedBase + 999_983);
  // The bootstrap nodes know the first one, so the network is one piece; every other node is
  // given `via` of them.
  for (const n of pool.slice(1)) n.engine.bootstrap(sim.now, pool[0]!.address, pool[0]!.engine.keys.dht.publicKey);
  for (const n of nodes.slice(pool.length)) {
    for (let k = 0; k < via; k++) {
      const b = pool[pick.int(pool.length)]!;
      n.engine.bootstrap(sim.now, b.address, b.engine.keys.dht.publicKey);
    }
  }
  sim.flush();
  return { sim, nodes, bootstrap: pool, engine };
}

/** Makes `a` and `b` friends of each other (as after an accepted friend request). */
export function befriend(sim: SimNetwork, a: SimNode, b: SimNode): void {
  a.engine.addFriend(sim.now, b.engine.keys.real.publicKey);
  b.engine.addFriend(sim.now, a.engine.keys.real.publicKey);
  sim.flush([a, b]);
}

/** Both sides of the pair are Established. */
export function isEstablished(a: SimNode, b: SimNode): boolean {
  return a.engine.progressOf(b.engine.selfHex) === 'Established' && b.engine.progressOf(a.engine.selfHex) === 'Established';
}

/** Friend pairs among `nodes[from..]`: (from, from+1), (from+2, from+3), … */
export function pairUp(nodes: readonly SimNode[], count: number, from = 0): Array<[SimNode, SimNode]> {
  const out: Array<[SimNode, SimNode]> = [];
  for (let i = 0; i < count; i++) {
    const a = nodes[from + 2 * i];
    const b = nodes[from + 2 * i + 1];
    if (!a || !b) throw new RangeError(`pair ${i} needs nodes ${from + 2 * i} and ${from + 2 * i + 1}`);
    out.push([a, b]);
  }
  return out;
}

/**
 * Watches friend pairs: the virtual time each pair became Established on both sides (the later
 * side's `friend_online`), and its latest `friend_offline`. Listens on the network, so it works
 * with `recordEvents` off.
 */
export class PairWatch {
  private readonly index = new Map<string, number>();
  /** Latest time the pair became Established on both sides (null: not yet). */
  readonly onlineAt: Array<number | null>;
  /** First time the pair became Established on both sides. */
  readonly firstOnlineAt: Array<number | null>;
  /** Latest time either side reported the other offline. */
  readonly offlineAt: Array<number | null>;
  private readonly stop: () => void;

  constructor(
    sim: SimNetwork,
    readonly pairs: ReadonlyArray<readonly [SimNode, SimNode]>,
  ) {
    this.onlineAt = pairs.map(() => null);
    this.firstOnlineAt = pairs.map(() => null);
    this.offlineAt = pairs.map(() => null);
    pairs.forEach(([a, b], i) => {
      this.index.set(`${a.engine.selfHex}>${b.engine.selfHex}`, i);
      this.index.set(`${b.engine.selfHex}>${a.engine.selfHex}`, i);
    });
    this.stop = sim.onEvent((node, e) => {
      if (e.type !== 'friend_online' && e.type !== 'friend_offline') return;
      const i = this.index.get(`${node.engine.selfHex}>${e.friend}`);
      if (i === undefined) return;
      const [a, b] = pairs[i]!;
      if (e.type === 'friend_offline') this.offlineAt[i] = e.t;
      else if (isEstablished(a, b)) {
        this.onlineAt[i] = e.t;
        this.firstOnlineAt[i] ??= e.t;
      }
    });
  }

  /** Pairs Established on both sides now. */
  count(): number {
    let n = 0;
    for (const [a, b] of this.pairs) if (isEstablished(a, b)) n++;
    return n;
  }

  all(): boolean {
    return this.pairs.every(([a, b]) => isEstablished(a, b));
  }

  /** The time by which a fraction of the pairs had first been Established (null: not reached). */
  firstOnlineQuantile(q: number): number | null {
    const times = this.firstOnlineAt.filter((t): t is number => t !== null).sort((x, y) => x - y);
    const need = Math.max(1, Math.ceil(q * this.pairs.length));
    return times.length >= need ? times[need - 1]! : null;
  }

  dispose(): void {
    this.stop();
  }
}

/** Sum of `error.handler` over engines (every handler exception is counted there). */
export function handlerErrors(nodes: readonly SimNode[]): number {
  let n = 0;
  for (const x of nodes) n += x.engine.counters.get('error.handler');
  return n;
}

/** The first handler error among `nodes` (for a failure message), or null. */
export function firstHandlerError(nodes: readonly SimNode[]): string | null {
  for (const x of nodes) if (x.engine.lastError !== null) return `node ${x.id}: ${x.engine.lastError}`;
  return null;
}
