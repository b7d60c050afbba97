/**
 * Issue 5 — a session between two toxstate peers on a small toxstate network: it is set up
 * through 0%, 10% and 30% loss on the peers' links with duplication and reordering (jitter
 * larger than the base latency), and carries messages exactly once and in order; it survives a
 * 20 s outage (a partition shorter than the 32 s timeout); a longer outage ends it 32 s after
 * the last ALIVE that got through (friend_connection FRIEND_CONNECTION_TIMEOUT). Virtual clock,
 * seeded, no real sleeps; every engine's handler stays clean.
 */
import { describe, expect, it } from 'vitest';
import { actorKeys } from '../../runtime/engine.js';
import type { SimNode } from '../../runtime/adapters/sim-network.js';
import { befriend, established, firstHandlerError, handlerErrors, makeScenario, progress } from './helpers.js';

const eventsOf = (n: SimNode, type: string, friend: SimNode) => n.events.filter((e) => e.type === type && 'friend' in e && e.friend === friend.engine.selfHex);

/** A 12-node network with peers A and B; the journal keeps every session step (ALIVE times). */
async function peers(seedBase: number, opts: { loss?: number; duplicate?: number; jitterMs?: number } = {}) {
  const net = await makeScenario({ nodes: 12, seedBase, latencyMs: 20, jitterMs: opts.jitterMs ?? 10, duplicate: opts.duplicate ?? 0, engineOptions: { journalCapacity: 50_000 } });
  const [a, b] = [net.nodes[6]!, net.nodes[9]!];
  net.sim.runFor(5_000);
  if (opts.loss) {
    net.sim.setLink(a, { extraLoss: opts.loss });
    net.sim.setLink(b, { extraLoss: opts.loss });
  }
  return { ...net, a, b };
}

/** Times at which `n`'s session with `peer` took an ALIVE. */
function aliveTimes(n: SimNode, peer: SimNode): number[] {
  const key = actorKeys.session(peer.engine.selfHex);
  return n.engine.journal
    .since(0)
    .filter((j) => j.actor === key && j.event.type === 'packet.alive')
    .map((j) => j.t);
}

describe('a toxstate session under loss, duplication, reordering and outages', () => {
  for (const [loss, within] of [
    [0, 10_000],
    [0.1, 30_000],
    [0.3, 120_000],
  ] as const) {
    it(`connects with ${loss * 100}% loss on both peers' links, 10% duplication and 60 ms jitter, within ${within / 1000} s, and delivers messages once and in order`, async () => {
      const { sim, nodes, a, b } = await peers(5100 + loss * 100, { loss, duplicate: 0.1, jitterMs: 60 });
      const t0 = sim.now;
      befriend(sim, a, b);
      expect(sim.runUntilTrue(() => established(a, b), within)).toBe(true);
      console.log(`${loss * 100}% loss, 10% duplication, 60 ms jitter: Established ${sim.now - t0} ms after befriending`);
      sim.runFor(1_000);
      const sent = Array.from({ length: 30 }, (_, i) => {
        const r = a.engine.sendMessage(sim.now, b.engine.selfHex, `m${i}`);
        if (!r.ok) throw new Error(r.message);
        return r.id;
      });
      sim.flush([a]);
      expect(sim.runUntilTrue(() => eventsOf(a, 'receipt', b).length === sent.length, 60_000)).toBe(true);
      expect(eventsOf(b, 'message', a).map((m) => (m as { text: string }).text)).toEqual(sent.map((_, i) => `m${i}`));
      expect(eventsOf(a, 'receipt', b).map((r) => (r as { id: number }).id)).toEqual(sent);
      expect(sim.stats.duplicated).toBeGreaterThan(0);
      if (loss > 0) expect(sim.stats.lost).toBeGreaterThan(0);
      expect(handlerErrors(nodes), firstHandlerError(nodes) ?? '').toBe(0);
    });
  }

  it('survives a 20 s outage: no one goes offline, and it carries on after', async () => {
    const { sim, nodes, a, b } = await peers(5200);
    befriend(sim, a, b);
    expect(sim.runUntilTrue(() => established(a, b), 10_000)).toBe(true);
    sim.runFor(30_000);
    const cut = sim.now;
    sim.partition([[a], nodes.filter((n) => n !== a)]);
    sim.runFor(20_000);
    sim.heal();
    sim.runFor(60_000);
    expect(established(a, b)).toBe(true);
    expect(eventsOf(a, 'friend_offline', b)).toEqual([]);
    expect(eventsOf(b, 'friend_offline', a)).toEqual([]);
    // ALIVEs stopped during the outage and came back after it.
    const alive = aliveTimes(b, a);
    expect(alive.filter((t) => t > cut + 1_000 && t < cut + 20_000)).toEqual([]);
    expect(alive.filter((t) => t > cut + 20_000).length).toBeGreaterThan(3);
    expect(handlerErrors(nodes), firstHandlerError(nodes) ?? '').toBe(0);
  });

  it('a longer outage ends the session 32 s after the last ALIVE, on both sides', async () => {
    const { sim, nodes, a, b } = await peers(5300);
    befriend(sim, a, b);
    expect(sim.runUntilTrue(() => established(a, b), 10_000)).toBe(true);
    sim.runFor(30_000);
    const cut = sim.now;
    sim.partition([[a], nodes.filter((n) => n !== a)]);
    expect(sim.runUntilTrue(() => progress(a, b) !== 'Established' && progress(b, a) !== 'Established', 60_000)).toBe(true);
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const off = eventsOf(x, 'friend_offline', y);
      expect(off).toHaveLength(1);
      expect(off[0]).toMatchObject({ reason: 'timed out' });
      const last = aliveTimes(x, y).filter((t) => t <= off[0]!.t).at(-1)!;
      expect(last).toBeLessThanOrEqual(cut + 30);
      // friend_connection: 32 s without an ALIVE (the next timer check follows at once).
      expect(off[0]!.t - last).toBeGreaterThanOrEqual(32_000);
      expect(off[0]!.t - last).toBeLessThanOrEqual(32_000 + 100);
    }
    // After the outage they find each other again.
    sim.heal();
    expect(sim.runUntilTrue(() => established(a, b), 60_000)).toBe(true);
    expect(handlerErrors(nodes), firstHandlerError(nodes) ?? '').toBe(0);
  });
});
