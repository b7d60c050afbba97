/**
 * Onion paths of the client (docs/protocol.md §3.3; c-toxcore 0.2.18 `toxcore/onion_client.c`
 * random_path / path_timed_out / set_path_timeouts, `toxcore/onion.c` create_onion_path).
 *
 * A path set has 6 slots (NUMBER_ONION_PATHS); the client keeps one set for self-announce and
 * one for friend searches and onion data. Layer 1 is sealed under our DHT key, layers 2 and 3
 * under a fresh random key pair per path.
 *
 * Path nodes (issue 13 item 4: DHT keys that answer DHT requests but drop onion traffic must not
 * black-hole the onion). A path's 3 nodes come from the DHT's good nodes and the relays that have
 * proven themselves (RelayRecord, shared by both sets): every node of a path that carried a
 * response, and every announce node that answered us (c-toxcore's path_nodes, onion_client.c
 * onion_add_path_node, is fed the same way, but it draws from them as from any DHT node).
 * Each hop is drawn host first (hosts.ts: an IP), so that one IP counts once however many keys
 * it has, and the 3 hops are on 3 distinct hosts when there are 3 (else keys repeat, down to
 * A = B = C in a 1-node network). The hop is taken, in this order of preference, from proven
 * relays (except one draw in 4, which tries an untried node while there is one), untried nodes,
 * then nodes of the hosts with the fewest failures. A path that dies without a response, when the
 * nodes asked through it are ones that do answer, counts a failure against the host of each of
 * its nodes that is not proven (of each node, when all were: then they are proven no more); a
 * failure is forgotten after 10 minutes.
 *
 * Expiry: a path dies once it has been used 4 times without a response and its last use was
 * ≥ 4 s ago (a path that never answered) or ≥ 10 s ago (one that has); and 1200 s after it was
 * made in any case. Like c-toxcore, a new path starts as if used twice without a response, so
 * a path that never answers is given up after two more uses.
 *
 * Path ids encode their slot (id % 6 = slot), as c-toxcore's path_num does: a node remembers
 * the id of the path its last response came through, and re-announcing along the same slot
 * keeps the same exit relay C, to whose address the announce node bound our ping_id.
 *
 * Paths through a TCP relay (docs/protocol.md §14.7; onion_client.c random_nodes_path_onion,
 * send_onion_packet_tcp_udp): while the DHT has no good node (c-toxcore: dht_isconnected false), or
 * always with UDP off, a new path's first hop is one of our confirmed relays marked for onion use
 * (TCP_connection.c get_random_tcp_onion_conn_number), and the request goes to it over TCP with no
 * layer of its own (protocol/onion/onion-request-tcp.ts). Hops 2 and 3 are drawn as above from the
 * good DHT nodes, the proven relays (c-toxcore's path_nodes) and the bootstrap nodes
 * (path_nodes_bs, onion_add_bs_path_node: with UDP off, tox_bootstrap only seeds these), on hosts
 * other than the relay's when there are enough. The relay itself is never proven or blamed as a
 * UDP path node (c-toxcore's onion_add_path_node refuses its TCP address too). A path whose relay
 * is no longer confirmed or marked is rebuilt when next used. With a good DHT node and UDP on,
 * nothing of this runs: paths are built exactly as before (golden journals).
 */
import { toHex, type Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import type { OnionPath } from '../../protocol/onion/index.js';
import { generateKeyPair, sharedKeyOf } from '../keys.js';
import type { Random } from '../random.js';
import {
  ONION_BOOTSTRAP_PATH_NODES_MAX,
  ONION_PATH_FIRST_TIMEOUT_MS,
  ONION_PATH_LENGTH,
  ONION_PATH_MAX_LIFETIME_MS,
  ONION_PATH_MAX_NO_RESPONSE_USES,
  ONION_PATH_TIMEOUT_MS,
  ONION_PATH_UNANSWERED_MAX,
  ONION_PATHS_PER_SET,
  ONION_PROVEN_RELAYS_MAX,
  ONION_PROVEN_RELAY_TTL_MS,
  ONION_RELAY_FAILURE_TTL_MS,
  ONION_RELAY_FAILURES_MAX,
} from './constants.js';
import type { OnionPathContext } from './context.js';

export interface PathHop {
  readonly pk: Bytes;
  readonly ipPort: IpPort;
}

interface Candidate {
  readonly pk: Bytes;
  readonly pkHex: string;
  readonly ipPort: IpPort;
  readonly host: string;
}

interface ProvenRelay extends Candidate {
  provenAt: number;
}

/**
 * What the client has seen of nodes as onion relays (see the header): the proven relays (≤ 32,
 * the most recently proven kept) and the failures per host (≤ 256 hosts, the oldest dropped).
 */
export class RelayRecord {
  private readonly proven = new Map<string, ProvenRelay>();
  private readonly failures = new Map<string, { count: number; at: number }>();
  /** Bootstrap nodes (onion_add_bs_path_node), ≤ 32, the oldest dropped; used by paths through a TCP relay. */
  private readonly bootstrap = new Map<string, Candidate>();

  constructor(private readonly ctx: OnionPathContext) {}

  /**
   * A bootstrap node becomes a path node (onion_client.c onion_add_bs_path_node; a key already
   * held keeps its first address, as there). False when the key or port is unusable.
   */
  addBootstrap(pk: Bytes, ipPort: IpPort): boolean {
    if (pk.length !== 32 || ipPort.port === 0) return false;
    const pkHex = toHex(pk);
    if (this.bootstrap.has(pkHex)) return true;
    this.bootstrap.set(pkHex, { pk: pk.slice(), pkHex, ipPort, host: this.ctx.hostOf(ipPort) });
    if (this.bootstrap.size > ONION_BOOTSTRAP_PATH_NODES_MAX) this.bootstrap.delete(this.bootstrap.keys().next().value as string);
    return true;
  }

  /**
   * The path nodes besides the DHT's (c-toxcore's path_nodes, or path_nodes_bs while it has none):
   * the proven relays, then the bootstrap nodes not among them. Announce lists are populated from
   * these while the DHT has no good node and a TCP relay carries the onion (requests.ts).
   */
  pathNodes(): Candidate[] {
    const out: Candidate[] = this.provenRelays();
    const seen = new Set(out.map((c) => c.pkHex));
    for (const b of this.bootstrap.values()) if (!seen.has(b.pkHex)) out.push(b);
    return out;
  }

  /** These nodes carried a response (a path's hops), or answered as an announce node. */
  proved(nodes: readonly PathHop[]): void {
    const now = this.ctx.now;
    for (const n of nodes) {
      const pkHex = toHex(n.pk);
      this.proven.delete(pkHex);
      this.proven.set(pkHex, { pk: n.pk, pkHex, ipPort: n.ipPort, host: this.ctx.hostOf(n.ipPort), provenAt: now });
      if (this.proven.size > ONION_PROVEN_RELAYS_MAX) this.proven.delete(this.proven.keys().next().value as string);
    }
  }

  /**
   * A path through these nodes died without a response. The blame goes to the nodes not proven
   * (a failure against each one's host); when all were proven, to all of them (one went away):
   * they are proven no more, and their hosts count a failure.
   */
  failed(nodes: readonly PathHop[]): void {
    const now = this.ctx.now;
    const unproven = nodes.filter((n) => !this.isProven(toHex(n.pk)));
    const blamed = unproven.length > 0 ? unproven : nodes;
    const hosts = new Set<string>();
    for (const n of blamed) {
      hosts.add(this.ctx.hostOf(n.ipPort));
      this.proven.delete(toHex(n.pk));
    }
    for (const h of hosts) {
      const f = this.failures.get(h);
      const count = f !== undefined && now - f.at < ONION_RELAY_FAILURE_TTL_MS ? f.count + 1 : 1;
      this.failures.delete(h);
      this.failures.set(h, { count, at: now });
      if (this.failures.size > ONION_RELAY_FAILURES_MAX) this.failures.delete(this.failures.keys().next().value as string);
    }
    this.ctx.count('onion.path_failed');
  }

  /** Failures of a host within the last 10 minutes. */
  failuresOf(host: string): number {
    const f = this.failures.get(host);
    return f !== undefined && this.ctx.now - f.at < ONION_RELAY_FAILURE_TTL_MS ? f.count : 0;
  }

  /** Relays proven within the last 10 minutes. */
  provenRelays(): ProvenRelay[] {
    const now = this.ctx.now;
    return [...this.proven.values()].filter((r) => now - r.provenAt < ONION_PROVEN_RELAY_TTL_MS);
  }

  isProven(pkHex: string): boolean {
    const r = this.proven.get(pkHex);
    return r !== undefined && this.ctx.now - r.provenAt < ONION_PROVEN_RELAY_TTL_MS;
  }

  /** Sizes (diagnostics). */
  stats(): { proven: number; failedHosts: number } {
    return { proven: this.provenRelays().length, failedHosts: [...this.failures.keys()].filter((h) => this.failuresOf(h) > 0).length };
  }

  /**
   * `count` path nodes (see the header): distinct hosts while there are enough, each drawn host
   * first from the best tier that has one — proven (but one draw in 4 tries an untried node
   * while one is left), untried, then the least failed hosts. Empty when there is no candidate.
   * For a path through a TCP relay, `tcp` adds the bootstrap nodes to the candidates and counts
   * the relay's host as used.
   */
  pick(count: number, tcp?: { readonly relayHost: string }): Candidate[] {
    const byKey = new Map<string, Candidate>();
    for (const n of this.ctx.dht.goodNodes()) byKey.set(n.pkHex, { pk: n.pk, pkHex: n.pkHex, ipPort: n.ipPort, host: n.host });
    for (const r of this.provenRelays()) if (!byKey.has(r.pkHex)) byKey.set(r.pkHex, r);
    if (tcp) for (const b of this.bootstrap.values()) if (!byKey.has(b.pkHex)) byKey.set(b.pkHex, b);
    const all = [...byKey.values()];
    if (all.length === 0) return [];
    const random = this.ctx.random;
    const out: Candidate[] = [];
    const usedHosts = new Set<string>(tcp ? [tcp.relayHost] : []);
    for (let i = 0; i < count; i++) {
      const fresh = all.filter((c) => !usedHosts.has(c.host));
      if (fresh.length === 0) {
        // Fewer hosts than hops: any node (a 1-node network gives A = B = C).
        out.push(all[random.int(all.length)]!);
        continue;
      }
      const proven = fresh.filter((c) => this.isProven(c.pkHex));
      const untried = fresh.filter((c) => !this.isProven(c.pkHex) && this.failuresOf(c.host) === 0);
      let tier: Candidate[];
      if (proven.length > 0 && (untried.length === 0 || random.int(4) !== 0)) tier = proven;
      else if (untried.length > 0) tier = untried;
      else {
        const least = Math.min(...fresh.map((c) => this.failuresOf(c.host)));
        tier = fresh.filter((c) => this.failuresOf(c.host) === least);
      }
      const c = pickByHost(tier, random);
      usedHosts.add(c.host);
      out.push(c);
    }
    return out;
  }
}

/** A host drawn uniformly among those in `nodes`, then one of its nodes. */
function pickByHost(nodes: readonly Candidate[], random: Random): Candidate {
  const hosts = [...new Set(nodes.map((n) => n.host))];
  const host = hosts[random.int(hosts.length)]!;
  const of = nodes.filter((n) => n.host === host);
  return of[random.int(of.length)]!;
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
  /** Keys of the nodes asked through this path since its last response (requests that expect one). */
  readonly unansweredBy: Set<string>;
  /** The TCP relay (key, hex) that is the first hop, or null for a path that starts with a datagram. */
  readonly tcpRelay: string | null;
}

/** The hops of a path that are UDP onion relays (a TCP relay first hop is not one). */
function udpHops(p: Path): readonly PathHop[] {
  return p.tcpRelay === null ? p.hops : p.hops.slice(1);
}

export class PathSet {
  private readonly slots: Array<Path | null> = new Array<Path | null>(ONION_PATHS_PER_SET).fill(null);
  private counter = 0;

  constructor(
    private readonly ctx: OnionPathContext,
    readonly name: string,
    /** Shared by the client's path sets (and fed by its announce answers). */
    readonly relays: RelayRecord = new RelayRecord(ctx),
  ) {}

  static isTimedOut(p: Path, now: number): boolean {
    return now - p.createdAt >= ONION_PATH_MAX_LIFETIME_MS || PathSet.diedUnanswered(p, now);
  }

  /** Timed out for want of responses (not of old age). */
  private static diedUnanswered(p: Path, now: number): boolean {
    const timeout = p.lastSuccess === null ? ONION_PATH_FIRST_TIMEOUT_MS : ONION_PATH_TIMEOUT_MS;
    return p.usesSinceResponse >= ONION_PATH_MAX_NO_RESPONSE_USES && now - p.lastUsed >= timeout;
  }

  /**
   * A path leaves its slot. If it died unanswered, and every node asked through it since its last
   * response is one that does answer (a proven relay or announce node), the path is to blame:
   * its nodes count a failure (RelayRecord.failed). Otherwise the silence may be the asked
   * nodes' (a dead node, or one that drops onion traffic, asked as an announce node): no blame.
   */
  private retire(p: Path, now: number): void {
    this.ctx.count(`onion.path_expired`);
    if (!PathSet.diedUnanswered(p, now) || p.unansweredBy.size === 0) return;
    for (const pkHex of p.unansweredBy) if (!this.relays.isProven(pkHex)) return;
    this.relays.failed(udpHops(p));
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
        this.retire(p, now);
      }
    });
  }

  /** Live paths (tests, diagnostics). */
  live(now: number): Path[] {
    return this.slots.filter((p): p is Path => p !== null && !PathSet.isTimedOut(p, now));
  }

  /**
   * A path that works: it answered, and has not been used 4 times since (c-toxcore's mark of a
   * path about to time out).
   */
  static isWorking(p: Path, now: number): boolean {
    return p.lastSuccess !== null && p.usesSinceResponse < ONION_PATH_MAX_NO_RESPONSE_USES && !PathSet.isTimedOut(p, now);
  }

  /**
   * A path for one request: the slot of `wantedId`, or a random slot — with `preferWorking`, a
   * random one of the slots whose path works, when there is one (onion data, which nothing
   * answers: a copy sent along a dead path is lost) — rebuilt when its path timed out. Counts
   * the use; `asking` is the key of the node asked when the request expects an answer. Null
   * when the DHT has no good node to build from.
   */
  use(wantedId: number | null, opts: { preferWorking?: boolean; asking?: string } = {}): Path | null {
    const now = this.ctx.now;
    let slot: number;
    if (wantedId !== null) slot = wantedId % ONION_PATHS_PER_SET;
    else {
      const working = opts.preferWorking ? this.slots.flatMap((p, i) => (p !== null && PathSet.isWorking(p, now) ? [i] : [])) : [];
      slot = working.length > 0 ? working[this.ctx.random.int(working.length)]! : this.ctx.random.int(ONION_PATHS_PER_SET);
    }
    let p = this.slots[slot] ?? null;
    if (p && p.tcpRelay !== null && !this.ctx.tcpOnion.isUsable(p.tcpRelay)) {
      // Its relay is gone (or no longer carries the onion): nothing is to blame, a new path is built.
      this.slots[slot] = null;
      this.ctx.count('onion.path_relay_gone');
      p = null;
    }
    if (!p || PathSet.isTimedOut(p, now)) {
      if (p) {
        this.slots[slot] = null;
        this.retire(p, now);
      }
      p = this.build(slot, now);
      if (!p) return null;
      this.slots[slot] = p;
    }
    if (p.usesSinceResponse < ONION_PATH_MAX_NO_RESPONSE_USES) p.lastUsed = now;
    p.usesSinceResponse++;
    if (opts.asking !== undefined && p.unansweredBy.size < ONION_PATH_UNANSWERED_MAX) p.unansweredBy.add(opts.asking);
    return p;
  }

  /** A response came back through path `id`: it works. Returns the id if the path still exists. */
  succeeded(id: number): number | null {
    const p = this.slots[id % ONION_PATHS_PER_SET];
    if (!p || p.id !== id) return null;
    p.lastSuccess = this.ctx.now;
    p.usesSinceResponse = 0;
    p.unansweredBy.clear();
    this.relays.proved(udpHops(p));
    return id;
  }

  /**
   * A new path for `slot`: through a TCP relay while UDP is off or the DHT has no good node and a
   * relay carries the onion (see the header), else from UDP path nodes. Null when there are not
   * enough nodes (or, with UDP off, no relay).
   */
  private build(slot: number, now: number): Path | null {
    const tcp = this.ctx.tcpOnion;
    let hops: PathHop[];
    let tcpRelay: string | null = null;
    if (tcp.required || (tcp.hasRelay() && this.ctx.dht.goodNodes().length === 0)) {
      const relay = tcp.randomRelay();
      if (relay === null) return null;
      const picked = this.relays.pick(ONION_PATH_LENGTH - 1, { relayHost: this.ctx.hostOf(relay.ipPort) });
      if (picked.length < ONION_PATH_LENGTH - 1) return null;
      hops = [{ pk: relay.pk, ipPort: relay.ipPort }, ...picked.map((n) => ({ pk: n.pk, ipPort: n.ipPort }))];
      tcpRelay = relay.hex;
      this.ctx.count('onion.path_built_tcp');
    } else {
      const picked = this.relays.pick(ONION_PATH_LENGTH);
      if (picked.length < ONION_PATH_LENGTH) return null;
      hops = picked.map((n) => ({ pk: n.pk, ipPort: n.ipPort }));
    }
    const { crypto, keys, random } = this.ctx;
    const pair2 = generateKeyPair(crypto, random);
    const pair3 = generateKeyPair(crypto, random);
    const [a, b, c] = hops as [PathHop, PathHop, PathHop];
    const codec: OnionPath = {
      publicKey1: keys.dht.publicKey,
      sharedKey1: keys.dhtShared(a.pk),
      ipPort2: b.ipPort,
      publicKey2: pair2.publicKey,
      sharedKey2: sharedKeyOf(crypto, b.pk, pair2.secretKey),
      ipPort3: c.ipPort,
      publicKey3: pair3.publicKey,
      sharedKey3: sharedKeyOf(crypto, c.pk, pair3.secretKey),
    };
    this.counter++;
    this.ctx.count('onion.path_built');
    return {
      id: this.counter * ONION_PATHS_PER_SET + slot,
      hops,
      codec,
      createdAt: now,
      lastSuccess: null,
      lastUsed: now,
      usesSinceResponse: ONION_PATH_MAX_NO_RESPONSE_USES / 2,
      unansweredBy: new Set(),
      tcpRelay,
    };
  }
}
