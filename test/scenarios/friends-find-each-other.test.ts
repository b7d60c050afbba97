/**
 * Issue 4 — friends find each other on a toxstate network: two friends among 50 nodes learn
 * each other's DHT key (over the onion) and address (DHT search), and connect; with 20% loss
 * on their links (and with 10% on every link of the network) they still do; a friend taken off the network is searched for again (its session falls back
 * to AcquiringIPAddress / AwaitingDHTKey and the dhtkey and connect tasks search) and is found
 * when it returns. Virtual clock, seeded, no real sleeps; every engine's handler stays clean.
 */
import { describe, expect, it } from 'vitest';
import { befriend, connectState, dhtkeyState, established, firstHandlerError, handlerErrors, ladder, makeScenario, onlineAt, progress } from './helpers.js';

describe('friends find each other on a 50-node toxstate network', () => {
  it("two friends learn each other's DHT key and address and are Established within 10 s", async () => {
    const { sim, nodes } = await makeScenario({ nodes: 50, seedBase: 4100 });
    sim.runFor(5_000);
    const [a, b] = [nodes[17]!, nodes[42]!];
    const t0 = sim.now;
    befriend(sim, a, b);
    expect(sim.runUntilTrue(() => established(a, b), 10_000)).toBe(true);
    const took = Math.max(onlineAt(a, b)!, onlineAt(b, a)!) - t0;
    console.log(`50 nodes: friends Established ${took} ms after befriending`);
    // At least one side went the whole way: DHT key learned, address searched, cookie, handshake.
    const ladders = [ladder(a, b), ladder(b, a)];
    expect(ladders.some((l) => l.includes('AcquiringIPAddress') && l.includes('AcquiringCookie'))).toBe(true);
    for (const l of ladders) expect(l.at(-1)).toBe('Established');
    // Both learned the other's current DHT key.
    expect(a.engine.counters.sum('dhtpk.accepted') + b.engine.counters.sum('dhtpk.accepted')).toBeGreaterThan(0);
    sim.runFor(60_000);
    expect(established(a, b)).toBe(true);
    expect(handlerErrors(nodes), firstHandlerError(nodes) ?? '').toBe(0);
  });

  it('when both friends are on links that lose 20% of datagrams they still find each other, within 60 s', async () => {
    const { sim, nodes } = await makeScenario({ nodes: 50, seedBase: 4200 });
    sim.runFor(10_000);
    const [a, b] = [nodes[8]!, nodes[33]!];
    // Every datagram from or to A or B is lost with probability 0.2 (A → B directly: 0.36).
    sim.setLink(a, { extraLoss: 0.2 });
    sim.setLink(b, { extraLoss: 0.2 });
    const t0 = sim.now;
    befriend(sim, a, b);
    expect(sim.runUntilTrue(() => established(a, b), 60_000)).toBe(true);
    console.log(`50 nodes, friends on 20%-loss links: Established ${sim.now - t0} ms after befriending`);
    expect(sim.stats.lost).toBeGreaterThan(0);
    sim.runFor(120_000);
    expect(established(a, b)).toBe(true);
    expect(handlerErrors(nodes), firstHandlerError(nodes) ?? '').toBe(0);
  });

  it('with 10% loss on every link of the network (every onion hop) they find each other within 30 s', async () => {
    // Onion round trips cross 8 links: at 10% loss each, 43% of them arrive. (At 20% on every
    // link only 17% do: announce and search lists lose nodes — 3 unanswered requests — faster
    // than they fill, and in a 10-minute run with seeds 4200 and 4500 the friends never found
    // each other. Known limit, shared by c-toxcore's rules; not asserted here.)
    const { sim, nodes } = await makeScenario({ nodes: 50, seedBase: 4500, loss: 0.1 });
    sim.runFor(10_000);
    const [a, b] = [nodes[8]!, nodes[33]!];
    const t0 = sim.now;
    befriend(sim, a, b);
    expect(sim.runUntilTrue(() => established(a, b), 30_000)).toBe(true);
    console.log(`50 nodes, 10% loss everywhere: Established ${sim.now - t0} ms after befriending`);
    sim.runFor(60_000);
    expect(established(a, b)).toBe(true);
    expect(handlerErrors(nodes), firstHandlerError(nodes) ?? '').toBe(0);
  });

  it('a friend that goes away is searched for again, and found when it comes back', async () => {
    const { sim, nodes } = await makeScenario({ nodes: 50, seedBase: 4300 });
    sim.runFor(5_000);
    const [a, b] = [nodes[21]!, nodes[37]!];
    befriend(sim, a, b);
    expect(sim.runUntilTrue(() => established(a, b), 10_000)).toBe(true);
    const searchesBefore = a.engine.counters.get('onion.search_sent');

    // B is taken off the network: A's session times out and A searches again.
    sim.setUp(b, false);
    const gone = sim.now;
    expect(sim.runUntilTrue(() => progress(a, b) !== 'Established', 40_000)).toBe(true);
    const off = a.events.find((e) => e.type === 'friend_offline' && e.t >= gone);
    expect(off).toMatchObject({ reason: 'timed out' });
    // ALIVEs B sent before it went away may still be in flight (≤ 30 ms).
    expect(off!.t - gone).toBeLessThanOrEqual(32_000 + 30);
    expect(['AcquiringIPAddress', 'AwaitingDHTKey']).toContain(progress(a, b));
    // The tasks are searching: onion (dhtkey task active again) and DHT (connect task).
    sim.runFor(20_000);
    expect(dhtkeyState(a, b)).toMatch(/Active/);
    expect(connectState(a, b)).not.toBe('"Idle"');
    expect(a.engine.counters.get('onion.search_sent')).toBeGreaterThan(searchesBefore);
    expect(progress(a, b)).not.toBe('Established');

    // Two minutes later B comes back (same engine, same keys, same address).
    sim.runFor(100_000);
    sim.setUp(b, true);
    const back = sim.now;
    expect(sim.runUntilTrue(() => established(a, b), 60_000)).toBe(true);
    console.log(`friend back after ${((back - gone) / 1000).toFixed(0)} s away: Established again ${sim.now - back} ms after it returned`);
    expect(handlerErrors(nodes), firstHandlerError(nodes) ?? '').toBe(0);
  });
});
