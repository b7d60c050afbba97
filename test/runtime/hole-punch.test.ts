/**
 * Hole punching (runtime/dht/hole-punch.ts; c-toxcore 0.2.18 DHT.c do_NAT, send_NATping,
 * handle_NATping, punch_holes) on the simulated network with NATs (runtime/adapters/sim-nat.ts):
 * eight DHT nodes with public addresses, and a pair of friends each behind a NAT of a given type.
 *
 * What the runs show (the same for every seed tried):
 *   - cone NATs (full, address- or port-restricted) on either side, and a symmetric NAT facing a
 *     full or address-restricted cone: direct. The nodes requests each side sends to the other's
 *     reported address (the address check) open its own NAT for the answer; no NAT ping is needed;
 *   - symmetric ↔ port-restricted: only by hole punching. The port-restricted side guesses the
 *     port the symmetric NAT opened toward it (the next one after those the DHT nodes saw), and
 *     with punching turned off the pair does not connect;
 *   - symmetric ↔ symmetric: not over UDP. Both punch for the whole bound, bounded in packets,
 *     and never meet. A TCP relay is what connects them: test/runtime/tcp-sim.test.ts.
 * Hostile input: NAT pings from keys we do not search are dropped without an answer or a table
 * entry; a flood of NAT ping requests from a friend's key gets one answer per second; responses
 * that do not carry our current id arm nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bytes } from '../../protocol/bytes.js';
import { DHT_REQUEST_ID, encodeNatPing, sealDhtRequest, type NatPing } from '../../protocol/dht/index.js';
import { formatIpPort, type IpPort } from '../../protocol/ip-port.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';
import type { FriendSessionSnapshot } from '../../machines/index.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import type { NatType } from '../../runtime/adapters/sim-nat.js';
import { SimNetwork, type SimNode } from '../../runtime/adapters/sim-network.js';
import { NAT_MAX_PUNCHING_PORTS, NAT_PUNCH_INTERVAL_MS } from '../../runtime/dht/dht.js';
import { actorKeys, type Engine } from '../../runtime/engine.js';
import { generateKeyPair, type KeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { makeEngine } from './helpers.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const at = (ip: string, port = 33445): IpPort => ({ family: 'ipv4', ip, port });
const DHT_NODES = 8;
/** Virtual time the pair is given to connect. */
const BOUND_MS = 120_000;

interface PairRun {
  sim: SimNetwork;
  a: SimNode;
  b: SimNode;
  connected: boolean;
}

/** Eight public DHT nodes, then friends A (behind `natA`) and B (behind `natB`) join and add each other. */
async function pair(natA: NatType, natB: NatType, seed: number, opts: { punching?: boolean; maxMs?: number } = {}): Promise<PairRun> {
  const sim = new SimNetwork({ seed, latencyMs: 10 });
  const dht: SimNode[] = [];
  for (let i = 0; i < DHT_NODES; i++) {
    const e = await makeEngine(seed * 100 + i);
    dht.push(i === 0 ? sim.add(e, at(`198.51.100.${i + 1}`)) : sim.join(e, [dht[0]!], at(`198.51.100.${i + 1}`)));
  }
  sim.runFor(5000);
  const a = sim.join(await makeEngine(seed * 100 + 50), [dht[0]!], at('10.0.1.2'), { nat: natA });
  const b = sim.join(await makeEngine(seed * 100 + 51), [dht[1]!], at('10.0.2.2'), { nat: natB });
  for (const n of [a, b]) n.engine.dht.holePunchingEnabled = opts.punching ?? true;
  a.engine.addFriend(sim.now, b.engine.keys.real.publicKey);
  b.engine.addFriend(sim.now, a.engine.keys.real.publicKey);
  sim.flush();
  const connected = sim.runUntilTrue(() => established(a.engine, b.engine) && established(b.engine, a.engine), opts.maxMs ?? BOUND_MS);
  return { sim, a, b, connected };
}

const established = (x: Engine, y: Engine): boolean => x.progressOf(y.selfHex) === 'Established';

/** The path x's session with y takes (no TCP relay serves in these networks: it must be UDP). */
function sessionPath(x: Engine, y: Engine): string | null | undefined {
  return (x.actors.get(actorKeys.session(y.selfHex))?.snapshot as FriendSessionSnapshot | undefined)?.context.path;
}

/** The address x's session with y holds. */
function sessionAddress(x: Engine, y: Engine): string | undefined {
  return (x.actors.get(actorKeys.session(y.selfHex))?.snapshot as FriendSessionSnapshot | undefined)?.context.address?.value;
}

/**
 * Where `peer` sees `node` (at most one of them symmetric): its own address without a NAT, its
 * cone NAT's one mapping, or its symmetric NAT's mapping toward where it sees the peer.
 */
function seenAt(node: SimNode, peer: SimNode, now: number): IpPort | null {
  if (!node.nat) return node.address;
  if (node.nat.type !== 'symmetric') return node.nat.publicAddressFor(now, node.address);
  const peerAt = seenAt(peer, node, now);
  return peerAt && node.nat.publicAddressFor(now, peerAt);
}
const shown = (a: IpPort | null): string | null => (a ? formatIpPort(a) : null);

const natPings = (e: Engine): number => e.counters.get('dht.nat_ping_requests_sent') + e.counters.get('dht.nat_ping_responses_sent');
const punches = (e: Engine): number => e.counters.get('dht.punch_pings_sent');

describe('friends behind simulated NATs', () => {
  const direct: Array<[NatType, NatType]> = [
    ['none', 'none'],
    ['fullCone', 'symmetric'],
    ['fullCone', 'portRestricted'],
    ['addressRestricted', 'portRestricted'],
    ['portRestricted', 'portRestricted'],
    ['symmetric', 'addressRestricted'],
  ];
  for (const [na, nb] of direct) {
    it(`${na} ↔ ${nb}: direct, without NAT pings; each session holds the other's public mapping`, async () => {
      const { sim, a, b, connected } = await pair(na, nb, 11);
      expect(connected).toBe(true);
      expect([sessionPath(a.engine, b.engine), sessionPath(b.engine, a.engine)]).toEqual(['udp', 'udp']);
      for (const e of [a.engine, b.engine]) {
        expect(natPings(e)).toBe(0);
        expect(punches(e)).toBe(0);
      }
      expect(sessionAddress(a.engine, b.engine)).toBe(shown(seenAt(b, a, sim.now)));
      expect(sessionAddress(b.engine, a.engine)).toBe(shown(seenAt(a, b, sim.now)));
      if (nb !== 'none') expect(sessionAddress(a.engine, b.engine)!.startsWith(`${b.nat!.publicIp}:`)).toBe(true);
    });
  }

  for (const seed of [11, 12]) {
    it(`symmetric ↔ portRestricted (seed ${seed}): only after NAT pings and punching at a guessed port`, async () => {
      const { sim, a, b, connected } = await pair('symmetric', 'portRestricted', seed);
      expect(connected).toBe(true);
      expect([sessionPath(a.engine, b.engine), sessionPath(b.engine, a.engine)]).toEqual(['udp', 'udp']);
      // Both sent NAT pings through the DHT nodes and both answered.
      for (const e of [a.engine, b.engine]) {
        expect(e.counters.get('dht.nat_ping_requests_sent')).toBeGreaterThan(0);
        expect(e.counters.get('dht.nat_ping_responses_received')).toBeGreaterThan(0);
      }
      // B (port-restricted) guessed around the ports the DHT nodes saw of A: one round of 48.
      expect(punches(b.engine)).toBeGreaterThanOrEqual(NAT_MAX_PUNCHING_PORTS);
      // A's NAT (symmetric) opened a port of its own toward B; B's session holds exactly that.
      const aTowardB = a.nat!.publicAddressFor(sim.now, b.nat!.publicAddressFor(sim.now, at('198.51.100.1'))!)!;
      expect(sessionAddress(b.engine, a.engine)).toBe(formatIpPort(aTowardB));
      const seenByDht = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => a.nat!.publicAddressFor(sim.now, at(`198.51.100.${i}`))?.port);
      expect(seenByDht).not.toContain(aTowardB.port);
      // A punched B's one reported port (a cone: all reports agree) and holds B's public mapping.
      expect(punches(a.engine)).toBeGreaterThanOrEqual(1);
      expect(punches(a.engine)).toBeLessThan(NAT_MAX_PUNCHING_PORTS);
      expect(sessionAddress(a.engine, b.engine)).toBe(shown(seenAt(b, a, sim.now)));
    });
  }

  it('symmetric ↔ portRestricted with hole punching off: NAT pings flow, no hole is punched, no connection in the bound', async () => {
    const { a, b, connected } = await pair('symmetric', 'portRestricted', 11, { punching: false });
    expect(connected).toBe(false);
    for (const e of [a.engine, b.engine]) {
      expect(e.counters.get('dht.nat_ping_responses_received')).toBeGreaterThan(0);
      expect(punches(e)).toBe(0);
    }
  });

  it('symmetric ↔ symmetric: both punch, bounded, and never connect over UDP within the bound (the relay case: tcp-sim.test.ts)', async () => {
    const { sim, a, b, connected } = await pair('symmetric', 'symmetric', 11);
    expect(connected).toBe(false);
    const rounds = Math.ceil(BOUND_MS / (NAT_PUNCH_INTERVAL_MS + 1000));
    for (const e of [a.engine, b.engine]) {
      expect(e.counters.get('dht.nat_ping_responses_received')).toBeGreaterThan(5);
      expect(punches(e)).toBeGreaterThan(5 * NAT_MAX_PUNCHING_PORTS);
      // At most two sweeps of 48 per punching round, one round per 4 s.
      expect(punches(e)).toBeLessThanOrEqual(rounds * 2 * NAT_MAX_PUNCHING_PORTS);
      // NAT ping requests go out at most once per 4 s (each time through at most the 8 listed nodes).
      expect(e.counters.get('dht.nat_ping_requests_sent')).toBeLessThanOrEqual(rounds);
      expect(e.dht.natStats().reports).toBeLessThanOrEqual(16);
      expect(e.counters.get('error.handler')).toBe(0);
    }
    // The symmetric NATs' tables stay bounded too (each punch opens a mapping; idle ones lapse).
    expect(a.nat!.mappingCount(sim.now)).toBeLessThanOrEqual(4096);
  });
});

describe('NAT pings are hostile input', () => {
  /** A 0x20 NAT ping to `to` sealed with DHT key pair `from`. */
  function natPing(from: KeyPair, to: Engine, p: NatPing): Bytes {
    const shared = crypto.precompute(to.keys.dht.publicKey, from.secretKey);
    return sealDhtRequest(crypto, shared, to.keys.dht.publicKey, from.publicKey, new Uint8Array(24).fill(3), {
      requestId: DHT_REQUEST_ID.nat_ping,
      data: encodeNatPing(p),
    });
  }
  const dhtRequestsSent = (e: Engine): number => e.takeTransmits().filter((t) => t.data[0] === PACKET_ID.dht_request).length;

  /** A symmetric ↔ symmetric pair mid-way: each searches the other's DHT key and holds 4+ reports. */
  async function midway(): Promise<PairRun & { bDht: KeyPair }> {
    const r = await pair('symmetric', 'symmetric', 13, { maxMs: 20_000 });
    expect(r.a.engine.dht.natStats().reports).toBeGreaterThanOrEqual(4);
    const bDht = { publicKey: r.b.engine.keys.dht.publicKey, secretKey: r.b.engine.keys.dht.secretKey };
    r.a.engine.takeTransmits();
    return { ...r, bDht };
  }

  it('a NAT ping from a key we do not search is dropped: no answer, no table entry, however many', async () => {
    const { sim, a } = await midway();
    const before = a.engine.dht.natStats();
    const dropped = a.engine.counters.get('drop.dht.nat_ping_not_friend');
    const random = seededRandom(91);
    for (let i = 0; i < 500; i++) {
      const stranger = generateKeyPair(crypto, random);
      a.engine.handleDatagram(sim.now, at('198.51.100.200', 1000 + i), natPing(stranger, a.engine, { type: i % 2 ? 'request' : 'response', pingId: random.bytes(8) }));
    }
    expect(a.engine.counters.get('drop.dht.nat_ping_not_friend') - dropped).toBe(500);
    expect(dhtRequestsSent(a.engine)).toBe(0);
    expect(a.engine.dht.natStats().friends).toBe(before.friends);
  });

  it("a flood of NAT ping requests from the friend's key is answered once per second", async () => {
    const { sim, a, bDht } = await midway();
    const answered = a.engine.counters.get('dht.nat_ping_responses_sent');
    const limited = a.engine.counters.get('dht.nat_ping_answer_limited');
    const t0 = sim.now + 5; // after the last answer of the run (at most one per second)
    let sent = 0;
    for (let ms = 0; ms < 5000; ms += 5) {
      a.engine.handleDatagram(t0 + 1000 + ms, at('198.51.100.3'), natPing(bDht, a.engine, { type: 'request', pingId: new Uint8Array(8).fill(ms & 255) }));
      sent += dhtRequestsSent(a.engine);
    }
    // 1000 requests over 5 s: 5 answers, each through one node (routeone_to_friend).
    expect(sent).toBe(5);
    expect(a.engine.counters.get('dht.nat_ping_responses_sent') - answered).toBe(5);
    expect(a.engine.counters.get('dht.nat_ping_answer_limited') - limited).toBe(995);
  });

  it('a NAT ping response without our current id arms no punching; a malformed NAT ping is counted', async () => {
    const { sim, a, b, bDht } = await midway();
    // B goes away; A stops punching once B's NAT pings stop (the 6 s window of do_NAT).
    sim.setUp(b, false);
    sim.runFor(15_000);
    const punched = punches(a.engine);
    const unexpected = a.engine.counters.get('drop.dht.nat_ping_response_unexpected');
    const t = sim.now;
    // A replayed request from B's key opens the window; responses with made-up ids must not arm a round.
    a.engine.handleDatagram(t, at('198.51.100.3'), natPing(bDht, a.engine, { type: 'request', pingId: new Uint8Array(8).fill(9) }));
    for (let i = 0; i < 200; i++) a.engine.handleDatagram(t + i, at('198.51.100.3'), natPing(bDht, a.engine, { type: 'response', pingId: new Uint8Array(8).fill(i) }));
    expect(a.engine.counters.get('drop.dht.nat_ping_response_unexpected') - unexpected).toBe(200);
    // A 0x20 from the friend's key whose NAT ping is 3 bytes long.
    const shared = crypto.precompute(a.engine.keys.dht.publicKey, bDht.secretKey);
    const bad = sealDhtRequest(crypto, shared, a.engine.keys.dht.publicKey, bDht.publicKey, new Uint8Array(24), { requestId: DHT_REQUEST_ID.nat_ping, data: new Uint8Array(3) });
    a.engine.handleDatagram(t + 300, at('198.51.100.3'), bad);
    expect(a.engine.counters.get('drop.dht.nat_ping_malformed')).toBe(1);
    for (let ms = 1000; ms <= 6000; ms += 1000) a.engine.handleTimeout(t + ms);
    expect(punches(a.engine)).toBe(punched);
  });
});
