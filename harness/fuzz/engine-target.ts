/**
 * The engine as a fuzz target: fuzz is injected into Alice's `engine.handleDatagram` while Alice
 * and Bob stay Established on the simulated demo network, from Bob's own address (where a
 * session packet would come from), from the DHT nodes' addresses, and from random addresses.
 * Virtual time moves on between batches, so ALIVE, the DHT rounds, the onion announces and
 * every timer keep running while the fuzz arrives.
 *
 * Checked: `error.handler` (a layer threw) stays 0, the session stays Established on both sides
 * (no friend_offline), and every table stays within its limit (tableStats, TABLE_LIMITS).
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import type { SimNode } from '../../runtime/adapters/sim-network.js';
import { DHT_BUCKET_SIZE, DHT_PENDING_LIMIT, DHT_SEARCH_LIMIT } from '../../runtime/dht/dht.js';
import type { Engine } from '../../runtime/engine.js';
import { SHARED_KEY_CACHE_LIMIT } from '../../runtime/keys.js';
import { COOKIE_GUARD_TABLE_LIMIT } from '../../runtime/net-crypto/constants.js';
import { ONION_ANNOUNCE_MAX_ENTRIES, ONION_SENDBACK_LIMIT } from '../../runtime/onion/constants.js';
import type { Random } from '../../runtime/random.js';
import type { DemoNetwork } from '../../runtime/scenarios/demo-network.js';

/** Sizes of every table of an engine (what must stay bounded under fuzz and flood). */
export interface TableStats {
  dhtClose: number;
  dhtSearches: number;
  dhtPending: number;
  sharedKeys: number;
  announceEntries: number;
  netCryptoConnections: number;
  netCryptoPending: number;
  cookieGuard: number;
  onionSendbacks: number;
  journal: number;
  actors: number;
  friends: number;
  counters: number;
}

export function tableStats(e: Engine): TableStats {
  const d = e.dht.stats();
  const n = e.netCrypto.stats();
  return {
    dhtClose: d.close,
    dhtSearches: d.searches,
    dhtPending: d.pending,
    sharedKeys: e.keys.cache.size,
    announceEntries: e.announceServer.size,
    netCryptoConnections: n.connections,
    netCryptoPending: n.pending,
    cookieGuard: n.guardSources,
    onionSendbacks: e.onion.stats().sendbacks,
    journal: e.journal.size,
    actors: e.actors.size,
    friends: e.friends.size,
    counters: Object.keys(e.counters.toJSON()).length,
  };
}

/**
 * The limit of each table for an engine with `friends` friends: the constant, where it lives,
 * and its value. Counters are bounded by the finite set of reasons in the code (256 DHT request
 * ids at most among them); actors are 4 per friend + 1.
 */
export function tableLimits(e: Engine): Record<keyof TableStats, { limit: number; constant: string; where: string }> {
  const friends = e.friends.size;
  return {
    dhtClose: { limit: 128 * DHT_BUCKET_SIZE, constant: '128 buckets × DHT_BUCKET_SIZE', where: 'runtime/dht/dht.ts' },
    dhtSearches: { limit: DHT_SEARCH_LIMIT, constant: 'DHT_SEARCH_LIMIT', where: 'runtime/dht/dht.ts' },
    dhtPending: { limit: DHT_PENDING_LIMIT, constant: 'DHT_PENDING_LIMIT', where: 'runtime/dht/dht.ts' },
    sharedKeys: { limit: SHARED_KEY_CACHE_LIMIT, constant: 'SHARED_KEY_CACHE_LIMIT', where: 'runtime/keys.ts' },
    announceEntries: { limit: ONION_ANNOUNCE_MAX_ENTRIES, constant: 'ONION_ANNOUNCE_MAX_ENTRIES', where: 'runtime/onion/constants.ts' },
    netCryptoConnections: { limit: friends, constant: 'one per friend', where: 'runtime/net-crypto/table.ts' },
    netCryptoPending: { limit: friends, constant: 'one per friend, PENDING_CONNECTION_TTL_MS', where: 'runtime/net-crypto/constants.ts' },
    cookieGuard: { limit: COOKIE_GUARD_TABLE_LIMIT, constant: 'COOKIE_GUARD_TABLE_LIMIT', where: 'runtime/net-crypto/constants.ts' },
    onionSendbacks: { limit: ONION_SENDBACK_LIMIT, constant: 'ONION_SENDBACK_LIMIT', where: 'runtime/onion/constants.ts' },
    journal: { limit: e.journal.capacity, constant: 'journalCapacity (default 100,000)', where: 'runtime/engine.ts' },
    actors: { limit: 4 * friends + 1, constant: '4 per friend + toxid', where: 'runtime/engine.ts' },
    friends: { limit: friends, constant: 'friends added by the user only', where: 'runtime/friends.ts' },
    counters: { limit: 1024, constant: 'finite set of counter names', where: 'runtime/counters.ts' },
  };
}

export function maxStats(a: TableStats, b: TableStats): TableStats {
  const out = { ...a };
  for (const k of Object.keys(a) as Array<keyof TableStats>) out[k] = Math.max(a[k], b[k]);
  return out;
}

export interface EngineFuzzFigures {
  injected: number;
  fromPeer: number;
  fromDhtNode: number;
  fromRandom: number;
  virtualMs: number;
  errorHandler: number;
  lastError: string | null;
  establishedThroughout: boolean;
  offlineEvents: number;
  dropped: number;
  before: TableStats;
  after: TableStats;
  max: TableStats;
}

export class EngineTarget {
  readonly alice: SimNode;
  readonly bob: SimNode;
  private readonly dhtAddresses: IpPort[];
  private readonly offlineAtStart: number;
  private readonly droppedAtStart: number;
  readonly figures: EngineFuzzFigures;
  private sinceStep = 0;

  constructor(
    readonly demo: DemoNetwork,
    private readonly r: Random,
    /** Inputs between two advances of virtual time. */
    readonly batch = 500,
    /** Virtual time per advance. */
    readonly stepMs = 500,
  ) {
    this.alice = demo.alice.node;
    this.bob = demo.bob.node;
    this.dhtAddresses = demo.nodes.filter((d) => d.node !== this.alice && d.node !== this.bob).map((d) => d.node.address);
    this.offlineAtStart = this.offlineCount();
    this.droppedAtStart = this.alice.engine.counters.sum('drop.');
    const s = tableStats(this.alice.engine);
    this.figures = {
      injected: 0,
      fromPeer: 0,
      fromDhtNode: 0,
      fromRandom: 0,
      virtualMs: 0,
      errorHandler: 0,
      lastError: null,
      establishedThroughout: this.established(),
      offlineEvents: 0,
      dropped: 0,
      before: s,
      after: s,
      max: s,
    };
  }

  established(): boolean {
    const a = this.alice.engine;
    const b = this.bob.engine;
    return a.progressOf(b.selfHex) === 'Established' && b.progressOf(a.selfHex) === 'Established';
  }

  private offlineCount(): number {
    return [this.alice, this.bob].reduce((n, node) => n + node.events.filter((e) => e.type === 'friend_offline').length, 0);
  }

  private source(): IpPort {
    const k = this.r.int(4);
    if (k < 2) {
      this.figures.fromPeer++;
      return this.bob.address;
    }
    if (k === 2 && this.dhtAddresses.length > 0) {
      this.figures.fromDhtNode++;
      return this.dhtAddresses[this.r.int(this.dhtAddresses.length)]!;
    }
    this.figures.fromRandom++;
    return { family: 'ipv4', ip: `127.${this.r.int(256)}.${this.r.int(256)}.${1 + this.r.int(254)}`, port: 1024 + this.r.int(60_000) };
  }

  /** One input into Alice, at the network's current virtual time. */
  inject(data: Bytes): void {
    const { sim } = this.demo;
    this.alice.engine.handleDatagram(sim.now, this.source(), data);
    sim.flush([this.alice]);
    this.figures.injected++;
    if (++this.sinceStep >= this.batch) this.advance();
  }

  /** Moves virtual time on and checks the invariants. */
  advance(): void {
    this.sinceStep = 0;
    const { sim } = this.demo;
    sim.runFor(this.stepMs);
    this.figures.virtualMs += this.stepMs;
    const e = this.alice.engine;
    this.figures.errorHandler = e.counters.get('error.handler') + this.bob.engine.counters.get('error.handler');
    this.figures.lastError = e.lastError ?? this.bob.engine.lastError;
    if (!this.established()) this.figures.establishedThroughout = false;
    this.figures.offlineEvents = this.offlineCount() - this.offlineAtStart;
    this.figures.dropped = e.counters.sum('drop.') - this.droppedAtStart;
    const s = tableStats(e);
    this.figures.after = s;
    this.figures.max = maxStats(this.figures.max, s);
  }
}
