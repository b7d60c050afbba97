/**
 * UDP hole punching toward friends behind NATs (docs/protocol.md §2.8), as c-toxcore 0.2.18 does
 * it (DHT.c returnedip_ports, friend_iplist, route_to_friend, routeone_to_friend, send_NATping,
 * handle_NATping, nat_commonip, nat_getports, punch_holes, do_NAT).
 *
 * A "friend" here is a searched DHT key (searches.ts; c-toxcore's DHT friends). For each one:
 *   - what each node of its search list last said the friend's address is, when that node named
 *     the friend in a nodes response (returnedip_ports): the friend as the nodes close to it see
 *     it, i.e. its NAT's public mapping toward them. At most one report per listed node and family;
 *   - the friend's address list (friend_iplist): those reports, fresh within 122 s, of the family
 *     with more of them — empty when the friend's own node is a good node of its list (we reach
 *     it directly: nothing to punch);
 *   - a NAT ping (DHT request 254 carrying a random 8-byte id remembered per friend) sent through
 *     every node that reported the friend (route_to_friend), at most every 3 s while 4 or more
 *     reports are fresh; the friend echoes the id through one of them (routeone_to_friend); the
 *     echo of our current id (never a stale one: the id is renewed on use) arms one punching round;
 *   - a punching round (do_NAT: armed, none in the last 3 s, and a NAT ping request from the friend
 *     heard in the last 6 s, i.e. the friend punches too): the IP that 4 or more reports share
 *     (nat_commonip), and DHT ping requests to it — at the one reported port if all agree (a cone
 *     NAT), else 48 guesses around the reported ports, alternating above and below and moving
 *     outward from round to round (a symmetric NAT's next port); after 5 rounds also 48 low ports
 *     from 1024 up per round. The guesses start over when 40 s pass without a round.
 * A ping answered from the friend's DHT key at a guessed address is an ordinary DHT ping response
 * (packets.ts): the DHT reports the address as a packet from the key ('dhtKeyPacket'), which is
 * what the friend's session needs to handshake.
 *
 * Hostile input: a NAT ping is acted on only from a searched key (c-toxcore: a DHT friend); a
 * request is answered at most once per friend per second (toxstate's bound; several nodes route
 * copies, and a captured request replays); a response arms punching only with our current id.
 * Tables: one entry per searched key (bounded by DHT_SEARCH_LIMIT, gone with the search), at most
 * two reports per node of its search list. Packets: at most 8 NAT pings per friend per 3 s, and
 * at most 96 punching pings per friend per round, for at most NAT_PUNCH_FRIENDS_PER_ROUND friends
 * per round (toxstate's bound; c-toxcore punches for every friend).
 */
import { equalBytes, type Bytes } from '../../protocol/bytes.js';
import { DHT_REQUEST_ID, decodeNatPing, encodeNatPing, sealDhtRequest, sealPingRequest, type NatPing } from '../../protocol/dht/index.js';
import { ipPortKey, type IpFamily, type IpPort } from '../../protocol/ip-port.js';
import {
  DHT_BAD_NODE_TIMEOUT_MS,
  DHT_SEARCH_LIST_SIZE,
  NAT_MAX_NORMAL_PUNCHING_TRIES,
  NAT_MAX_PUNCHING_PORTS,
  NAT_MIN_REPORTS,
  NAT_PING_ANSWER_INTERVAL_MS,
  NAT_PUNCH_FRIENDS_PER_ROUND,
  NAT_PUNCH_INTERVAL_MS,
  NAT_PUNCH_LOW_PORT,
  NAT_PUNCH_RESET_MS,
} from './constants.js';
import { isGood } from './node.js';
import type { SearchList } from './searches.js';
import type { DhtTables } from './tables.js';

interface Report {
  readonly ipPort: IpPort;
  readonly at: number;
}

/** c-toxcore's DHT_Friend NAT struct (DHT.h), plus the reports its client list holds. */
interface FriendNat {
  /** `<node key hex>/<family>` → what that node of the search list last reported. */
  readonly reports: Map<string, Report>;
  /** The id our NAT ping requests carry, drawn when the first one goes; renewed when the friend echoes it. */
  pingId: Bytes | null;
  natPingAt: number;
  recvNatPingAt: number;
  answeredAt: number;
  /** The friend echoed our id: punch at the next chance. */
  holePunching: boolean;
  punchingAt: number;
  punchingIndex: number;
  punchingIndex2: number;
  tries: number;
}

const FAMILIES: readonly IpFamily[] = ['ipv4', 'ipv6'];

export class HolePunch {
  private readonly friends = new Map<string, FriendNat>();
  /** c-toxcore's hole_punching_enabled (Tox_Options, default on): off, NAT pings still go but no hole is punched. */
  enabled = true;

  constructor(private readonly t: DhtTables) {}

  /** Friends with NAT state, and the reports they hold (bounded; the flood tests read them). */
  stats(): { friends: number; reports: number } {
    let reports = 0;
    for (const s of this.friends.values()) reports += s.reports.size;
    return { friends: this.friends.size, reports };
  }

  /**
   * returnedip_ports: node `nodeHex` named searched key `targetHex` at `ipPort` in a nodes
   * response. Kept only from a node of that key's search list (c-toxcore update_client_data).
   */
  reported(targetHex: string, nodeHex: string, ipPort: IpPort): void {
    const list = this.t.searches.get(targetHex);
    if (!list || nodeHex === targetHex || !list.nodes.some((n) => n.pkHex === nodeHex)) return;
    const s = this.stateOf(targetHex);
    s.reports.set(`${nodeHex}/${ipPort.family}`, { ipPort, at: this.t.ctx.now });
    if (s.reports.size > 2 * DHT_SEARCH_LIST_SIZE) this.prune(list, s);
  }

  /** A NAT ping (the data of a DHT request 254) from DHT key `senderPk`, opened and authenticated. */
  handleNatPing(senderHex: string, data: Bytes): void {
    const ctx = this.t.ctx;
    const p = decodeNatPing(data);
    if (!p.ok) return ctx.drop('dht.nat_ping_malformed');
    const list = this.t.searches.get(senderHex);
    // handle_NATping: only from a DHT friend.
    if (!list) return ctx.drop('dht.nat_ping_not_friend');
    const s = this.stateOf(senderHex);
    const now = ctx.now;
    if (p.value.type === 'request') {
      ctx.count('dht.nat_ping_requests_received');
      s.recvNatPingAt = now;
      if (now - s.answeredAt < NAT_PING_ANSWER_INTERVAL_MS) return void ctx.count('dht.nat_ping_answer_limited');
      s.answeredAt = now;
      if (this.sendNatPing(list, s, { type: 'response', pingId: p.value.pingId }) > 0) ctx.count('dht.nat_ping_responses_sent');
      return;
    }
    if (s.pingId === null || !equalBytes(p.value.pingId, s.pingId)) return ctx.drop('dht.nat_ping_response_unexpected');
    ctx.count('dht.nat_ping_responses_received');
    s.pingId = this.newPingId();
    s.holePunching = true;
  }

  /** do_NAT, once per DHT round: NAT pings to friends we cannot reach, and the punching rounds. */
  round(now: number): void {
    const ctx = this.t.ctx;
    let punching = 0;
    for (const [hex, s] of this.friends) {
      const list = this.t.searches.get(hex);
      if (!list) {
        this.friends.delete(hex);
        continue;
      }
      this.prune(list, s);
      const ips = this.iplist(list, s, now);
      // "If already connected or friend is not online don't try to hole punch."
      if (ips.length < NAT_MIN_REPORTS) continue;
      if (s.natPingAt + NAT_PUNCH_INTERVAL_MS < now) {
        s.pingId ??= this.newPingId();
        if (this.sendNatPing(list, s, { type: 'request', pingId: s.pingId }) > 0) ctx.count('dht.nat_ping_requests_sent');
        s.natPingAt = now;
      }
      const due = s.holePunching && s.punchingAt + NAT_PUNCH_INTERVAL_MS < now && s.recvNatPingAt + 2 * NAT_PUNCH_INTERVAL_MS >= now;
      if (!due) continue;
      const ip = commonIp(ips, NAT_MIN_REPORTS);
      if (ip === null) continue;
      if (punching >= NAT_PUNCH_FRIENDS_PER_ROUND) {
        ctx.count('dht.punch_deferred');
        continue;
      }
      punching++;
      if (s.punchingAt + NAT_PUNCH_RESET_MS < now) {
        s.tries = 0;
        s.punchingIndex = 0;
        s.punchingIndex2 = 0;
      }
      const ports = ips.filter((a) => sameIp(a, ip)).map((a) => a.port);
      this.punchHoles(list, s, ip, ports);
      s.punchingAt = now;
      s.holePunching = false;
    }
  }

  private stateOf(hex: string): FriendNat {
    let s = this.friends.get(hex);
    if (!s) {
      s = {
        reports: new Map(),
        pingId: null,
        natPingAt: -Infinity,
        recvNatPingAt: -Infinity,
        answeredAt: -Infinity,
        holePunching: false,
        punchingAt: -Infinity,
        punchingIndex: 0,
        punchingIndex2: 0,
        tries: 0,
      };
      this.friends.set(hex, s);
    }
    return s;
  }

  private newPingId(): Bytes {
    return this.t.ctx.random.bytes(8);
  }

  /** Forgets the reports of nodes no longer in the friend's search list (they left with their client entry in c-toxcore). */
  private prune(list: SearchList, s: FriendNat): void {
    const listed = new Set(list.nodes.map((n) => n.pkHex));
    for (const k of s.reports.keys()) if (!listed.has(k.slice(0, k.indexOf('/')))) s.reports.delete(k);
  }

  /** friend_iplist: the fresh reports of the family with more of them; none when we reach the friend directly. */
  private iplist(list: SearchList, s: FriendNat, now: number): IpPort[] {
    if (list.nodes.some((n) => n.pkHex === list.targetHex && isGood(n, now))) return [];
    const [v4, v6] = FAMILIES.map((family) => this.fresh(list, s, now, family).map((x) => x.report.ipPort));
    return v6!.length >= v4!.length ? v6! : v4!;
  }

  /** The listed nodes whose report of `family` is fresh (within 122 s), with it. */
  private fresh(list: SearchList, s: FriendNat, now: number, family: IpFamily): Array<{ via: IpPort; report: Report }> {
    const out: Array<{ via: IpPort; report: Report }> = [];
    for (const n of list.nodes) {
      const r = s.reports.get(`${n.pkHex}/${family}`);
      if (r && now - r.at < DHT_BAD_NODE_TIMEOUT_MS) out.push({ via: n.ipPort, report: r });
    }
    return out;
  }

  /**
   * send_NATping: a request goes through every node that reported the friend (route_to_friend,
   * one packet per node), a response through one of them at random (routeone_to_friend).
   * Returns the number of packets sent.
   */
  private sendNatPing(list: SearchList, s: FriendNat, ping: NatPing): number {
    const { ctx } = this.t;
    const now = ctx.now;
    const via = new Map<string, IpPort>();
    for (const family of FAMILIES) for (const x of this.fresh(list, s, now, family)) via.set(ipPortKey(x.via), x.via);
    const targets = [...via.values()];
    if (targets.length === 0) return 0;
    const chosen = ping.type === 'request' ? targets : [targets[ctx.random.int(targets.length)]!];
    for (const to of chosen) {
      const packet = sealDhtRequest(ctx.crypto, ctx.keys.dhtShared(list.target), list.target, this.t.ownPk, this.t.nonce(), {
        requestId: DHT_REQUEST_ID.nat_ping,
        data: encodeNatPing(ping),
      });
      ctx.send(to, packet);
    }
    return chosen.length;
  }

  /** punch_holes: DHT ping requests to the friend's IP at the reported port, or at guessed ones. */
  private punchHoles(list: SearchList, s: FriendNat, ip: IpPort, ports: readonly number[]): void {
    if (!this.enabled || ports.length === 0 || ports.length > DHT_SEARCH_LIST_SIZE) return;
    const ping = (port: number): void => this.ping(list, { ...ip, port: ((port % 0x10000) + 0x10000) % 0x10000 });
    if (ports.every((p) => p === ports[0])) ping(ports[0]!);
    else {
      for (let i = 0; i < NAT_MAX_PUNCHING_PORTS; i++) {
        // Around each reported port in turn, alternately above and below, one further each sweep.
        const it = i + s.punchingIndex;
        const sign = it % 2 !== 0 ? -1 : 1;
        const delta = sign * Math.floor(it / (2 * ports.length));
        ping(ports[Math.floor(it / 2) % ports.length]! + delta);
      }
      s.punchingIndex += NAT_MAX_PUNCHING_PORTS;
    }
    if (s.tries > NAT_MAX_NORMAL_PUNCHING_TRIES) {
      for (let i = 0; i < NAT_MAX_PUNCHING_PORTS; i++) ping(NAT_PUNCH_LOW_PORT + i + s.punchingIndex2);
      s.punchingIndex2 += NAT_MAX_PUNCHING_PORTS - NAT_MAX_PUNCHING_PORTS / 2;
    }
    s.tries++;
  }

  /** One punching ping (ping.c ping_send_request): its id is remembered for the friend's key at `to`. */
  private ping(list: SearchList, to: IpPort): void {
    const { ctx } = this.t;
    if (to.port === 0) return void ctx.count('dht.punch_port_zero');
    const pingId = this.t.pending.newPingId(list.targetHex, to, 'ping', ctx.now);
    ctx.send(to, sealPingRequest(ctx.crypto, ctx.keys.dhtShared(list.target), this.t.ownPk, this.t.nonce(), { pingId }));
    ctx.count('dht.punch_pings_sent');
  }
}

/** Same address, any port. */
function sameIp(a: IpPort, b: IpPort): boolean {
  return a.family === b.family && ipPortKey({ ...a, port: 0 }) === ipPortKey({ ...b, port: 0 });
}

/** nat_commonip: the first address whose IP at least `min` of the list share, or null. */
function commonIp(list: readonly IpPort[], min: number): IpPort | null {
  for (const a of list) if (list.filter((b) => sameIp(a, b)).length >= min) return a;
  return null;
}
