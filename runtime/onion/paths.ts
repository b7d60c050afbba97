/**
 * Onion paths of the client (tox-protocol.md §3.3; c-toxcore 0.2.18 `toxcore/onion_client.c`
 * random_path / path_timed_out / set_path_timeouts, `toxcore/onion.c` create_onion_path).
 *
 * A path set has 6 slots (NUMBER_ONION_PATHS); the client keeps one set for self-announce and
 * one for friend searches and onion data. A path is 3 nodes drawn uniformly at random, with
 * replacement, from the DHT's good nodes (so a 1-node network gives A = B = C). Layer 1 is
 * sealed under our DHT key, layers 2 and 3 under a fresh random key pair per path.
 *
 * Expiry: a path dies once it has been used 4 times without a response and its last use was
 * ≥ 4 s ago (a path that never answered) or ≥ 10 s ago (one that has); and 1200 s after it was
 * made in any case. Like c-toxcore, a new path starts as if used twice without a response, so
 * a path that never answers is given up after two more uses.
 *
 * Path ids encode their slot (id % 6 = slot), as c-toxcore's path_num does: a node remembers
 * the id of the path its last response came through, and re-announcing along the same slot
 * keeps the same exit relay C, to whose address the announce node bound our ping_id.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import type { OnionPath } from '../../protocol/onion/index.js';
import type { Engine } from '../engine.js';
import { generateKeyPair } from '../keys.js';
import {
  ONION_PATH_FIRST_TIMEOUT_MS,
  ONION_PATH_LENGTH,
  ONION_PATH_MAX_LIFETIME_MS,
  ONION_PATH_MAX_NO_RESPONSE_USES,
  ONION_PATH_TIMEOUT_MS,
  ONION_PATHS_PER_SET,
} from './constants.js';

export interface PathHop {
  readonly pk: Bytes;
  readonly ipPort: IpPort;
}

export interface Path {
  /** Slot-encoding id: id % 6 is the slot. */
  readonly id: number;
  readonly hops: readonly PathHop[];
  /** The keys and addresses the codec seals with. */
  readonly codec: OnionPath;
  readonly createdAt: number;
  /** Last response through this path; null while it never answered. */
  lastSuccess: number | null;
  lastUsed: number;
  usesSinceResponse: number;
}

export class PathSet {
  private readonly slots: Array<Path | null> = new Array<Path | null>(ONION_PATHS_PER_SET).fill(null);
  private counter = 0;

  constructor(
    private readonly host: Engine,
    readonly name: string,
  ) {}

  static isTimedOut(p: Path, now: number): boolean {
    if (now - p.createdAt >= ONION_PATH_MAX_LIFETIME_MS) return true;
    const timeout = p.lastSuccess === null ? ONION_PATH_FIRST_TIMEOUT_MS : ONION_PATH_TIMEOUT_MS;
    return p.usesSinceResponse >= ONION_PATH_MAX_NO_RESPONSE_USES && now - p.lastUsed >= timeout;
  }

  /** When a path of this set times out next (null: no path). */
  nextExpiry(): number | null {
    let at = Infinity;
    for (const p of this.slots) {
      if (!p) continue;
      at = Math.min(at, p.createdAt + ONION_PATH_MAX_LIFETIME_MS);
      if (p.usesSinceResponse >= ONION_PATH_MAX_NO_RESPONSE_USES) {
        at = Math.min(at, p.lastUsed + (p.lastSuccess === null ? ONION_PATH_FIRST_TIMEOUT_MS : ONION_PATH_TIMEOUT_MS));
      }
    }
    return at === Infinity ? null : at;
  }

  /** Drops timed-out paths. */
  expire(now: number): void {
    this.slots.forEach((p, i) => {
      if (p && PathSet.isTimedOut(p, now)) {
        this.slots[i] = null;
        this.host.counters.inc(`onion.path_expired`);
      }
    });
  }

  /** Live paths (tests, diagnostics). */
  live(now: number): Path[] {
    return this.slots.filter((p): p is Path => p !== null && !PathSet.isTimedOut(p, now));
  }

  /**
   * A path for one request: the slot of `wantedId` (or a random slot), rebuilt when its path
   * timed out. Counts the use. Null when the DHT has no good node to build from.
   */
  use(wantedId: number | null): Path | null {
    const now = this.host.now;
    const slot = wantedId !== null ? wantedId % ONION_PATHS_PER_SET : this.host.random.int(ONION_PATHS_PER_SET);
    let p = this.slots[slot] ?? null;
    if (!p || PathSet.isTimedOut(p, now)) {
      p = this.build(slot, now);
      if (!p) return null;
      this.slots[slot] = p;
    }
    if (p.usesSinceResponse < ONION_PATH_MAX_NO_RESPONSE_USES) p.lastUsed = now;
    p.usesSinceResponse++;
    return p;
  }

  /** A response came back through path `id`: it works. Returns the id if the path still exists. */
  succeeded(id: number): number | null {
    const p = this.slots[id % ONION_PATHS_PER_SET];
    if (!p || p.id !== id) return null;
    p.lastSuccess = this.host.now;
    p.usesSinceResponse = 0;
    return id;
  }

  private build(slot: number, now: number): Path | null {
    const good = this.host.dht.goodNodes();
    if (good.length === 0) return null;
    const hops: PathHop[] = [];
    for (let i = 0; i < ONION_PATH_LENGTH; i++) {
      const n = good[this.host.random.int(good.length)]!;
      hops.push({ pk: n.pk, ipPort: n.ipPort });
    }
    const { crypto, keys, random } = this.host;
    const pair2 = generateKeyPair(crypto, random);
    const pair3 = generateKeyPair(crypto, random);
    const [a, b, c] = hops as [PathHop, PathHop, PathHop];
    const codec: OnionPath = {
      publicKey1: keys.dht.publicKey,
      sharedKey1: keys.dhtShared(a.pk),
      ipPort2: b.ipPort,
      publicKey2: pair2.publicKey,
      sharedKey2: crypto.precompute(b.pk, pair2.secretKey),
      ipPort3: c.ipPort,
      publicKey3: pair3.publicKey,
      sharedKey3: crypto.precompute(c.pk, pair3.secretKey),
    };
    this.counter++;
    this.host.counters.inc('onion.path_built');
    return {
      id: this.counter * ONION_PATHS_PER_SET + slot,
      hops,
      codec,
      createdAt: now,
      lastSuccess: null,
      lastUsed: now,
      usesSinceResponse: ONION_PATH_MAX_NO_RESPONSE_USES / 2,
    };
  }
}
