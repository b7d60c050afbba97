/**
 * Faults on the simulated demo network (4 DHT nodes, Alice and Bob Established), whole stack:
 * the peer vanishes (offline 24–32 s after its last ALIVE) and comes back; a kill packet; a DHT
 * key change (restart); the network disappears and returns; the clock jumps forward (suspend).
 * After each, the pair reconnects by itself (onion search, DHT-PK, DHT search, handshakes),
 * no layer throws, and no deadline is left in the past. The process-level fault (kill -9 during
 * profile saves) is test/reliability/kill-save.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import type { SimNode } from '../../runtime/adapters/sim-network.js';
import { Engine } from '../../runtime/engine.js';
import { generateKeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { demoIdentity, type DemoNetwork } from '../../runtime/scenarios/demo-network.js';
import { bothEstablished, establishedDemo } from '../../harness/reliability/lib.js';

const offline = (n: SimNode): Array<{ reason: string; t: number }> =>
  n.events.filter((e): e is Extract<SimNode['events'][number], { type: 'friend_offline' }> => e.type === 'friend_offline').map((e) => ({ reason: e.reason, t: e.t }));

function healthy(demo: DemoNetwork): void {
  for (const d of demo.nodes) {
    const e = d.node.engine;
    expect(e.counters.get('error.handler'), `${d.name}: ${e.lastError ?? ''}`).toBe(0);
    expect(e.counters.get('error.timer_loop'), d.name).toBe(0);
    expect(e.counters.get('error.step_loop'), d.name).toBe(0);
    // The tick loop leaves no deadline in the past.
    if (d.node.up && d.node.suspendedUntil === null) expect(e.nextDeadline()?.at ?? Infinity, d.name).toBeGreaterThanOrEqual(e.now);
  }
}

describe('faults', () => {
  it('the peer vanishes: offline 24–32 s after its last ALIVE; when it returns the pair reconnects', async () => {
    const demo = establishedDemo(await loadCrypto());
    const { sim, alice, bob } = demo;
    const gone = sim.now;
    sim.setUp(bob.node, false);
    expect(sim.runUntilTrue(() => offline(alice.node).length > 0, 40_000)).toBe(true);
    const off = offline(alice.node)[0]!;
    expect(off.reason).toBe('timed out');
    expect(off.t - gone).toBeGreaterThan(23_000);
    expect(off.t - gone).toBeLessThanOrEqual(32_000);
    sim.runFor(30_000);
    sim.setUp(bob.node, true);
    const back = sim.now;
    expect(sim.runUntilTrue(() => bothEstablished(demo), 120_000)).toBe(true);
    expect(sim.now - back).toBeLessThan(60_000);
    healthy(demo);
  });

  it('a kill packet: offline at once; when the friend is added back the pair reconnects', async () => {
    const demo = establishedDemo(await loadCrypto());
    const { sim, alice, bob } = demo;
    const t = sim.now;
    bob.node.engine.removeFriend(sim.now, alice.node.engine.selfHex);
    sim.flush([bob.node]);
    expect(sim.runUntilTrue(() => offline(alice.node).length > 0, 5_000)).toBe(true);
    expect(offline(alice.node)[0]).toEqual({ reason: 'kill packet received', t: expect.any(Number) as number });
    expect(offline(alice.node)[0]!.t - t).toBeLessThan(100);
    sim.runFor(10_000);
    expect(bothEstablished(demo)).toBe(false);
    bob.node.engine.addFriend(sim.now, alice.node.engine.keys.real.publicKey);
    sim.flush([bob.node]);
    const re = sim.now;
    expect(sim.runUntilTrue(() => bothEstablished(demo), 120_000)).toBe(true);
    expect(sim.now - re).toBeLessThan(60_000);
    healthy(demo);
  });

  it('a DHT key change (the friend restarts with a new DHT key): the old session ends, the new key is learnt, the pair reconnects', async () => {
    const crypto = await loadCrypto();
    const demo = establishedDemo(crypto);
    const { sim, alice, bob } = demo;
    const oldDht = bob.node.engine.keys.dhtPkHex;
    // Bob's identity as createDemoNetwork made it (seed 2026 × 100 + 101), a new DHT key pair.
    const id = demoIdentity(crypto, 'Bob', 2026 * 100 + 101);
    const restarted = new Engine({
      crypto,
      random: id.random,
      identity: id.keys,
      nospam: id.nospam,
      name: 'Bob',
      friends: [{ pk: alice.node.engine.keys.real.publicKey }],
      dhtKeyPair: generateKeyPair(crypto, seededRandom(99)),
    });
    expect(restarted.selfHex).toBe(bob.node.engine.selfHex);
    const first = demo.nodes[0]!.node;
    const b2 = sim.replace(bob.node, restarted);
    restarted.bootstrap(sim.now, first.address, first.engine.keys.dht.publicKey);
    sim.flush([b2]);
    const t = sim.now;
    const reconnected = (): boolean =>
      alice.node.engine.progressOf(restarted.selfHex) === 'Established' && restarted.progressOf(alice.node.engine.selfHex) === 'Established' && offline(alice.node).length > 0;
    expect(sim.runUntilTrue(reconnected, 120_000)).toBe(true);
    expect(sim.now - t).toBeLessThan(60_000);
    expect(alice.node.engine.netCrypto.connection(restarted.selfHex)?.peerDhtHex).toBe(restarted.keys.dhtPkHex);
    expect(restarted.keys.dhtPkHex).not.toBe(oldDht);
    expect(['friend has a new DHT key (restart)', 'timed out']).toContain(offline(alice.node)[0]!.reason);
    healthy(demo);
  });

  it('the network disappears for 3 minutes and returns: offline, unannounced, then connected and announced again', async () => {
    const demo = establishedDemo(await loadCrypto());
    const { sim, alice, bob } = demo;
    const rest = demo.nodes.map((d) => d.node).filter((n) => n !== alice.node);
    sim.partition([[alice.node], rest]);
    sim.runFor(180_000);
    expect(offline(alice.node).map((o) => o.reason)).toEqual(['timed out']);
    expect(alice.node.events.some((e) => e.type === 'unannounced')).toBe(true);
    expect(alice.node.engine.dht.goodCount).toBe(0);
    sim.heal();
    const back = sim.now;
    const announcedAgain = (): boolean => alice.node.events.filter((e) => e.type === 'announced' && e.t >= back).length > 0;
    expect(sim.runUntilTrue(() => bothEstablished(demo) && announcedAgain(), 180_000)).toBe(true);
    expect(sim.now - back).toBeLessThan(90_000);
    expect(alice.node.engine.dht.goodCount).toBeGreaterThan(0);
    void bob;
    healthy(demo);
  });

  it('the clock jumps forward 10 minutes (suspend): every timer catches up in a bounded loop and the pair reconnects', async () => {
    const demo = establishedDemo(await loadCrypto());
    const { sim, alice, bob } = demo;
    const before = alice.node.engine.journal.lastSeq;
    sim.suspend(alice.node, 600_000);
    sim.runFor(600_000);
    expect(offline(bob.node).map((o) => o.reason)).toEqual(['timed out']);
    // Alice wakes with her deadlines 10 minutes in the past.
    sim.runFor(1);
    const e = alice.node.engine;
    expect(e.counters.get('error.timer_loop')).toBe(0);
    expect(e.nextDeadline()?.at ?? Infinity).toBeGreaterThanOrEqual(e.now);
    // Catching up took a handful of steps, not one per missed period.
    expect(e.journal.lastSeq - before).toBeLessThan(200);
    const woke = sim.now;
    expect(sim.runUntilTrue(() => bothEstablished(demo), 120_000)).toBe(true);
    expect(sim.now - woke).toBeLessThan(60_000);
    healthy(demo);
  });
});
