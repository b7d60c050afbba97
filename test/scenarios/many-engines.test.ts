/**
 * Issue 7 — many toxstate engines in one process, on the simulated network (virtual clock,
 * seeded, no real sleeps): a thousand nodes and their friend pairs all connect, and by when;
 * nodes join and leave while sessions carry on; a friend restarts with a new DHT key and
 * address; a laptop is suspended for 10 minutes (c-toxcore issue #2080) and its friend is
 * Established again within 30 s of it waking; a partition splits the network and heals.
 * (1,000 nodes is the largest here; 10,000 is the `sim-size` benchmark.)
 * Every engine's handler stays clean.
 */
import { describe, expect, it } from 'vitest';
import type { SimNode } from '../../runtime/adapters/sim-network.js';
import { befriend, established, firstHandlerError, handlerErrors, makeScenario, PairWatch, pairUp, progress } from './helpers.js';

const clean = (nodes: readonly SimNode[]): void => {
  expect(handlerErrors(nodes), firstHandlerError(nodes) ?? '').toBe(0);
};

describe('many engines in one process', () => {
  it('200 nodes and 40 friend pairs, befriended at once, all connect within 15 s of virtual time', async () => {
    const { sim, nodes } = await makeScenario({ nodes: 200, seedBase: 7100, recordEvents: false });
    const pairs = pairUp(nodes, 40, 4);
    for (const [a, b] of pairs) befriend(sim, a, b);
    const watch = new PairWatch(sim, pairs);
    expect(sim.runUntilTrue(() => watch.all(), 15_000), `${watch.count()}/40 pairs Established`).toBe(true);
    console.log(`200 nodes, 40 pairs: half connected by ${watch.firstOnlineQuantile(0.5)} ms, all by ${watch.firstOnlineQuantile(1)} ms (virtual)`);
    // And they stay connected.
    sim.runFor(30_000);
    expect(watch.count()).toBe(40);
    expect(watch.offlineAt.every((t) => t === null)).toBe(true);
    clean(nodes);
  }, 180_000);

  it('1,000 nodes and 200 friend pairs, befriended at once, all connect within 20 s of virtual time', async () => {
    const { sim, nodes } = await makeScenario({ nodes: 1000, seedBase: 7000, recordEvents: false });
    const pairs = pairUp(nodes, 200, 8);
    for (const [a, b] of pairs) befriend(sim, a, b);
    const watch = new PairWatch(sim, pairs);
    expect(sim.runUntilTrue(() => watch.all(), 20_000), `${watch.count()}/200 pairs Established`).toBe(true);
    console.log(`1,000 nodes, 200 pairs: half connected by ${watch.firstOnlineQuantile(0.5)} ms, all by ${watch.firstOnlineQuantile(1)} ms (virtual)`);
    clean(nodes);
  }, 300_000);

  it('nodes join and leave while sessions carry on; pairs among the newcomers connect', async () => {
    const net = await makeScenario({ nodes: 120, seedBase: 7200, recordEvents: false });
    const { sim, nodes } = net;
    const pairs = pairUp(nodes, 20, 4);
    for (const [a, b] of pairs) befriend(sim, a, b);
    const watch = new PairWatch(sim, pairs);
    expect(sim.runUntilTrue(() => watch.all(), 20_000)).toBe(true);
    // 40 nodes that are neither bootstrap nodes nor friends leave, one every 2 s, while 40
    // newcomers join through the bootstrap nodes; every other newcomer befriends the one before.
    const leaving = nodes.slice(60, 100);
    const joined: SimNode[] = [];
    const newPairs: Array<[SimNode, SimNode]> = [];
    for (let i = 0; i < 40; i++) {
      sim.remove(leaving[i]!);
      // Seeds 7320.. : the network's own nodes use 7200..7319, and a newcomer with the seed of a
      // node still running would be its twin (same long-term and DHT keys at two addresses).
      const n = sim.join(net.engine(7320 + i), [net.bootstrap[i % net.bootstrap.length]!]);
      joined.push(n);
      if (i % 2 === 1) {
        befriend(sim, joined[i - 1]!, n);
        newPairs.push([joined[i - 1]!, n]);
      }
      sim.runFor(2_000);
    }
    const newWatch = new PairWatch(sim, newPairs);
    expect(sim.runUntilTrue(() => newWatch.all(), 30_000), `${newWatch.count()}/20 new pairs`).toBe(true);
    sim.runFor(60_000);
    // The old pairs never went offline; the new ones are up.
    expect(watch.count()).toBe(20);
    expect(watch.offlineAt.every((t) => t === null)).toBe(true);
    expect(newWatch.count()).toBe(20);
    clean([...nodes, ...joined]);
  }, 180_000);

  it('a friend that restarts with a new DHT key at a new address is reconnected within 20 s', async () => {
    const net = await makeScenario({ nodes: 60, seedBase: 7400 });
    const { sim, nodes } = net;
    const [a, b] = [nodes[10]!, nodes[30]!];
    befriend(sim, a, b);
    expect(sim.runUntilTrue(() => established(a, b), 10_000)).toBe(true);
    sim.runFor(30_000);
    const oldDhtKey = b.engine.keys.dhtPkHex;
    // The restart: same long-term identity and friend list, a fresh DHT key (as every c-toxcore
    // start makes), and a new address (another port after a reboot).
    const restarted = net.engine(7499, { identity: b.engine.keys.real, nospam: b.engine.nospam, friends: [{ pk: a.engine.keys.real.publicKey }] });
    expect(restarted.keys.dhtPkHex).not.toBe(oldDhtKey);
    const at = sim.now;
    const b2 = sim.replace(b, restarted, { ...b.address, port: 40000 });
    restarted.bootstrap(sim.now, net.bootstrap[0]!.address, net.bootstrap[0]!.engine.keys.dht.publicKey);
    sim.flush([b2]);
    expect(sim.runUntilTrue(() => established(a, b2), 20_000)).toBe(true);
    console.log(`friend restarted with a new DHT key and address: Established again ${sim.now - at} ms later`);
    // A dropped the old session for the new one (kill or timeout) and now talks to the new key.
    const session = a.engine.actors.get(`session:${b2.engine.selfHex}`)!.snapshot.context as { dhtKey: { value: string }; address: { value: string; source: string } };
    expect(session.dhtKey.value).toBe(restarted.keys.dhtPkHex);
    expect(session.address.value).toContain(':40000');
    expect(session.address.source).toBe('sessionPacket');
    sim.runFor(60_000);
    expect(established(a, b2)).toBe(true);
    clean(nodes);
  });

  it('a laptop suspended for 10 minutes is Established with its friend again within 30 s of waking', async () => {
    const { sim, nodes } = await makeScenario({ nodes: 40, seedBase: 7500 });
    const [a, laptop] = [nodes[8]!, nodes[20]!];
    befriend(sim, a, laptop);
    expect(sim.runUntilTrue(() => established(a, laptop), 10_000)).toBe(true);
    sim.runFor(60_000);
    sim.suspend(laptop, 10 * 60_000);
    // While it sleeps its friend times out and searches for it.
    sim.runFor(60_000);
    expect(progress(a, laptop)).not.toBe('Established');
    sim.runFor(9 * 60_000 - 1);
    expect(laptop.suspendedUntil).not.toBeNull();
    const wake = laptop.suspendedUntil!;
    sim.runUntil(wake);
    expect(sim.runUntilTrue(() => established(a, laptop), 30_000)).toBe(true);
    console.log(`laptop suspended 10 min: Established again ${sim.now - wake} ms after waking`);
    sim.runFor(60_000);
    expect(established(a, laptop)).toBe(true);
    clean(nodes);
  });

  it('a partition splits the network for 2 minutes: pairs inside each half stay up, pairs across it reconnect within 60 s of the heal', async () => {
    const { sim, nodes } = await makeScenario({ nodes: 60, seedBase: 7600, recordEvents: false, bootstrapPool: 8 });
    // Halves by index parity: each half has bootstrap nodes (0, 2, 4, 6 and 1, 3, 5, 7).
    const left = nodes.filter((n) => n.id % 2 === 0);
    const right = nodes.filter((n) => n.id % 2 === 1);
    const inside: Array<[SimNode, SimNode]> = [];
    const across: Array<[SimNode, SimNode]> = [];
    for (let i = 0; i < 6; i++) {
      inside.push([left[10 + 2 * i]!, left[11 + 2 * i]!], [right[10 + 2 * i]!, right[11 + 2 * i]!]);
      across.push([left[22 + i]!, right[22 + i]!]);
    }
    for (const [a, b] of [...inside, ...across]) befriend(sim, a, b);
    const insideWatch = new PairWatch(sim, inside);
    const acrossWatch = new PairWatch(sim, across);
    expect(sim.runUntilTrue(() => insideWatch.all() && acrossWatch.all(), 20_000)).toBe(true);
    sim.runFor(30_000);
    sim.partition([left, right]);
    sim.runFor(120_000);
    expect(acrossWatch.count()).toBe(0);
    expect(insideWatch.count()).toBe(12);
    const healed = sim.now;
    sim.heal();
    expect(sim.runUntilTrue(() => acrossWatch.all(), 60_000), `${acrossWatch.count()}/6 pairs across`).toBe(true);
    console.log(`partition healed: all pairs across it Established again ${sim.now - healed} ms later`);
    expect(insideWatch.offlineAt.every((t) => t === null)).toBe(true);
    clean(nodes);
  }, 180_000);
});
