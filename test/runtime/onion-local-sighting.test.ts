/**
 * Two shortcuts that make a c-toxcore friend find toxstate sooner (docs/protocol.md §10.4 b),
 * on the simulated network and on a lone engine:
 *   - a local sighting: a friend that announces itself at our own announce node (a request that
 *     stores or refreshes its entry) counts as found, and our onion data (DHT-PK) goes straight
 *     back along its return path as a 0x86; the sighting ends 300 s after the friend's last
 *     announce, and a request without a valid ping_id, or a replayed one, is no sighting;
 *   - the apparent address: a nodes response naming our own DHT key tells us our address,
 *     and our DHT-PK lists us under it first.
 */
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../protocol/bytes.js';
import { decodeDhtPkPayload } from '../../protocol/dht/index.js';
import { formatIpPort, makeIpPort } from '../../protocol/ip-port.js';
import { decodeOnionResponse, decodeOnionDataResponse, openOnionDataInner, openOnionDataOuter, sealAnnounceRequest } from '../../protocol/onion/index.js';
import { actorKeys, type Engine } from '../../runtime/engine.js';
import { generateKeyPair } from '../../runtime/keys.js';
import { ONION_ANNOUNCE_TIMEOUT_MS } from '../../runtime/onion/constants.js';
import { seededRandom } from '../../runtime/random.js';
import { makeEngine, makeNetwork } from './helpers.js';

const dhtkeyState = (e: Engine, friendHex: string): unknown => e.actors.get(actorKeys.dhtkey(e.selfHex, friendHex))?.snapshot.value;

/** Runs a lone engine's timers up to `until` (no network). */
function runTimers(e: Engine, until: number): void {
  for (let i = 0; i < 100_000; i++) {
    const d = e.nextDeadline();
    if (d === null || d.at > until) break;
    e.handleTimeout(d.at);
    e.takeTransmits();
  }
  e.handleTimeout(until);
}

describe('local sightings', () => {
  it('a friend that announces only at us is found at once and gets our DHT-PK along its own return path', async () => {
    // B's only DHT node is A, so B announces at A and nowhere else.
    const { sim, nodes } = await makeNetwork(2, { latencyMs: 5 }, 7100);
    const a = nodes[0]!.engine;
    const b = nodes[1]!.engine;
    a.addFriend(sim.now, b.keys.real.publicKey);
    b.addFriend(sim.now, a.keys.real.publicKey);
    sim.flush();
    const bothEstablished = (): boolean => a.progressOf(b.selfHex) === 'Established' && b.progressOf(a.selfHex) === 'Established';
    expect(sim.runUntilTrue(bothEstablished, 10_000)).toBe(true);
    expect(a.counters.get('onion.friend_seen_local') + b.counters.get('onion.friend_seen_local')).toBeGreaterThanOrEqual(1);
    expect(a.counters.get('onion.data_sent_local') + b.counters.get('onion.data_sent_local')).toBeGreaterThanOrEqual(1);
    const viaOnion = (x: Engine, y: Engine): boolean =>
      x.journal.since(0).some((j) => j.actor === actorKeys.session(y.selfHex) && j.event.type === 'dhtKey.learned' && j.event['source'] === 'onion');
    expect(viaOnion(a, b) || viaOnion(b, a)).toBe(true);
    for (const e of [a, b]) {
      expect(e.counters.get('error.handler')).toBe(0);
      expect(e.counters.sum('drop.onion')).toBe(0);
    }
  });

  it('a sighting sends a 0x86 to the exit relay, opens as our DHT-PK under the friend data key, and ends after 300 s', async () => {
    const e = await makeEngine(7200);
    e.start(0);
    const crypto = e.crypto;
    const rnd = seededRandom(7201);
    const friendKeys = generateKeyPair(crypto, rnd);
    const dataKeys = generateKeyPair(crypto, rnd);
    const friendHex = toHex(friendKeys.publicKey);
    const f = e.addFriend(0, friendKeys.publicKey);
    e.takeTransmits();
    expect(dhtkeyState(e, friendHex)).toEqual({ Active: 'Searching' });

    const relay = makeIpPort('127.0.0.1', 40_001);
    if (!relay.ok) throw new Error(relay.error);
    const ret = rnd.bytes(177);
    e.now = 1_000;
    e.onion.friendAnnouncedHere(f, relay.value, ret, dataKeys.publicKey);
    e.flush();
    expect(dhtkeyState(e, friendHex)).toEqual({ Active: 'Sharing' });

    const out = e.takeTransmits().filter((t) => formatIpPort(t.to) === '127.0.0.1:40001');
    expect(out).toHaveLength(1);
    const resp = decodeOnionResponse(out[0]!.data);
    if (!resp.ok) throw new Error(resp.error);
    expect(resp.value.level).toBe(3);
    expect(toHex(resp.value.returnBlob)).toBe(toHex(ret));
    const data = decodeOnionDataResponse(resp.value.data);
    if (!data.ok) throw new Error(data.error);
    const outer = openOnionDataOuter(crypto, crypto.precompute(data.value.tempPk, dataKeys.secretKey), data.value);
    if (!outer.ok) throw new Error(outer.error);
    expect(toHex(outer.value.senderRealPk)).toBe(e.selfHex);
    const inner = openOnionDataInner(crypto, crypto.precompute(e.keys.real.publicKey, friendKeys.secretKey), data.value.nonce, outer.value.innerBox);
    if (!inner.ok) throw new Error(inner.error);
    const dhtPk = decodeDhtPkPayload(inner.value);
    if (!dhtPk.ok) throw new Error(dhtPk.error);
    expect(toHex(dhtPk.value.dhtPk)).toBe(e.keys.dhtPkHex);

    runTimers(e, 1_000 + ONION_ANNOUNCE_TIMEOUT_MS - 1);
    expect(dhtkeyState(e, friendHex)).toEqual({ Active: 'Sharing' });
    runTimers(e, 1_000 + ONION_ANNOUNCE_TIMEOUT_MS);
    expect(dhtkeyState(e, friendHex)).toEqual({ Active: 'Searching' });
    expect(e.counters.get('onion.friend_lost')).toBe(1);
    expect(e.counters.get('error.handler')).toBe(0);
  });

  it('a new data key (the friend restarted) sends our DHT-PK again at once; the same key again does not', async () => {
    const e = await makeEngine(7250);
    e.start(0);
    const rnd = seededRandom(7251);
    const friend = generateKeyPair(e.crypto, rnd);
    const f = e.addFriend(0, friend.publicKey);
    e.takeTransmits();
    const relay = makeIpPort('127.0.0.1', 40_002);
    if (!relay.ok) throw new Error(relay.error);
    const toRelay = (): number => e.takeTransmits().filter((t) => formatIpPort(t.to) === '127.0.0.1:40002' && t.data[0] === 0x8c).length;
    const oldData = generateKeyPair(e.crypto, rnd).publicKey;
    e.now = 1_000;
    e.onion.friendAnnouncedHere(f, relay.value, rnd.bytes(177), oldData);
    e.flush();
    expect(toRelay()).toBe(1);
    e.now = 4_000;
    e.onion.friendAnnouncedHere(f, relay.value, rnd.bytes(177), oldData);
    e.flush();
    expect(toRelay()).toBe(0);
    e.now = 7_000;
    e.onion.friendAnnouncedHere(f, relay.value, rnd.bytes(177), generateKeyPair(e.crypto, rnd).publicKey);
    e.flush();
    expect(toRelay()).toBe(1);
    expect(e.counters.get('onion.friend_relocated')).toBe(1);
    expect(dhtkeyState(e, toHex(friend.publicKey))).toEqual({ Active: 'Sharing' });
    expect(e.counters.get('error.handler')).toBe(0);
  });

  it("a friend's self-announce is a sighting only when it stores or refreshes the entry: not without a valid ping_id, not replayed", async () => {
    const e = await makeEngine(7260);
    e.start(0);
    const rnd = seededRandom(7261);
    const friend = generateKeyPair(e.crypto, rnd);
    const dataPk = generateKeyPair(e.crypto, rnd).publicKey;
    e.addFriend(0, friend.publicKey);
    e.takeTransmits();
    const relay = makeIpPort('127.0.0.1', 40_003);
    if (!relay.ok) throw new Error(relay.error);
    const shared = e.crypto.precompute(e.keys.dht.publicKey, friend.secretKey);
    const request = (pingId: Uint8Array, nonceByte: number): Uint8Array =>
      concat(sealAnnounceRequest(e.crypto, shared, friend.publicKey, new Uint8Array(24).fill(nonceByte), { pingId, searchedPk: friend.publicKey, dataPk, sendback: new Uint8Array(8) }), rnd.bytes(177));
    // Without a valid ping_id (a first announce, or anyone replaying one from elsewhere): no sighting.
    e.handleDatagram(1_000, relay.value, request(new Uint8Array(32), 1));
    expect(e.counters.get('onion.friend_seen_local')).toBe(0);
    // With the ping_id the node gave this sender at this relay: stored, and a sighting.
    const pingId = e.announceServer.pingId(friend.publicKey, relay.value);
    const stored = request(pingId, 2);
    e.handleDatagram(2_000, relay.value, stored);
    expect(e.counters.get('onion.friend_seen_local')).toBe(1);
    // The same request again (with another return path): dropped, no sighting.
    e.handleDatagram(3_000, relay.value, concat(stored.subarray(0, 177), rnd.bytes(177)));
    expect(e.counters.get('drop.announce.request_replayed')).toBe(1);
    expect(e.counters.get('onion.friend_seen_local')).toBe(1);
    expect(e.counters.get('error.handler')).toBe(0);
  });

  it("only a friend's self-announce is a sighting: not a stranger's, not a search for the friend", async () => {
    const { sim, nodes } = await makeNetwork(2, { latencyMs: 5 }, 7300);
    const a = nodes[0]!.engine;
    const b = nodes[1]!.engine;
    // Only B has A as a friend. At A, B's self-announces come from a stranger and B's searches
    // for A are signed with a temporary key; at B, A's self-announces are a friend's.
    b.addFriend(sim.now, a.keys.real.publicKey);
    sim.flush();
    sim.runFor(5_000);
    expect(a.announceServer.entry(b.selfHex)).toBeDefined();
    expect(b.counters.get('onion.search_sent')).toBeGreaterThan(0);
    expect(a.counters.get('onion.friend_seen_local')).toBe(0);
    expect(b.counters.get('onion.friend_seen_local')).toBeGreaterThan(0);
    expect(b.counters.get('error.handler')).toBe(0);
  });
});

describe('apparent address', () => {
  it('a node learns its own address from nodes responses that name it, and lists itself first in its DHT-PK', async () => {
    const { sim, nodes } = await makeNetwork(4, { latencyMs: 5 }, 7400);
    sim.runFor(5_000);
    for (const n of nodes) {
      const seen = n.engine.dht.apparentAddress();
      expect(seen, `node ${n.id}`).not.toBeNull();
      expect(formatIpPort(seen!)).toBe(formatIpPort(n.address));
    }
    // A's DHT-PK as B would receive it: over a local sighting of B at A.
    const a = nodes[1]!.engine;
    const crypto = a.crypto;
    const rnd = seededRandom(7401);
    const friendKeys = generateKeyPair(crypto, rnd);
    const dataKeys = generateKeyPair(crypto, rnd);
    const f = a.addFriend(sim.now, friendKeys.publicKey);
    a.takeTransmits();
    a.onion.friendAnnouncedHere(f, nodes[0]!.address, rnd.bytes(177), dataKeys.publicKey);
    a.flush();
    const sent = a.takeTransmits().find((t) => t.data[0] === 0x8c);
    expect(sent).toBeDefined();
    const resp = decodeOnionResponse(sent!.data);
    if (!resp.ok) throw new Error(resp.error);
    const data = decodeOnionDataResponse(resp.value.data);
    if (!data.ok) throw new Error(data.error);
    const outer = openOnionDataOuter(crypto, crypto.precompute(data.value.tempPk, dataKeys.secretKey), data.value);
    if (!outer.ok) throw new Error(outer.error);
    const inner = openOnionDataInner(crypto, crypto.precompute(a.keys.real.publicKey, friendKeys.secretKey), data.value.nonce, outer.value.innerBox);
    if (!inner.ok) throw new Error(inner.error);
    const d = decodeDhtPkPayload(inner.value);
    if (!d.ok) throw new Error(d.error);
    expect(d.value.nodes.length).toBeGreaterThanOrEqual(2);
    expect(toHex(d.value.nodes[0]!.publicKey)).toBe(a.keys.dhtPkHex);
    expect(formatIpPort(d.value.nodes[0]!.ipPort)).toBe(formatIpPort(nodes[1]!.address));
    expect(d.value.nodes.slice(1).some((n) => toHex(n.publicKey) === a.keys.dhtPkHex)).toBe(false);
  });
});
