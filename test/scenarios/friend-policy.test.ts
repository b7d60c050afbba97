/**
 * The per-friend policy on a toxstate network (simulated, virtual clock, seeded): an
 * OpenToConnect friend is never searched for and never sent our DHT key, yet when it reaches us
 * the session forms; a RefusingToConnect friend's DHT-PKs (onion and DHT route) and cookie
 * requests are dropped and counted, and no session forms; the policy survives a profile round
 * trip into a new engine.
 */
import { describe, expect, it } from 'vitest';
import type { SimNetwork, SimNode } from '../../runtime/adapters/sim-network.js';
import { actorKeys } from '../../runtime/engine.js';
import { profileOf, profileStart, newProfile } from '../../runtime/profile-bridge.js';
import { parseSavedata, serializeSavedata } from '../../protocol/profile/index.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { seededRandom } from '../../runtime/random.js';
import { Engine } from '../../runtime/engine.js';
import type { FriendPolicy } from '../../machines/index.js';
import { established, firstHandlerError, handlerErrors, makeScenario, progress } from './helpers.js';

/** A befriends B under `policy`; B befriends A (TryingToConnect). */
function befriendWith(sim: SimNetwork, a: SimNode, b: SimNode, policy: FriendPolicy): void {
  a.engine.addFriend(sim.now, b.engine.keys.real.publicKey, { policy });
  b.engine.addFriend(sim.now, a.engine.keys.real.publicKey);
  sim.flush([a, b]);
}

/** B knows A's current DHT key (as from an earlier DHT-PK): A will not tell it under these policies. */
function bKnowsA(sim: SimNetwork, a: SimNode, b: SimNode): void {
  b.engine.deliverToSession(a.engine.selfHex, { type: 'dhtKey.learned', now: sim.now, dhtKey: a.engine.keys.dhtPkHex, source: 'onion' });
  b.engine.flush();
  sim.flush([b]);
}

/** What A sent to find B or to give B its DHT key (A has no other friend). */
function outreach(a: SimNode): Record<string, number> {
  const c = a.engine.counters;
  return {
    searches: c.get('onion.search_sent'),
    dhtpkOnion: c.get('onion.dhtpk_sent') + c.get('onion.dhtpk_not_sent') + c.get('onion.data_sent_local'),
    dhtpkRoute: c.get('onion.dhtpk_route_sent') + c.get('onion.dhtpk_route_no_nodes'),
    friendRequests: c.get('onion.friend_request_sent'),
  };
}

const NONE = { searches: 0, dhtpkOnion: 0, dhtpkRoute: 0, friendRequests: 0 };

describe('friend policy on a 12-node toxstate network', () => {
  it('OpenToConnect: we never search for the friend nor send it our DHT key, yet its connection to us forms', async () => {
    const { sim, nodes } = await makeScenario({ nodes: 12, seedBase: 15_100 });
    sim.runFor(5_000);
    const [a, b] = [nodes[4]!, nodes[9]!];
    befriendWith(sim, a, b, 'OpenToConnect');
    bKnowsA(sim, a, b);
    expect(sim.runUntilTrue(() => established(a, b), 20_000)).toBe(true);
    // B came to A: A answered B's cookie request and handshake.
    expect(a.engine.counters.get('net_crypto.cookie_responses_sent')).toBeGreaterThan(0);
    expect(a.engine.counters.sum('drop.policy.')).toBe(0);
    sim.runFor(60_000);
    expect(established(a, b)).toBe(true);
    expect(outreach(a)).toEqual(NONE);
    // The wire agrees: B never accepted a DHT-PK from A.
    expect(b.engine.counters.sum('dhtpk.accepted')).toBe(0);
    // …while B, trying, did search for A.
    expect(outreach(b).searches).toBeGreaterThan(0);
    expect(handlerErrors(nodes), firstHandlerError(nodes) ?? '').toBe(0);
  });

  it('the same pair with A TryingToConnect: A searches for B and shares its DHT key (the counters above do move)', async () => {
    const { sim, nodes } = await makeScenario({ nodes: 12, seedBase: 15_100 });
    sim.runFor(5_000);
    const [a, b] = [nodes[4]!, nodes[9]!];
    befriendWith(sim, a, b, 'TryingToConnect');
    expect(sim.runUntilTrue(() => established(a, b), 20_000)).toBe(true);
    expect(outreach(a).searches).toBeGreaterThan(0);
    const { dhtpkOnion, dhtpkRoute } = outreach(a);
    expect(dhtpkOnion! + dhtpkRoute!).toBeGreaterThan(0);
  });

  it('RefusingToConnect: the friend’s DHT-PKs over the onion and the DHT and its cookie requests are dropped and counted; no session in 60 s', async () => {
    const { sim, nodes } = await makeScenario({ nodes: 12, seedBase: 15_200 });
    sim.runFor(5_000);
    const [a, b] = [nodes[3]!, nodes[8]!];
    befriendWith(sim, a, b, 'RefusingToConnect');
    bKnowsA(sim, a, b);
    sim.runFor(60_000);
    expect(progress(a, b)).toBe('AwaitingDHTKey');
    expect(progress(b, a)).not.toBe('Established');
    const drops = a.engine.counters;
    expect(drops.get('drop.policy.dhtpk_onion')).toBeGreaterThan(0);
    expect(drops.get('drop.policy.dhtpk_dhtRoute')).toBeGreaterThan(0);
    expect(drops.get('drop.policy.cookie_request')).toBeGreaterThan(0);
    expect(drops.get('dhtpk.accepted_onion') + drops.get('dhtpk.accepted_dhtRoute')).toBe(0);
    expect(drops.get('net_crypto.cookie_responses_sent')).toBe(0);
    expect(outreach(a)).toEqual(NONE);
    expect(a.events.filter((e) => e.type === 'friend_online')).toEqual([]);
    // Back to trying: they connect.
    a.engine.setFriendPolicy(sim.now, b.engine.selfHex, 'TryingToConnect');
    sim.flush([a]);
    expect(sim.runUntilTrue(() => established(a, b), 30_000)).toBe(true);
    expect(handlerErrors(nodes), firstHandlerError(nodes) ?? '').toBe(0);
  });
});

describe('friend policy in the profile', () => {
  it('an engine saves its friends’ policies and a new engine from that profile has them (tasks Idle from the start)', async () => {
    const crypto = await loadCrypto();
    const random = seededRandom(15_300);
    const base = newProfile(crypto, random);
    const start = profileStart(base);
    const e = new Engine({ crypto, random, identity: start.identity, nospam: start.nospam, friends: [] });
    const keys = [1, 2, 3].map((n) => crypto.publicKeyFromSecret(new Uint8Array(32).fill(n)));
    for (const k of keys) e.addFriend(0, k);
    e.start(0);
    const hex = keys.map((k) => e.friends.get(Buffer.from(k).toString('hex'))!.pkHex);
    e.setFriendPolicy(1, hex[0]!, 'OpenToConnect');
    e.setFriendPolicy(1, hex[2]!, 'RefusingToConnect');
    const bytes = serializeSavedata(profileOf(e, base));
    const parsed = parseSavedata(crypto, bytes);
    if (!parsed.ok) throw new Error(parsed.error);
    const again = profileStart(parsed.value);
    expect(again.friends.map((f) => f.policy)).toEqual(['OpenToConnect', 'TryingToConnect', 'RefusingToConnect']);
    const e2 = new Engine({ crypto, random: seededRandom(15_301), identity: again.identity, nospam: again.nospam, friends: again.friends });
    e2.start(0);
    expect(hex.map((h) => e2.friends.get(h)!.policy)).toEqual(['OpenToConnect', 'TryingToConnect', 'RefusingToConnect']);
    expect(hex.map((h) => e2.actors.get(actorKeys.dhtkey(e2.selfHex, h))!.snapshot.value === 'Idle')).toEqual([true, false, true]);
    // Saved again unchanged, byte for byte; with every policy back to the default, no policy section at all.
    expect(Buffer.from(serializeSavedata(profileOf(e2, parsed.value))).equals(Buffer.from(bytes))).toBe(true);
    for (const h of hex) e2.setFriendPolicy(2, h, 'TryingToConnect');
    const plain = serializeSavedata(profileOf(e2, parsed.value));
    expect(plain.length).toBe(bytes.length - 8 - 1 - 2 * 33);
    expect(Buffer.from(plain).includes(Buffer.from([0x74, 0x73, 0xce, 0x01]))).toBe(false);
  });
});
