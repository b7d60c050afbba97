/**
 * Attack review, DHT and onion (issue 13 items 4 and 9), performed on the simulated network.
 *
 * Item 4 — DHT-only Sybils: many DHT keys on one IP address (distinct ports) that answer DHT
 * ping and nodes requests, naming each other, so that they spread through everyone's DHT, and
 * silently drop all onion traffic (0x80–0x8e). Onion paths drawn from the DHT then go through
 * them and die. Measured: the virtual time until Alice and Bob (friends of each other on the demo
 * network) are Established, with 0, 8 and 24 Sybils.
 *
 * Item 9 — a replayed self-announce: an exit relay keeps a friend's announce request (0x83) as
 * it forwarded it, and after the friend goes offline replays it to the announce node with its
 * own return path, hoping the onion data for the friend comes to it instead.
 */
import { concat, equalBytes, toHex, type Bytes } from '../../../protocol/bytes.js';
import type { Crypto } from '../../../protocol/crypto.js';
import { decodeDhtHeader, openNodesRequest, openPingRequest, sealNodesRequest, sealNodesResponse, sealPingResponse } from '../../../protocol/dht/index.js';
import { equalIpPort, type IpPort } from '../../../protocol/ip-port.js';
import { sealOnionRequest, type OnionPath } from '../../../protocol/onion/index.js';
import { xorDistanceCompare } from '../../../protocol/keys.js';
import type { PackedNode } from '../../../protocol/packed-node.js';
import { SimNetwork, type SimEndpoint, type SimNode } from '../../../runtime/adapters/sim-network.js';
import { Engine } from '../../../runtime/engine.js';
import { generateKeyPair, type KeyPair } from '../../../runtime/keys.js';
import { seededRandom, type Random } from '../../../runtime/random.js';
import { ONION_ANNOUNCE_TIMEOUT_MS } from '../../../runtime/onion/constants.js';
import { createDemoNetwork, demoCast, demoIdentity } from '../../../runtime/scenarios/demo-network.js';
import type { ReviewOutcome } from './outcome.js';

// ---- item 4: DHT-only Sybils ----------------------------------------------------------------

/**
 * The Sybils' one IP address: a documentation address (TEST-NET-3, RFC 5737). The simulated
 * network is in memory (no datagram leaves the process); a public address is used because
 * loopback sources (127/8) are this host's own processes, exempt from the keys-per-IP limit.
 */
export const SYBIL_IP = '203.0.113.7';

/** How often each Sybil pushes itself at the honest nodes (a nodes request: they ask it back). */
const SYBIL_PUSH_INTERVAL_MS = 2_000;

/**
 * `count` DHT keys on one IP (ports 40000…), played by raw endpoints of the simulated network:
 * each answers DHT ping and nodes requests like a good node — a nodes response names the 4
 * Sybils closest to the searched key, never an honest node — and drops everything else,
 * onion packets included, without a word. Every 2 s each sends a nodes request to every honest
 * node, which asks it back and so takes it in (an attacker learns the nodes by crawling).
 */
export class SybilCluster {
  readonly members: Array<{ keys: KeyPair; endpoint: SimEndpoint }> = [];
  readonly counts = { pingsAnswered: 0, nodesAnswered: 0, onionDropped: 0, otherDropped: 0 };
  private readonly shared = new Map<string, Bytes>();
  private readonly r: Random;
  private lastPush = -Infinity;

  constructor(
    private readonly sim: SimNetwork,
    private readonly crypto: Crypto,
    count: number,
    seed: number,
  ) {
    this.r = seededRandom(seed);
    for (let i = 0; i < count; i++) {
      const keys = generateKeyPair(crypto, this.r);
      const endpoint = sim.addEndpoint({ family: 'ipv4', ip: SYBIL_IP, port: 40_000 + i }, (_now, from, data, ep) => this.receive(keys, ep, from, data));
      this.members.push({ keys, endpoint });
    }
  }

  private sharedKey(self: KeyPair, peer: Bytes): Bytes {
    const k = `${toHex(self.publicKey)}:${toHex(peer)}`;
    let s = this.shared.get(k);
    if (!s) {
      s = this.crypto.precompute(peer, self.secretKey);
      this.shared.set(k, s);
    }
    return s;
  }

  private receive(self: KeyPair, ep: SimEndpoint, from: IpPort, data: Bytes): void {
    const id = data[0];
    if (id !== undefined && id >= 0x80 && id <= 0x8e) return void this.counts.onionDropped++;
    if (id !== 0x00 && id !== 0x02) return void this.counts.otherDropped++;
    const h = decodeDhtHeader(data);
    if (!h.ok) return void this.counts.otherDropped++;
    const shared = this.sharedKey(self, h.value.senderPk);
    if (id === 0x00) {
      const p = openPingRequest(this.crypto, shared, h.value);
      if (!p.ok) return void this.counts.otherDropped++;
      ep.send(from, sealPingResponse(this.crypto, shared, self.publicKey, this.r.bytes(24), { pingId: p.value.pingId }));
      this.counts.pingsAnswered++;
      return;
    }
    const q = openNodesRequest(this.crypto, shared, h.value);
    if (!q.ok) return void this.counts.otherDropped++;
    const nodes: PackedNode[] = this.members
      .filter((m) => m.keys !== self)
      .sort((a, b) => xorDistanceCompare(q.value.searchedPk, a.keys.publicKey, b.keys.publicKey))
      .slice(0, 4)
      .map((m) => ({ transport: 'udp', ipPort: m.endpoint.address, publicKey: m.keys.publicKey }));
    ep.send(from, sealNodesResponse(this.crypto, shared, self.publicKey, this.r.bytes(24), { nodes, pingId: q.value.pingId }));
    this.counts.nodesAnswered++;
  }

  /** Every 2 s of virtual time: each Sybil sends a nodes request (for its own key) to each honest node. */
  push(honest: readonly SimNode[]): void {
    if (this.sim.now - this.lastPush < SYBIL_PUSH_INTERVAL_MS) return;
    this.lastPush = this.sim.now;
    for (const m of this.members) {
      for (const n of honest) {
        const shared = this.sharedKey(m.keys, n.engine.keys.dht.publicKey);
        m.endpoint.send(n.address, sealNodesRequest(this.crypto, shared, m.keys.publicKey, this.r.bytes(24), { searchedPk: m.keys.publicKey, pingId: this.r.bytes(8) }));
      }
    }
  }

  /** Sybil keys among a node's good DHT nodes (close list and search lists), and in its close list. */
  presence(n: SimNode): { inDht: number; dhtGood: number; inClose: number } {
    const good = n.engine.dht.goodNodes();
    return {
      inDht: good.filter((g) => g.ipPort.ip === SYBIL_IP).length,
      dhtGood: good.length,
      inClose: n.engine.dht.closeNodes().filter((g) => g.ipPort.ip === SYBIL_IP).length,
    };
  }
}

export interface SybilRun {
  readonly sybils: number;
  /** Virtual ms from the start until Alice and Bob are both Established; null if not within the limit. */
  readonly establishedMs: number | null;
  readonly onionDropped: number;
  /** DHT requests the Sybils answered (they were in the DHT, doing their part). */
  readonly sybilAnswers: number;
  /** Sybil keys among Alice's good DHT nodes at the end, and in her close list. */
  readonly sybilsInAliceDht: number;
  readonly sybilsInAliceClose: number;
  readonly aliceDhtGood: number;
  /** Alice's onion client: relays proven, hosts with path failures, paths that died unanswered. */
  readonly aliceProvenRelays: number;
  readonly aliceFailedHosts: number;
  readonly alicePathsFailed: number;
  /** Path failures Alice holds against the Sybils' IP. */
  readonly aliceFailuresOfSybilIp: number;
  /** Hops on the Sybils' IP among Alice's live onion paths (out of `aliceLiveHops`). */
  readonly sybilHopsInAlicePaths: number;
  readonly aliceLiveHops: number;
}

/** How long the DHT nodes and the Sybils run before Alice and Bob join (the Sybils have spread). */
export const SYBIL_HEAD_START_MS = 30_000;

/**
 * The demo network's 4 DHT nodes run for 30 s with `sybils` DHT-only Sybils on one IP; then
 * Alice and Bob join (bootstrapped to the first DHT node) as friends of each other. Runs until
 * both are Established or `limitMs` after they joined.
 */
export function runSybilScenario(crypto: Crypto, sybils: number, seed = 2026, limitMs = 100_000, afterMs = 0): SybilRun {
  const sim = new SimNetwork({ latencyMs: 20, jitterMs: 10, seed });
  const engineOf = (name: string, index: number): Engine => {
    const id = demoIdentity(crypto, name, seed * 100 + index);
    return new Engine({ crypto, random: id.random, identity: id.keys, nospam: id.nospam, name });
  };
  const cast = demoCast(4);
  const dht = cast.filter((c) => c.name.startsWith('dht-')).map((c) => sim.add(engineOf(c.name, c.index)));
  const first = dht[0]!;
  for (const d of dht.slice(1)) d.engine.bootstrap(sim.now, first.address, first.engine.keys.dht.publicKey);
  sim.flush();
  const cluster = new SybilCluster(sim, crypto, sybils, seed + 13);
  const honest: SimNode[] = [...dht];
  sim.runUntilTrue(() => void cluster.push(honest) === undefined && false, SYBIL_HEAD_START_MS);
  const [alice, bob] = cast.filter((c) => !c.name.startsWith('dht-')).map((c) => sim.join(engineOf(c.name, c.index), [first]));
  const a = alice!.engine;
  const b = bob!.engine;
  a.addFriend(sim.now, b.keys.real.publicKey);
  b.addFriend(sim.now, a.keys.real.publicKey);
  sim.flush();
  honest.push(alice!, bob!);
  const start = sim.now;
  const ok = sim.runUntilTrue(() => {
    cluster.push(honest);
    return a.progressOf(b.selfHex) === 'Established' && b.progressOf(a.selfHex) === 'Established';
  }, limitMs);
  const establishedMs = ok ? sim.now - start : null;
  // Then on for `afterMs` (the Sybils still pushing), to see what the paths look like later.
  const end = sim.now + afterMs;
  sim.runUntilTrue(() => void cluster.push(honest) === undefined && false, end - sim.now);
  const p = cluster.presence(alice!);
  const relays = a.onion.relays.stats();
  const hops = [...a.onion.selfPaths.live(sim.now), ...a.onion.friendPaths.live(sim.now)].flatMap((x) => x.hops);
  return {
    sybils,
    establishedMs,
    onionDropped: cluster.counts.onionDropped,
    sybilAnswers: cluster.counts.pingsAnswered + cluster.counts.nodesAnswered,
    sybilsInAliceDht: p.inDht,
    sybilsInAliceClose: p.inClose,
    aliceDhtGood: p.dhtGood,
    aliceProvenRelays: relays.proven,
    aliceFailedHosts: relays.failedHosts,
    alicePathsFailed: a.counters.get('onion.path_failed'),
    aliceFailuresOfSybilIp: a.onion.relays.failuresOf(SYBIL_IP),
    sybilHopsInAlicePaths: hops.filter((h) => h.ipPort.ip === SYBIL_IP).length,
    aliceLiveHops: hops.length,
  };
}

/** Alice and Bob must be Established within this after joining, with up to 24 Sybils. */
export const SYBIL_ESTABLISHED_BOUND_MS = 20_000;
/** The seeds each Sybil count is run with (the outcome reports the slowest). */
export const SYBIL_SEEDS: readonly number[] = [2026, 7, 11, 12];

/** With 0, 8 and 24 Sybils, each on SYBIL_SEEDS: the slowest time to Established, and the worst figures. */
export function sybilOutcome(crypto: Crypto): ReviewOutcome {
  const figures: Record<string, number | string | boolean> = {};
  const slowest: Array<{ sybils: number; ms: number | null }> = [];
  let worstClose = 0;
  for (const n of [0, 8, 24]) {
    const runs = SYBIL_SEEDS.map((seed) => runSybilScenario(crypto, n, seed));
    const times = runs.map((r) => r.establishedMs);
    const ms = times.some((t) => t === null) ? null : Math.max(...(times as number[]));
    slowest.push({ sybils: n, ms });
    figures[`establishedMs_${n}`] = ms ?? 'not within 100 s';
    figures[`establishedMsEach_${n}`] = times.map((t) => t ?? 'none').join(' ');
    figures[`onionDropped_${n}`] = Math.min(...runs.map((r) => r.onionDropped));
    figures[`sybilAnswers_${n}`] = Math.min(...runs.map((r) => r.sybilAnswers));
    figures[`sybilsInAliceClose_${n}`] = Math.max(...runs.map((r) => r.sybilsInAliceClose));
    figures[`sybilsInAliceCloseMin_${n}`] = Math.min(...runs.map((r) => r.sybilsInAliceClose));
    figures[`alicePathsFailed_${n}`] = Math.max(...runs.map((r) => r.alicePathsFailed));
    if (n === 24) worstClose = Math.max(...runs.map((r) => r.sybilsInAliceClose));
  }
  const held = slowest.every((x) => x.ms !== null && x.ms <= SYBIL_ESTABLISHED_BOUND_MS);
  const secs = (ms: number | null): string => (ms === null ? '> 100 s' : `${(ms / 1000).toFixed(1)} s`);
  return {
    item: 4,
    attack: 'up to 24 DHT keys on one IP answer DHT requests (naming each other), spread through the DHT for 30 s, and drop all onion traffic; then two friends join',
    before: 'two toxstate friends never connected in 100 s (2.6 s without Sybils)',
    result: `slowest of ${SYBIL_SEEDS.length} runs to Established: ${slowest.map((x) => `${x.sybils} Sybils ${secs(x.ms)}`).join(', ')}; at most ${worstClose} of the 24 in Alice's close list`,
    held,
    figures,
  };
}

// ---- item 9: a replayed self-announce ------------------------------------------------------

/** A datagram as it reached an engine: the 354-byte 0x83 of Bob's self-announce, from its exit relay. */
interface CapturedAnnounce {
  readonly at: number;
  readonly to: SimNode;
  readonly from: IpPort;
  readonly data: Bytes;
}

/** The length of the 0x83 without its RETURN_3, and of a RETURN_3. */
const ANNOUNCE_SIZE = 177;
const RETURN_3_SIZE = 177;
/** The attacker replays every this often, for this long after Bob goes offline. */
const REPLAY_EVERY_MS = 20_000;
const REPLAY_FOR_MS = 900_000;

/** What reached the attacker's address: 0x8c answers (0x84) and onion data (0x86) for Bob. */
interface Catch {
  announceAnswers: number;
  data: number;
}

function classify(c: Catch, data: Bytes): void {
  // 0x8c ‖ RETURN_3 ‖ payload (the attacker's own return blob, or the bare payload at the end of its own path).
  const inner = data[0] === 0x8c ? data[1 + RETURN_3_SIZE] : data[0];
  if (inner === 0x84) c.announceAnswers++;
  else if (inner === 0x86) c.data++;
}

interface ReplaySetup {
  readonly sim: SimNetwork;
  readonly alice: SimNode;
  readonly bob: SimNode;
  readonly helpers: readonly SimNode[];
  readonly captured: CapturedAnnounce[];
  readonly offlineAt: number;
}

/**
 * The demo network, Alice and Bob friends of each other and Established; every 354-byte 0x83
 * that reaches a node with Bob's real key as sender (in the clear at offset 25: what the exit
 * relay that forwarded it saw) is recorded. Then Bob goes offline for good.
 */
function replaySetup(crypto: Crypto, seed: number): ReplaySetup {
  const demo = createDemoNetwork({ crypto, seed, befriend: 'friends' });
  const bobPk = demo.bob.node.engine.keys.real.publicKey;
  const captured: CapturedAnnounce[] = [];
  for (const d of demo.nodes) {
    const e = d.node.engine;
    const orig = e.handleDatagram.bind(e);
    e.handleDatagram = (now, from, data) => {
      if (data[0] === 0x83 && data.length === ANNOUNCE_SIZE + RETURN_3_SIZE && equalBytes(data.subarray(25, 57), bobPk)) captured.push({ at: now, to: d.node, from, data });
      orig(now, from, data);
    };
  }
  const a = demo.alice.node.engine;
  const b = demo.bob.node.engine;
  if (!demo.sim.runUntilTrue(() => a.progressOf(b.selfHex) === 'Established' && b.progressOf(a.selfHex) === 'Established', 60_000)) throw new Error('replay: Alice and Bob did not connect');
  demo.sim.runFor(60_000);
  demo.sim.setUp(demo.bob.node, false);
  return { sim: demo.sim, alice: demo.alice.node, bob: demo.bob.node, helpers: demo.nodes.filter((n) => n.name.startsWith('dht-')).map((n) => n.node), captured, offlineAt: demo.sim.now };
}

/**
 * Runs the network for REPLAY_FOR_MS in steps of 1 s, calling `replay` every REPLAY_EVERY_MS
 * (first at once) and `probe` after every step.
 */
function runReplays(sim: SimNetwork, replay: () => void, probe: () => void): void {
  const end = sim.now + REPLAY_FOR_MS;
  let nextReplay = sim.now;
  while (sim.now < end) {
    if (sim.now >= nextReplay) {
      replay();
      nextReplay += REPLAY_EVERY_MS;
    }
    sim.runFor(1_000);
    probe();
  }
}

/** The last virtual time at which `node`'s announce entry for `pkHex` was alive (or null). */
function entryWatch(sim: SimNetwork, node: SimNode, pkHex: string): { probe: () => void; lastAlive: () => number | null } {
  let last: number | null = null;
  return {
    probe: () => {
      const e = node.engine.announceServer.entry(pkHex);
      if (e !== undefined && sim.now - e.announcedAt < ONION_ANNOUNCE_TIMEOUT_MS) last = sim.now;
    },
    lastAlive: () => last,
  };
}

/**
 * Item 9, against the friend's own announce node: Alice is one of Bob's announce nodes. An
 * attacker that was Bob's exit relay keeps Bob's last self-announce to Alice and, once Bob is
 * offline, sends it to Alice again from its own address with a return path of its own, every
 * 20 s for 15 minutes. Before the fix Alice took every such request (no valid ping_id needed) as
 * Bob announcing himself at her node — a "local sighting" — and sent her onion data for Bob (her
 * DHT-PK) along the attacker's return path, for as long as the replays went on.
 */
export function replayToFriendOutcome(crypto: Crypto, seed = 2026): ReviewOutcome {
  const s = replaySetup(crypto, seed);
  const a = s.alice.engine;
  const bobHex = s.bob.engine.selfHex;
  const last = s.captured.filter((c) => c.to === s.alice).at(-1);
  if (!last) throw new Error('replay: no announce of Bob reached Alice');
  const caught: Catch = { announceAnswers: 0, data: 0 };
  const attacker = s.sim.addEndpoint({ family: 'ipv4', ip: '127.0.9.9', port: 40_000 }, (_now, _from, data) => classify(caught, data));
  const r = seededRandom(seed + 99);
  const seenLocalBefore = a.counters.get('onion.friend_seen_local');
  const localDataBefore = a.counters.get('onion.data_sent_local');
  const dhtPkBefore = a.counters.get('onion.dhtpk_sent');
  let replays = 0;
  const watch = entryWatch(s.sim, s.alice, bobHex);
  runReplays(
    s.sim,
    () => {
      attacker.send(s.alice.address, concat(last.data.subarray(0, ANNOUNCE_SIZE), r.bytes(RETURN_3_SIZE)));
      replays++;
    },
    watch.probe,
  );
  const lastAlive = watch.lastAlive();
  const entryLifetimeS = lastAlive === null ? 0 : Math.round((lastAlive - last.at) / 1000);
  const figures = {
    replays,
    dataToAttacker: caught.data,
    answersToAttacker: caught.announceAnswers,
    sightingsFromReplays: a.counters.get('onion.friend_seen_local') - seenLocalBefore,
    aliceDataSentLocal: a.counters.get('onion.data_sent_local') - localDataBefore,
    aliceDhtPkSent: a.counters.get('onion.dhtpk_sent') - dhtPkBefore,
    entryLifetimeAfterLastRealAnnounceS: entryLifetimeS,
  };
  const held = caught.data === 0 && figures.sightingsFromReplays === 0 && entryLifetimeS <= ONION_ANNOUNCE_TIMEOUT_MS / 1000;
  return {
    item: 9,
    attack: "Bob's exit relay replays his self-announce to Alice (his friend and announce node) with its own return path, every 20 s for 15 min after Bob goes offline",
    before: "Alice took each replay as Bob announcing himself at her node and sent her onion data for Bob to the attacker, with no end",
    result:
      `${replays} replays: ${caught.data} onion data packets reached the attacker (and Alice's ${caught.announceAnswers} sealed announce answers, as to any request); ` +
      `${figures.sightingsFromReplays} replays renewed Alice's sighting of Bob; her DHT-PK for Bob went ${figures.aliceDataSentLocal} times along his own return path until his real announce expired, ` +
      `${entryLifetimeS} s after it was made`,
    held,
    figures,
  };
}

/** A RETURN_3 made by relay `c` that leads back to `attacker`: an onion request through c, c, c to the attacker's own address. */
function returnPathThrough(sim: SimNetwork, crypto: Crypto, c: SimNode, attacker: SimEndpoint, keys: KeyPair, r: Random, got: (ret: Bytes) => void): void {
  const cPk = c.engine.keys.dht.publicKey;
  const k2 = generateKeyPair(crypto, r);
  const k3 = generateKeyPair(crypto, r);
  const path: OnionPath = {
    publicKey1: keys.publicKey,
    sharedKey1: crypto.precompute(cPk, keys.secretKey),
    ipPort2: c.address,
    publicKey2: k2.publicKey,
    sharedKey2: crypto.precompute(cPk, k2.secretKey),
    ipPort3: c.address,
    publicKey3: k3.publicKey,
    sharedKey3: crypto.precompute(cPk, k3.secretKey),
  };
  const payload = r.bytes(ANNOUNCE_SIZE);
  payload[0] = 0x83;
  const pending = { got };
  returnWaiters.set(attacker, pending);
  attacker.send(c.address, sealOnionRequest(crypto, path, r.bytes(24), attacker.address, payload));
  sim.runFor(1_000);
  returnWaiters.delete(attacker);
}
const returnWaiters = new Map<SimEndpoint, { got: (ret: Bytes) => void }>();

/**
 * Item 9, against a third party's data: D, a DHT node, stores Bob's announce. An attacker that
 * can send from the address of Bob's exit relay C toward D (it is C, or spoofs C's address) and
 * holds a RETURN_3 made by C that leads to itself (it sent an onion request through C to its own
 * address) replays Bob's last request to D with that RETURN_3 after Bob goes offline, every 20 s.
 * The ping_id inside is valid (bound to Bob's key and C's address, for up to 600 s): c-toxcore
 * stores the replay, and so did toxstate — D's entry for Bob then sent Alice's DHT-PK for Bob
 * (the 0x85 Alice sends through D) to the attacker, and each replay kept the entry alive.
 */
export function replayToAnnounceNodeOutcome(crypto: Crypto, seed = 2026): ReviewOutcome {
  const s = replaySetup(crypto, seed);
  const bobHex = s.bob.engine.selfHex;
  // The latest request Bob sent to a DHT node that still stores him.
  const candidates = s.captured.filter((c) => s.helpers.includes(c.to) && c.to.engine.announceServer.entry(bobHex) !== undefined);
  const last = candidates.at(-1);
  if (!last) throw new Error('replay: no announce of Bob reached a DHT node that stores him');
  const D = last.to;
  const C = s.sim.nodes.find((n) => equalIpPort(n.address, last.from));
  if (!C) throw new Error('replay: exit relay not found');
  const caught: Catch = { announceAnswers: 0, data: 0 };
  const r = seededRandom(seed + 98);
  const keys = generateKeyPair(crypto, r);
  const attacker = s.sim.addEndpoint({ family: 'ipv4', ip: '127.0.9.10', port: 40_000 }, (_now, _from, data, ep) => {
    const waiter = returnWaiters.get(ep);
    if (waiter && data[0] === 0x83 && data.length === ANNOUNCE_SIZE + RETURN_3_SIZE) return waiter.got(data.slice(ANNOUNCE_SIZE));
    classify(caught, data);
  });
  let ret: Bytes | null = null;
  returnPathThrough(s.sim, crypto, C, attacker, keys, r, (x) => (ret = x));
  if (ret === null) throw new Error('replay: no RETURN_3 from C');
  const forged = concat(last.data.subarray(0, ANNOUNCE_SIZE), ret);
  const dhtPkBefore = s.alice.engine.counters.get('onion.dhtpk_sent');
  let replays = 0;
  const watch = entryWatch(s.sim, D, bobHex);
  runReplays(
    s.sim,
    () => {
      // Spoofed from C's address: it reaches D as C's own datagram would.
      D.engine.handleDatagram(s.sim.now, C.address, forged);
      s.sim.flush([D]);
      replays++;
    },
    watch.probe,
  );
  const lastAlive = watch.lastAlive();
  const entryLifetimeS = lastAlive === null ? 0 : Math.round((lastAlive - last.at) / 1000);
  const figures = {
    replays,
    replaysRefused: D.engine.counters.get('drop.announce.request_replayed'),
    dataToAttacker: caught.data,
    answersToAttacker: caught.announceAnswers,
    aliceDhtPkSent: s.alice.engine.counters.get('onion.dhtpk_sent') - dhtPkBefore,
    entryLifetimeAfterLastRealAnnounceS: entryLifetimeS,
  };
  const held = caught.data === 0 && entryLifetimeS <= ONION_ANNOUNCE_TIMEOUT_MS / 1000;
  return {
    item: 9,
    attack: "an attacker holding a RETURN_3 of Bob's exit relay C replays Bob's self-announce to his announce node D from C's address (valid ping_id), every 20 s after Bob goes offline",
    before: "D stored the replay (as c-toxcore does): Alice's DHT-PK for Bob, sent through D, went to the attacker, and the entry outlived Bob",
    result:
      `${replays} replays, ${figures.replaysRefused} refused as replays (the others came after the ping_id's 600 s and changed nothing): ` +
      `${caught.data} onion data packets reached the attacker (${caught.announceAnswers} sealed announce answers, as to any request); ` +
      (caught.data === 0 ? `D kept Bob's real return path, where Alice's ${figures.aliceDhtPkSent} DHT-PKs for Bob went (to no one: he is offline); ` : `D sent Alice's DHT-PKs for Bob to the attacker; `) +
      `D forgot Bob ${entryLifetimeS} s after his last real announce`,
    held,
    figures,
  };
}

export async function runOnionReview(crypto: Crypto): Promise<ReviewOutcome[]> {
  return [sybilOutcome(crypto), replayToFriendOutcome(crypto), replayToAnnounceNodeOutcome(crypto)];
}
