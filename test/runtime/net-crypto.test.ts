/**
 * net_crypto on the simulated network: two friends that know each other's DHT key and address
 * reach Established; liveness (ALIVE keeps it, 32 s of silence ends it); the kill packet;
 * simultaneous handshakes; a friend restarting with a new DHT key; lossy links.
 */
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { bothEstablished, eventsOf, introduce, makeFriendEngine, makePair, progress, tap } from './net-crypto-helpers.js';

describe('net_crypto sessions', () => {
  it('two friends that know each other reach Established on both sides within a few round trips', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    introduce(sim, a, b);
    const t0 = sim.now;
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    // cookie request → response → handshake → handshake + confirm → confirm: a few 5 ms hops.
    expect(sim.now - t0).toBeLessThan(100);
    expect(eventsOf(a, 'friend_online').map((e) => e.friend)).toEqual([b.engine.selfHex]);
    expect(eventsOf(b, 'friend_online').map((e) => e.friend)).toEqual([a.engine.selfHex]);
    // Alice went through the whole ladder; Bob accepted her handshake from AwaitingDHTKey.
    expect(eventsOf(a, 'progress').map((e) => e.state)).toEqual(['AwaitingDHTKey', 'AcquiringIPAddress', 'AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket', 'Established']);
    expect(eventsOf(b, 'progress').map((e) => e.state)).toEqual(['AwaitingDHTKey', 'AwaitingSessionPacket', 'Established']);
    expect(a.engine.counters.get('net_crypto.cookie_requests_sent')).toBe(1);
    expect(b.engine.counters.get('net_crypto.cookie_responses_sent')).toBe(1);
    expect(a.engine.counters.get('error.handler')).toBe(0);
    expect(b.engine.counters.get('error.handler')).toBe(0);
    // The messenger exchange followed: each side learned the other's name and status message.
    sim.runFor(100);
    expect(eventsOf(a, 'friend_name').map((e) => e.name)).toEqual(['bob']);
    expect(eventsOf(b, 'friend_status_message').map((e) => e.statusMessage)).toEqual(["alice's status"]);
    expect(a.engine.messenger.isPeerOnline(a.engine.friends.get(b.engine.selfHex)!)).toBe(true);
  });

  it('ALIVE keeps the session for minutes; 32 s of silence ends it on both sides', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(180_000);
    expect(bothEstablished(p)).toBe(true);
    expect(a.engine.counters.get('messenger.alive_received')).toBeGreaterThanOrEqual(20);
    // Cut the link: no ALIVE gets through any more.
    sim.partition([[a], [b]]);
    const cut = sim.now;
    sim.runUntilTrue(() => eventsOf(a, 'friend_offline').length > 0 && eventsOf(b, 'friend_offline').length > 0, 60_000);
    const offA = eventsOf(a, 'friend_offline')[0]!;
    const offB = eventsOf(b, 'friend_offline')[0]!;
    expect(offA.reason).toBe('timed out');
    expect(offB.reason).toBe('timed out');
    // The last ALIVE arrived at most 8 s before the cut, so the timeout falls 24..32 s after it.
    expect(offA.t - cut).toBeGreaterThan(23_000);
    expect(offA.t - cut).toBeLessThanOrEqual(32_000);
    expect(a.engine.netCrypto.connection(b.engine.selfHex)?.confirmed ?? false).toBe(false);
  });

  it('a kill packet ends the session at once on the other side', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(2_000);
    const killAt = sim.now;
    a.engine.removeFriend(sim.now, b.engine.selfHex);
    sim.flush([a]);
    expect(a.engine.counters.get('net_crypto.kills_sent')).toBe(1);
    sim.runUntilTrue(() => eventsOf(b, 'friend_offline').length > 0, 1_000);
    const off = eventsOf(b, 'friend_offline')[0]!;
    expect(off.reason).toBe('kill packet received');
    expect(off.t - killAt).toBeLessThanOrEqual(10);
    expect(b.engine.counters.get('net_crypto.kills_received')).toBe(1);
    // Bob tries again; Alice no longer has him as a friend and gives him no cookie.
    sim.runFor(3_000);
    expect(progress(b, a)).not.toBe('Established');
    expect(a.engine.counters.get('drop.net_crypto.cookie_request_not_friend')).toBeGreaterThan(0);
  });

  it('simultaneous handshakes (both sides start at once) end in one session on each side', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    const tapA = tap(a.engine);
    introduce(sim, a, b);
    introduce(sim, b, a);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(2_000);
    expect(bothEstablished(p)).toBe(true);
    // Both sides asked for a cookie and sent a handshake before seeing the other's: the
    // handshakes crossed, and each side took the other's in AwaitingHandshake (HANDSHAKE_SENT).
    const ladder = ['AwaitingDHTKey', 'AcquiringIPAddress', 'AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket', 'Established'];
    expect(eventsOf(a, 'progress').map((e) => e.state)).toEqual(ladder);
    expect(eventsOf(b, 'progress').map((e) => e.state)).toEqual(ladder);
    expect(a.engine.counters.get('net_crypto.cookie_requests_sent')).toBe(1);
    expect(b.engine.counters.get('net_crypto.cookie_requests_sent')).toBe(1);
    expect(tapA.filter((t) => t.data[0] === 0x1a)).toHaveLength(1);
    expect(a.engine.counters.get('net_crypto.handshakes_adopted')).toBe(1);
    expect(b.engine.counters.get('net_crypto.handshakes_adopted')).toBe(1);
    expect(eventsOf(a, 'friend_online')).toHaveLength(1);
    expect(eventsOf(b, 'friend_online')).toHaveLength(1);
    // Messages flow over the session both ended up with.
    a.engine.messenger.sendMessage(b.engine.selfHex, 'ping');
    b.engine.messenger.sendMessage(a.engine.selfHex, 'pong');
    sim.flush();
    sim.runFor(100);
    expect(eventsOf(b, 'message').map((m) => m.text)).toEqual(['ping']);
    expect(eventsOf(a, 'message').map((m) => m.text)).toEqual(['pong']);
    expect(a.engine.counters.get('drop.net_crypto.data_invalid') + b.engine.counters.get('drop.net_crypto.data_invalid')).toBe(0);
  });

  it('connects across every seed with simultaneous starts and random latency', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const p = await makePair({ latencyMs: 3, jitterMs: 20, seed }, [100 + seed, 200 + seed]);
      introduce(p.sim, p.a, p.b);
      p.sim.runFor(seed % 3);
      introduce(p.sim, p.b, p.a);
      expect(p.sim.runUntilTrue(() => bothEstablished(p), 20_000), `seed ${seed}`).toBe(true);
      p.sim.runFor(20_000);
      expect(bothEstablished(p), `seed ${seed} stays up`).toBe(true);
    }
  });

  it('connects through 30% loss and duplication, then carries messages exactly once and in order', async () => {
    const p = await makePair({ latencyMs: 10, jitterMs: 30, loss: 0.3, duplicate: 0.2, seed: 99 });
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 60_000)).toBe(true);
    sim.runFor(500);
    const sent: number[] = [];
    for (let i = 0; i < 40; i++) sent.push(a.engine.messenger.sendMessage(b.engine.selfHex, `m${i}`));
    sim.flush([a]);
    sim.runUntilTrue(() => eventsOf(a, 'receipt').length === 40, 60_000);
    expect(eventsOf(b, 'message').map((m) => m.text)).toEqual(sent.map((_, i) => `m${i}`));
    expect(eventsOf(a, 'receipt').map((r) => r.id)).toEqual(sent);
    expect(b.engine.counters.get('drop.net_crypto.data_duplicate')).toBeGreaterThan(0);
    expect(a.engine.counters.get('net_crypto.resent')).toBeGreaterThan(0);
  });

  it('a friend that restarts (new DHT key, same address) replaces the old session', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(1_000);
    // Bob restarts: same identity (seed), a new DHT key.
    const restarted = await makeFriendEngine(22, 'bob', [a.engine.keys.real.publicKey], { dhtKeyPair: generateKeyPair(p.crypto, seededRandom(2222)) });
    expect(restarted.selfHex).toBe(b.engine.selfHex);
    expect(restarted.keys.dhtPkHex).not.toBe(b.engine.keys.dhtPkHex);
    const b2 = sim.replace(b, restarted);
    // The restarted Bob finds Alice again and handshakes with its new DHT key.
    introduce(sim, b2, a);
    expect(sim.runUntilTrue(() => progress(a, b2) === 'Established' && progress(b2, a) === 'Established' && eventsOf(a, 'friend_online').length === 2, 10_000)).toBe(true);
    expect(eventsOf(a, 'friend_offline').map((e) => e.reason)).toEqual(['friend has a new DHT key (restart)']);
    expect(a.engine.counters.get('net_crypto.handshakes_restart')).toBe(1);
    expect(a.engine.netCrypto.connection(b2.engine.selfHex)?.peerDhtHex).toBe(restarted.keys.dhtPkHex);
    a.engine.messenger.sendMessage(b2.engine.selfHex, 'welcome back');
    sim.flush([a]);
    sim.runFor(100);
    expect(eventsOf(b2, 'message').map((m) => m.text)).toEqual(['welcome back']);
  });
});
