/**
 * The seed's third source of a friend's DHT key: "DHTKey: receive dht message from SockAddr".
 * A friend crashed and, once its DHT key was forgotten (122 s unconfirmed), came back at the
 * same address with a new DHT key. Its first DHT packet to us comes from the address where its
 * session last was: we ask that node back, and its answer offers the new key to the session as
 * a `dhtMessage` — the weakest source, taken because no fresh key is held. The session then
 * checks it the usual way (the key's own DHT node answers, cookie, handshake) and is online
 * again long before the friend's DHT-PK would arrive over the onion.
 */
import { describe, expect, it } from 'vitest';
import { befriend, established, makeScenario, progress } from './helpers.js';

describe('a DHT message from a friend\'s last address names its new DHT key', () => {
  it('after a crash and restart at the same address, the DHT key comes from a DHT message first and the pair reconnects', async () => {
    const net = await makeScenario({ nodes: 24, seedBase: 7700 });
    const { sim, nodes } = net;
    const [a, b] = [nodes[6]!, nodes[15]!];
    befriend(sim, a, b);
    expect(sim.runUntilTrue(() => established(a, b), 15_000)).toBe(true);
    // b crashes (no kill packet): a times out after 32 s and forgets b's DHT key 122 s later.
    sim.remove(b);
    sim.runFor(170_000);
    expect(progress(a, b)).toBe('AwaitingDHTKey');

    const learned: Array<{ at: number; source: string; dhtKey: string }> = [];
    const engine = a.engine as unknown as { deliverToSession(f: string, e: { type: string; dhtKey?: string; source?: string }): void };
    const deliver = engine.deliverToSession.bind(engine);
    engine.deliverToSession = (friendHex, event) => {
      if (event.type === 'dhtKey.learned') learned.push({ at: sim.now, source: event.source!, dhtKey: event.dhtKey! });
      deliver(friendHex, event);
    };

    const restarted = net.engine(7799, { identity: b.engine.keys.real, nospam: b.engine.nospam, friends: [{ pk: a.engine.keys.real.publicKey }] });
    const start = sim.now;
    const b2 = sim.add(restarted, b.address);
    restarted.bootstrap(sim.now, a.address, a.engine.keys.dht.publicKey);
    sim.flush([b2]);
    expect(sim.runUntilTrue(() => established(a, b2), 10_000)).toBe(true);
    console.log(`restart at the same address: online again ${sim.now - start} ms later; DHT key sources in order: ${learned.map((l) => l.source).join(', ')}`);

    expect(learned[0]).toMatchObject({ source: 'dhtMessage', dhtKey: restarted.keys.dhtPkHex });
    expect(a.engine.counters.get('dht.dhtkey_from_friend_address')).toBeGreaterThan(0);
    const session = a.engine.actors.get(`session:${b2.engine.selfHex}`)!.snapshot.context as { dhtKey: { value: string; source: string } };
    expect(session.dhtKey.value).toBe(restarted.keys.dhtPkHex);
    // Once the handshake came, the key is held on the strongest evidence.
    expect(session.dhtKey.source).toBe('handshake');
  });

  it('a refusing friend\'s old address names no DHT key: its DHT messages are never offered to its session', async () => {
    const net = await makeScenario({ nodes: 24, seedBase: 7800 });
    const { sim, nodes } = net;
    const [a, b] = [nodes[6]!, nodes[15]!];
    befriend(sim, a, b);
    expect(sim.runUntilTrue(() => established(a, b), 15_000)).toBe(true);
    sim.remove(b);
    sim.runFor(170_000);
    a.engine.setFriendPolicy(sim.now, b.engine.selfHex, 'RefusingToConnect');
    const learned: string[] = [];
    const engine = a.engine as unknown as { deliverToSession(f: string, e: { type: string; source?: string }): void };
    const deliver = engine.deliverToSession.bind(engine);
    engine.deliverToSession = (friendHex, event) => {
      if (event.type === 'dhtKey.learned') learned.push(event.source!);
      deliver(friendHex, event);
    };
    const restarted = net.engine(7899, { identity: b.engine.keys.real, nospam: b.engine.nospam, friends: [{ pk: a.engine.keys.real.publicKey }] });
    const b2 = sim.add(restarted, b.address);
    restarted.bootstrap(sim.now, a.address, a.engine.keys.dht.publicKey);
    sim.flush([b2]);
    sim.runFor(5_000);
    // Switching to RefusingToConnect forgets where the friend's session was, so nothing at that address is asked back for it.
    expect(a.engine.counters.get('dht.dhtkey_from_friend_address')).toBe(0);
    expect(learned).not.toContain('dhtMessage');
    expect(progress(a, b2)).toBe('AwaitingDHTKey');
  });
});
