/**
 * Protocol attacks against an Established pair (Alice and Bob on the simulated demo network),
 * each run as a scenario that returns its outcome: what the attacker sent, what Alice did (the
 * drop counter that names the refusal), and whether the session with Bob survived. Used by
 * test/reliability/attacks.test.ts (asserts) and scripts/fuzz.ts (the table in
 * docs/reliability.md). Attacks already shown refused elsewhere are listed with their test
 * (KNOWN_ATTACK_TESTS) instead of being run twice.
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import { decodeDhtHeader, openNodesRequest, openNodesResponse, sealNodesRequest } from '../../protocol/dht/index.js';
import { ipPortKey, type IpPort } from '../../protocol/ip-port.js';
import { sealCookie, sealHandshake, openCookieResponse } from '../../protocol/net-crypto/index.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import { DHT_PENDING_LIMIT } from '../../runtime/dht/dht.js';
import type { Engine } from '../../runtime/engine.js';
import { generateKeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { createDemoNetwork, type DemoNetwork } from '../../runtime/scenarios/demo-network.js';
import { Attacker, bothEstablished, offlineEvents, randomAddress } from './lib.js';

export interface AttackOutcome {
  readonly attack: string;
  /** What Alice did, in words, with the counter that shows it. */
  readonly outcome: string;
  readonly refused: boolean;
  /** Drop counters that moved (name → count). */
  readonly drops: Record<string, number>;
  readonly sessionSurvived: boolean;
  readonly details: Record<string, number | string | boolean>;
}

/** Attacks shown refused by tests that already existed (not run again here). */
export const KNOWN_ATTACK_TESTS: ReadonlyArray<{ attack: string; where: string }> = [
  { attack: 'replayed, duplicated, tampered and reordered crypto data', where: "test/runtime/net-crypto-packets.test.ts › 'drops replayed, duplicated and tampered data packets and delivers reordered ones in order'" },
  { attack: 'a cookie older than 15 s (16 s, 40 s; exactly 15 s accepted as c-toxcore)', where: "test/runtime/net-crypto-packets.test.ts › 'refuses a cookie older than 15 s (16 s) and accepts one exactly 15 s old, as c-toxcore'" },
  { attack: 'a cookie from another node, a cookie issued to another key, a cookie from the future, a wrong cookie hash', where: "test/runtime/net-crypto-packets.test.ts › 'refuses a cookie from another node, a cookie issued to another key, …'" },
  { attack: 'a cookie response from another address or with a wrong echo id', where: "test/runtime/net-crypto-packets.test.ts › 'as the initiator: sends a cookie request, takes only a response from the address asked with its echo id…'" },
  { attack: 'onion relay: layers and return blobs that do not authenticate, sizes outside the rules, non-0x83/0x85 exit payloads', where: "test/runtime/onion-relay.test.ts › 'drops packets outside the size rules…', 'the exit relay forwards only 0x83 and 0x85 payloads'" },
  { attack: 'announce: ping_id from another source or window, store flooding (160 entries, closer-only replacement)', where: "test/runtime/onion-announce.test.ts › 'accepts a ping_id in its own and the next 300 s window, only from the source…', 'keeps at most 160 entries…'" },
  { attack: 'malformed and unauthenticated onion answers (sendbacks, boxes)', where: "test/runtime/onion-network.test.ts › 'counts and drops malformed and unauthenticated onion answers'" },
];

function dropsSince(e: Engine, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(e.counters.toJSON())) if (k.startsWith('drop.') && v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

interface Setup {
  demo: DemoNetwork;
  A: Engine;
  B: Engine;
  /** Datagrams sent while connecting, by direction and first byte. */
  captured: Array<{ from: 'alice' | 'bob'; to: IpPort; data: Bytes }>;
}

/** The demo network with Alice's and Bob's datagrams recorded from the start, run to Established. */
function setup(crypto: Crypto, seed: number): Setup {
  const demo = createDemoNetwork({ crypto, seed });
  const captured: Setup['captured'] = [];
  for (const [who, node] of [['alice', demo.alice.node], ['bob', demo.bob.node]] as const) {
    const e = node.engine;
    const orig = e.send.bind(e);
    e.send = (to, data) => {
      captured.push({ from: who, to, data });
      orig(to, data);
    };
  }
  if (!demo.sim.runUntilTrue(() => bothEstablished(demo), 120_000)) throw new Error('attacks: no session');
  demo.sim.runFor(3_000);
  return { demo, A: demo.alice.node.engine, B: demo.bob.node.engine, captured };
}

function outcome(s: Setup, attack: string, before: Record<string, number>, offline0: number, refused: (d: Record<string, number>) => boolean, words: string, details: AttackOutcome['details'] = {}): AttackOutcome {
  s.demo.sim.runFor(2_000);
  const drops = dropsSince(s.A, before);
  const survived = bothEstablished(s.demo) && offlineEvents(s.demo.alice.node, s.demo.bob.node) === offline0;
  return { attack, outcome: words, refused: refused(drops) && survived, drops, sessionSurvived: survived, details };
}

export function runAttacks(crypto: Crypto): AttackOutcome[] {
  const out: AttackOutcome[] = [];
  const s = setup(crypto, 2026);
  const { demo, A, B } = s;
  const { sim } = demo;
  const alice = demo.alice.node;
  const bob = demo.bob.node;
  const r = seededRandom(4242);
  const deliver = (from: IpPort, data: Bytes): void => {
    A.handleDatagram(sim.now, from, data);
    sim.flush([alice]);
  };
  const mark = (): { before: Record<string, number>; offline0: number } => ({ before: A.counters.toJSON(), offline0: offlineEvents(alice, bob) });

  // 1. Replayed handshake: Bob's own, captured while connecting, from his address and from another.
  {
    const hs = s.captured.filter((c) => c.from === 'bob' && c.data[0] === 0x1a && ipPortKey(c.to) === ipPortKey(alice.address));
    const m = mark();
    const conn = A.netCrypto.connection(B.selfHex);
    const sessionKey = conn?.sessionKey;
    for (const c of hs) {
      deliver(bob.address, c.data);
      deliver(randomAddress(r), c.data);
    }
    const same = A.netCrypto.connection(B.selfHex)?.sessionKey;
    out.push(
      outcome(s, 'replayed handshake (Bob’s own, from his address and from another)', m.before, m.offline0, (d) => (d['drop.net_crypto.handshake_while_established'] ?? 0) + (d['drop.net_crypto.handshake_cookie_expired'] ?? 0) === 2 * hs.length, 'dropped: the session is established (or the cookie has expired); keys and address unchanged', {
        replayed: 2 * hs.length,
        sessionKeyUnchanged: sessionKey !== undefined && same !== undefined && sessionKey !== null && same !== null && equalBytes(sessionKey, same),
      }),
    );
  }
  // 2. The same handshakes again after 20 s: the cookie inside has expired.
  {
    sim.runFor(20_000);
    const hs = s.captured.filter((c) => c.from === 'bob' && c.data[0] === 0x1a && ipPortKey(c.to) === ipPortKey(alice.address));
    const m = mark();
    for (const c of hs) deliver(randomAddress(r), c.data);
    out.push(outcome(s, 'replayed handshake 20 s later (its cookie older than 15 s)', m.before, m.offline0, (d) => d['drop.net_crypto.handshake_cookie_expired'] === hs.length, 'dropped: cookie expired', { replayed: hs.length }));
  }
  // 3. Replayed cookie response (Bob's answer to Alice's cookie request).
  {
    const cr = s.captured.filter((c) => c.from === 'bob' && c.data[0] === 0x19);
    const m = mark();
    for (const c of cr) {
      deliver(bob.address, c.data);
      deliver(randomAddress(r), c.data);
    }
    out.push(
      outcome(s, 'replayed cookie response (from Bob’s address and from another)', m.before, m.offline0, (d) => (d['drop.net_crypto.cookie_response_invalid'] ?? 0) + (d['drop.net_crypto.cookie_response_unknown_address'] ?? 0) === 2 * cr.length, 'dropped: no connection is acquiring a cookie; another address matches no connection', { replayed: 2 * cr.length }),
    );
  }
  // 4. Handshake with a forged sender key: the attacker gets a cookie naming Bob (any request may
  //    claim a friend's key), but cannot seal the handshake with Bob's secret key.
  {
    const atk = new Attacker(crypto, A, 9001);
    const from = randomAddress(r);
    const m = mark();
    A.takeTransmits();
    A.handleDatagram(sim.now, from, atk.cookieRequest(B.keys.real.publicKey));
    const resp = A.takeTransmits().find((t) => t.data[0] === 0x19);
    const opened = resp ? openCookieResponse(crypto, atk.dhtShared, resp.data) : null;
    let sent = 0;
    if (opened?.ok) {
      const session = generateKeyPair(crypto, r);
      const other = sealCookie(crypto, r.bytes(32), r.bytes(24), { time: BigInt(A.unixSeconds()), realPk: A.keys.real.publicKey, dhtPk: A.keys.dht.publicKey });
      const hs = sealHandshake(crypto, crypto.precompute(A.keys.real.publicKey, atk.real.secretKey), r.bytes(24), { cookie: opened.value.cookie, baseNonce: r.bytes(24), sessionPk: session.publicKey, otherCookie: other });
      deliver(from, hs);
      sent++;
    }
    out.push(
      outcome(s, 'handshake with a forged sender key (cookie obtained by claiming Bob’s key, box sealed with the attacker’s)', m.before, m.offline0, (d) => d['drop.net_crypto.handshake_invalid'] === 1, 'dropped: the box does not open with Bob’s key', { cookieObtained: opened?.ok === true, handshakes: sent }),
    );
  }
  // 5. DHT-PK over the onion from a non-friend, and over a DHT route from a non-friend.
  {
    const atk = new Attacker(crypto, A, 9002);
    const stranger = generateKeyPair(crypto, r);
    const m = mark();
    const d = { noReplay: BigInt(A.unixSeconds() + 10), dhtPk: atk.dht.publicKey, nodes: [] as PackedNode[] };
    deliver(randomAddress(r), atk.onionData(stranger, Attacker.dhtPkPayload(d)));
    deliver(randomAddress(r), atk.dhtPkRoute(stranger, d));
    out.push(
      outcome(s, 'DHT-PK from a non-friend (onion data and DHT route)', m.before, m.offline0, (dr) => dr['drop.onion.dhtpk_not_friend'] === 1 && dr['drop.dht.dhtpk_not_friend'] === 1, 'dropped: not a friend; no session learns the key', { sessionDhtKeyUnchanged: A.netCrypto.connection(B.selfHex)?.peerDhtHex === B.keys.dhtPkHex }),
    );
  }
  // 6. DHT-PK with an old no_replay, sealed with Bob's real key (as a replay of an earlier one
  //    would be): over the onion and over a DHT route, naming a new DHT key.
  {
    const atk = new Attacker(crypto, A, 9003);
    const friend = A.friends.get(B.selfHex)!;
    const m = mark();
    const old = { noReplay: friend.lastNoReplay, dhtPk: atk.dht.publicKey, nodes: [] as PackedNode[] };
    deliver(randomAddress(r), atk.onionData(B.keys.real, Attacker.dhtPkPayload(old)));
    deliver(randomAddress(r), atk.dhtPkRoute(B.keys.real, { ...old, noReplay: friend.lastNoReplay - 1n }));
    out.push(
      outcome(s, 'DHT-PK with an old no_replay (replay of Bob’s, naming another DHT key)', m.before, m.offline0, (d) => d['drop.dhtpk.replayed'] === 2, 'dropped: no_replay not above the last accepted; the session keeps Bob’s DHT key', {
        lastNoReplay: Number(friend.lastNoReplay),
        sessionDhtKeyUnchanged: A.netCrypto.connection(B.selfHex)?.peerDhtHex === B.keys.dhtPkHex,
      }),
    );
  }
  // 7. Nodes responses that poison the DHT: Sybil keys at one address ask Alice, get asked back,
  //    and answer every request with 4 fake nodes (random keys, addresses that never answer).
  out.push(poisonDht(crypto, s));
  // 8. DHT requests replayed from another address: a DHT node's and, while Alice searches for
  //    him, Bob's own (a request carries no proof of its source address).
  out.push(replayDhtRequests(crypto, s));
  return out;
}

function replayDhtRequests(crypto: Crypto, s: Setup): AttackOutcome {
  const { demo, A, B } = s;
  const { sim } = demo;
  const alice = demo.alice.node;
  const bob = demo.bob.node;
  const r = seededRandom(8080);
  const evil = randomAddress(r);
  const sealedBy = (e: Engine): Bytes => sealNodesRequest(crypto, crypto.precompute(A.keys.dht.publicKey, e.keys.dht.secretKey), e.keys.dht.publicKey, r.bytes(24), { searchedPk: r.bytes(32), pingId: r.bytes(8) });
  const before = A.counters.toJSON();
  // A DHT node's request, as captured on the wire, replayed from the attacker's address.
  const node = demo.nodes[0]!.node;
  const entryBefore = A.dht.findAny(node.engine.keys.dhtPkHex);
  A.handleDatagram(sim.now, evil, sealedBy(node.engine));
  sim.flush([alice]);
  const entryAfter = A.dht.findAny(node.engine.keys.dhtPkHex);
  const nodeKept = entryBefore !== undefined && entryAfter !== undefined && ipPortKey(entryAfter.ipPort) === ipPortKey(node.address);
  // Bob goes away; once Alice searches for him, his request is replayed from the attacker's address.
  sim.partition([demo.nodes.map((d) => d.node).filter((n) => n !== bob), [bob]]);
  sim.runUntilTrue(() => A.progressOf(B.selfHex) !== 'Established', 40_000);
  sim.runFor(2_000);
  const toEvil: Bytes[] = [];
  const orig = A.send.bind(A);
  A.send = (to, data) => {
    if (ipPortKey(to) === ipPortKey(evil)) toEvil.push(data);
    orig(to, data);
  };
  for (let i = 0; i < 3; i++) {
    A.handleDatagram(sim.now, evil, sealedBy(B));
    sim.flush([alice]);
    sim.runFor(1_000);
  }
  A.send = orig;
  const session = A.actors.get(`session:${B.selfHex}`)?.snapshot.context as { address: string | null } | undefined;
  const friendAddress = session?.address ?? null;
  const cookieRequestsToEvil = toEvil.filter((d) => d[0] === 0x18).length;
  sim.heal();
  const reconnected = sim.runUntilTrue(() => bothEstablished(demo), 120_000);
  const refused = nodeKept && friendAddress !== `${evil.ip}:${evil.port}` && cookieRequestsToEvil === 0;
  return {
    attack: 'DHT requests replayed from another address (a DHT node’s, and the friend’s while he is searched for)',
    outcome: 'the source of a request is not taken as the node’s address: it is asked back, and only an answer (with our ping id, from that address) counts',
    refused: refused && reconnected,
    drops: dropsSince(A, before),
    sessionSurvived: reconnected,
    details: { nodeAddressKept: nodeKept, friendRedirected: friendAddress === `${evil.ip}:${evil.port}`, cookieRequestsToAttacker: cookieRequestsToEvil, packetsToAttacker: toEvil.length, reconnectedAfterHeal: reconnected },
  };
}

function poisonDht(crypto: Crypto, s: Setup): AttackOutcome {
  const { demo, A } = s;
  const { sim } = demo;
  const alice = demo.alice.node;
  const r = seededRandom(31337);
  const home = randomAddress(r);
  const sybils = Array.from({ length: 64 }, (_, i) => new Attacker(crypto, A, 7000 + i));
  const fakes = new Set<string>();
  const realBefore = new Set(A.dht.closeNodes().map((n) => n.pkHex));
  const queue: Bytes[] = [];
  const orig = A.send.bind(A);
  A.send = (to, data) => {
    if (ipPortKey(to) === ipPortKey(home) && data[0] === 0x02) queue.push(data);
    orig(to, data);
  };
  const m = { before: A.counters.toJSON(), offline0: offlineEvents(demo.alice.node, demo.bob.node) };
  let maxPending = 0;
  let offered = 0;
  for (let round = 0; round < 60; round++) {
    // Each Sybil makes itself known (a request makes Alice ask it back, within her budget)…
    for (const x of sybils) A.handleDatagram(sim.now, home, x.pingRequest());
    // …and answers every nodes request of hers with 4 fakes.
    while (queue.length > 0) {
      const req = queue.shift()!;
      const h = decodeDhtHeader(req);
      if (!h.ok) continue;
      for (const x of sybils) {
        const o = openNodesRequest(crypto, x.dhtShared, h.value);
        if (!o.ok) continue;
        const nodes: PackedNode[] = Array.from({ length: 4 }, () => {
          const pk = r.bytes(32);
          pk[31]! &= 0x7f;
          fakes.add(toHex(pk));
          return { transport: 'udp' as const, ipPort: randomAddress(r), publicKey: pk };
        });
        offered += 4;
        A.handleDatagram(sim.now, home, x.nodesResponse(o.value.pingId, nodes));
        break;
      }
    }
    sim.flush([alice]);
    maxPending = Math.max(maxPending, A.dht.stats().pending);
    sim.runFor(1_000);
  }
  A.send = orig;
  const close = A.dht.closeNodes().map((n) => n.pkHex);
  const good = A.dht.goodNodes().map((n) => n.pkHex);
  // A stranger asks Alice for nodes: none of the fakes is handed out.
  const q = new Attacker(crypto, A, 9999);
  A.takeTransmits();
  A.handleDatagram(sim.now, randomAddress(r), q.nodesRequest(sybils[0]!.dht.publicKey));
  const answer = A.takeTransmits().find((t) => t.data[0] === 0x04);
  let handedOut = 0;
  if (answer) {
    const h = decodeDhtHeader(answer.data);
    const o = h.ok ? openNodesResponse(crypto, q.dhtShared, h.value) : null;
    if (o?.ok) handedOut = o.value.nodes.filter((n) => fakes.has(toHex(n.publicKey))).length;
  }
  const fakesInClose = close.filter((k) => fakes.has(k)).length;
  const fakesGood = good.filter((k) => fakes.has(k)).length;
  const realKept = [...realBefore].filter((k) => close.includes(k)).length;
  return outcome(
    s,
    'nodes responses poisoning the DHT (64 Sybil keys answering with 4 fake nodes each, 60 s)',
    m.before,
    m.offline0,
    () => fakesInClose === 0 && fakesGood === 0 && handedOut === 0 && realKept === realBefore.size && maxPending <= DHT_PENDING_LIMIT,
    'fakes are asked once (within the pending table) and, never answering, never enter the close list nor an answer; real nodes stay',
    { fakesOffered: offered, fakesInCloseList: fakesInClose, fakesGood, fakesHandedOut: handedOut, realNodesKept: `${realKept}/${realBefore.size}`, closeList: close.length, maxPending },
  );
}
