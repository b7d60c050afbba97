/**
 * The per-friend policy in the runtime (Engine.setFriendPolicy; machines/types.ts FriendPolicy):
 * the API checks its arguments and reports the change; the friend's tasks hear it at once; the
 * gates where a friend's packets enter — net_crypto's cookie responder and handshake, the
 * engine's DHT-PK intake, the messenger, friend requests — drop what comes from a
 * RefusingToConnect friend, each under its own `drop.policy.*` counter, and answer an
 * OpenToConnect friend; switching to RefusingToConnect ends a session that is up.
 * Raw packets (RawPeer) for the gates, two engines on the simulated network for sessions.
 */
import { describe, expect, it } from 'vitest';
import type { IpPort } from '../../protocol/ip-port.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { actorKeys } from '../../runtime/engine.js';
import type { FriendPolicy } from '../../machines/index.js';
import { bothEstablished, eventsOf, introduce, makeFriendEngine, makePair, progress, RawPeer } from './net-crypto-helpers.js';

const addr = (n: number): IpPort => ({ family: 'ipv4', ip: `127.2.0.${n}`, port: 41000 + n });

/** An engine with one friend, `raw`, under `policy`, started at 0. */
async function engineWith(raw: RawPeer, policy: FriendPolicy, seed = 77) {
  const e = await makeFriendEngine(seed, 'alice', [], { friends: [{ pk: raw.real.publicKey, policy }] });
  e.start(0);
  e.takeEvents();
  return e;
}

describe('setFriendPolicy: the API', () => {
  it('refuses a bad friend key, a stranger and a bad policy with an error naming the argument, and changes nothing', async () => {
    const { a, b } = await makePair();
    const e = a.engine;
    const bob = b.engine.selfHex;
    expect(() => e.setFriendPolicy(0, 'xyz', 'OpenToConnect')).toThrow(/^setFriendPolicy: friendHex must be a friend's public key, 64 hex characters; got "xyz"$/);
    expect(() => e.setFriendPolicy(0, 42 as never, 'OpenToConnect')).toThrow(/^setFriendPolicy: friendHex must be .*; got 42$/);
    expect(() => e.setFriendPolicy(0, 'ab'.repeat(32), 'OpenToConnect')).toThrow(/^setFriendPolicy: friendHex (ab){32} is not a friend$/);
    expect(() => e.setFriendPolicy(0, bob, 'Open' as never)).toThrow(/^setFriendPolicy: policy must be one of TryingToConnect, OpenToConnect, RefusingToConnect; got "Open"$/);
    expect(() => e.setFriendPolicy(0, bob, undefined as never)).toThrow(/^setFriendPolicy: policy must be one of .*; got undefined$/);
    expect(e.friends.get(bob)!.policy).toBe('TryingToConnect');
    expect(e.takeEvents().filter((x) => x.type === 'friend_policy' || x.type === 'profile_changed')).toEqual([]);
  });

  it('sets the policy (upper-case hex too), reports friend_policy and profile_changed once per change, and the tasks hear it at once', async () => {
    const { sim, a, b } = await makePair();
    const e = a.engine;
    const bob = b.engine.selfHex;
    const connect = actorKeys.connect(e.selfHex, bob);
    const dhtkey = actorKeys.dhtkey(e.selfHex, bob);
    e.takeEvents();
    e.setFriendPolicy(sim.now, bob.toUpperCase(), 'OpenToConnect');
    expect(e.friends.get(bob)!.policy).toBe('OpenToConnect');
    expect(e.policyOf(bob)).toBe('OpenToConnect');
    expect(e.takeEvents().map((x) => x.type)).toEqual(['friend_policy', 'profile_changed']);
    // No tick, no datagram: the facts went out with the command.
    expect((e.actors.get(connect)!.snapshot.context as { policy: string }).policy).toBe('OpenToConnect');
    expect((e.actors.get(dhtkey)!.snapshot.context as { policy: string }).policy).toBe('OpenToConnect');
    expect(e.actors.get(dhtkey)!.snapshot.value).toBe('Idle');
    // The same policy again: nothing.
    e.setFriendPolicy(sim.now, bob, 'OpenToConnect');
    expect(e.takeEvents()).toEqual([]);
    e.setFriendPolicy(sim.now, bob, 'TryingToConnect');
    const ev = e.takeEvents();
    expect(ev[0]).toMatchObject({ type: 'friend_policy', friend: bob, policy: 'TryingToConnect' });
    expect((e.actors.get(connect)!.snapshot.context as { policy: string }).policy).toBe('TryingToConnect');
    expect(e.actors.get(dhtkey)!.snapshot.value).not.toBe('Idle');
  });

  it('a friend added with a policy (as from a profile) has its tasks Idle from the start', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 901, addr(1));
    for (const policy of ['OpenToConnect', 'RefusingToConnect'] as const) {
      const e = await engineWith(raw, policy);
      expect(e.friends.get(raw.realHex)!.policy).toBe(policy);
      expect(e.actors.get(actorKeys.dhtkey(e.selfHex, raw.realHex))!.snapshot.value).toBe('Idle');
      expect(e.actors.get(actorKeys.connect(e.selfHex, raw.realHex))!.snapshot.value).toBe('Idle');
    }
  });
});

describe('the gates', () => {
  it('OpenToConnect: a cookie request is answered and a handshake starts a session', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 902, addr(2));
    const e = await engineWith(raw, 'OpenToConnect');
    const cookie = raw.fetchCookie(e, 100);
    expect(cookie).not.toBeNull();
    e.handleDatagram(200, raw.address, raw.handshake(e, cookie!));
    expect(e.progressOf(raw.realHex)).toBe('AwaitingSessionPacket');
    expect(e.takeTransmits().some((t) => t.data[0] === 0x1a)).toBe(true);
    expect(e.counters.sum('drop.policy.')).toBe(0);
  });

  it('RefusingToConnect: a cookie request gets no cookie (drop.policy.cookie_request)', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 903, addr(3));
    const e = await engineWith(raw, 'RefusingToConnect');
    expect(raw.fetchCookie(e, 100)).toBeNull();
    expect(e.counters.get('drop.policy.cookie_request')).toBe(1);
    expect(e.counters.get('net_crypto.cookie_responses_sent')).toBe(0);
  });

  it('RefusingToConnect: a valid handshake with a cookie issued before the switch is dropped (drop.policy.handshake)', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 904, addr(4));
    const e = await engineWith(raw, 'TryingToConnect');
    const cookie = raw.fetchCookie(e, 100)!;
    expect(cookie).not.toBeNull();
    e.setFriendPolicy(150, raw.realHex, 'RefusingToConnect');
    e.takeTransmits();
    e.handleDatagram(200, raw.address, raw.handshake(e, cookie));
    expect(e.counters.get('drop.policy.handshake')).toBe(1);
    expect(e.progressOf(raw.realHex)).toBe('AwaitingDHTKey');
    expect(e.takeTransmits()).toEqual([]);
  });

  it('RefusingToConnect: a friend request from the friend has no effect (drop.policy.friend_request)', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 905, addr(5));
    const e = await engineWith(raw, 'RefusingToConnect');
    expect(e.messenger.receiveFriendRequest(raw.real.publicKey, e.nospam, new TextEncoder().encode('hi'), 'onion')).toBe(false);
    expect(e.counters.get('drop.policy.friend_request')).toBe(1);
    expect(e.counters.get('drop.messenger.friend_request_already_friend')).toBe(0);
    expect(e.takeEvents()).toEqual([]);
  });

  it('RefusingToConnect: a DHT-PK over the onion or a DHT route is dropped (drop.policy.dhtpk_onion, drop.policy.dhtpk_dhtRoute); Open takes it', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 906, addr(6));
    const dhtPk = { noReplay: 1_700_000_100n, dhtPk: raw.dht.publicKey, nodes: [] };
    const refusing = await engineWith(raw, 'RefusingToConnect');
    const f = refusing.friends.get(raw.realHex)!;
    refusing.onDhtPk(f, dhtPk, 'onion');
    refusing.onDhtPk(f, { ...dhtPk, noReplay: dhtPk.noReplay + 1n }, 'dhtRoute');
    refusing.flush();
    expect(refusing.counters.get('drop.policy.dhtpk_onion')).toBe(1);
    expect(refusing.counters.get('drop.policy.dhtpk_dhtRoute')).toBe(1);
    expect(f.lastNoReplay).toBe(0n);
    expect(refusing.progressOf(raw.realHex)).toBe('AwaitingDHTKey');
    const open = await engineWith(raw, 'OpenToConnect', 78);
    open.onDhtPk(open.friends.get(raw.realHex)!, dhtPk, 'onion');
    open.flush();
    expect(open.progressOf(raw.realHex)).toBe('AcquiringIPAddress');
    expect(open.counters.sum('drop.policy.')).toBe(0);
  });

  it('RefusingToConnect: session data from the friend (a message) is dropped by the messenger (drop.policy.lossless_packet)', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(200);
    // The gate alone: the record says Refusing while the session is still up (setFriendPolicy would close it).
    a.engine.friends.get(b.engine.selfHex)!.policy = 'RefusingToConnect';
    const before = eventsOf(a, 'message').length;
    expect(b.engine.sendMessage(sim.now, a.engine.selfHex, 'are you there?').ok).toBe(true);
    sim.flush([b]);
    sim.runFor(500);
    expect(eventsOf(a, 'message').length).toBe(before);
    expect(a.engine.counters.get('drop.policy.lossless_packet')).toBeGreaterThan(0);
  });
});

describe('switching to RefusingToConnect while a session is up', () => {
  it('sends a kill packet, takes the friend offline on both sides, and keeps it out; back to TryingToConnect, they connect again', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    const alice = a.engine.selfHex;
    const bob = b.engine.selfHex;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(1_000);
    const at = sim.now;
    a.engine.setFriendPolicy(sim.now, bob, 'RefusingToConnect');
    sim.flush([a]);
    expect(a.engine.counters.get('net_crypto.kills_sent')).toBe(1);
    expect(eventsOf(a, 'friend_offline').map((e) => [e.friend, e.reason])).toEqual([[bob, 'refusing to connect']]);
    expect(progress(a, b)).toBe('AwaitingDHTKey');
    expect(a.engine.netCrypto.connection(bob)).toBeUndefined();
    expect(sim.runUntilTrue(() => eventsOf(b, 'friend_offline').length > 0, 1_000)).toBe(true);
    expect(eventsOf(b, 'friend_offline')[0]!.reason).toBe('kill packet received');
    expect(eventsOf(b, 'friend_offline')[0]!.t - at).toBeLessThanOrEqual(20);
    // Bob keeps trying (he knows Alice's key and address); Alice answers none of it.
    sim.runFor(30_000);
    expect(progress(a, b)).toBe('AwaitingDHTKey');
    expect(progress(b, a)).not.toBe('Established');
    expect(a.engine.counters.get('drop.policy.cookie_request')).toBeGreaterThan(0);
    expect(eventsOf(a, 'friend_online').length).toBe(1);
    expect(a.engine.counters.get('error.handler')).toBe(0);
    // Trying again: Bob's next attempt gets through.
    a.engine.setFriendPolicy(sim.now, bob, 'TryingToConnect');
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 15_000)).toBe(true);
    expect(eventsOf(b, 'friend_online').filter((e) => e.friend === alice).length).toBe(2);
  });

  it('a session being set up is abandoned too (its connection closed, the session back to AwaitingDHTKey)', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => progress(a, b) === 'AwaitingHandshake' || progress(a, b) === 'AwaitingSessionPacket', 5_000)).toBe(true);
    a.engine.setFriendPolicy(sim.now, b.engine.selfHex, 'RefusingToConnect');
    expect(progress(a, b)).toBe('AwaitingDHTKey');
    expect(a.engine.netCrypto.connection(b.engine.selfHex)).toBeUndefined();
    expect(eventsOf(a, 'friend_online')).toEqual([]);
    expect(eventsOf(a, 'friend_offline')).toEqual([]);
    sim.runFor(10_000);
    expect(progress(a, b)).toBe('AwaitingDHTKey');
    expect(eventsOf(a, 'friend_online')).toEqual([]);
    expect(a.engine.counters.sum('drop.policy.')).toBeGreaterThan(0);
  });
});
