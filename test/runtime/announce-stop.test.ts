/**
 * The runtime stops the announce tasks (issue 15 item 7): when the account goes offline
 * (`engine.stop`) and on shutdown (`engine.shutdown`, `UdpNode.close` with or without kill
 * packets), every `tox4id:` / `tox6id:` task gets `cmd.stop` — its machine goes Offline, telling
 * the application `unannounced` when it was announced — and its actor ends; no announce request
 * goes out after that. `start` announces again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SimNetwork, type SimNode } from '../../runtime/adapters/sim-network.js';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import { actorKeys, type Engine } from '../../runtime/engine.js';
import type { JournalEntry } from '../../runtime/journal.js';
import { makeEngine } from './helpers.js';

const nodes: UdpNode[] = [];
afterAll(async () => {
  for (const n of nodes) await n.close({ sendKills: false });
});

function lastStep(e: Engine, key: string): JournalEntry {
  const steps = e.journal.since(0).filter((j) => j.actor === key);
  return steps[steps.length - 1]!;
}

async function dualNetwork(): Promise<{ sim: SimNetwork; all: SimNode[]; x: SimNode }> {
  const sim = new SimNetwork({ seed: 6300, latencyMs: 10 });
  const all: SimNode[] = [sim.add(await makeEngine(6300), SimNetwork.addressesFor(0, ['ipv4', 'ipv6']))];
  // Every node is dual-stack; half bootstrap over IPv6, so the DHT knows nodes under both
  // families (a node is kept under the address it answered from).
  const first = all[0]!;
  for (let i = 1; i < 8; i++) {
    const n = sim.add(await makeEngine(6300 + i), SimNetwork.addressesFor(sim.nextId, ['ipv4', 'ipv6']));
    n.engine.bootstrap(sim.now, i % 2 === 0 ? first.addresses.ipv4! : first.addresses.ipv6!, first.engine.keys.dht.publicKey);
    all.push(n);
  }
  sim.flush();
  return { sim, all, x: all[7]! };
}

describe('stopping the announce tasks', () => {
  it('engine.stop: both tasks get cmd.stop, go Offline (unannounced: stopped), end, and no announce round goes out after', async () => {
    const { sim, x } = await dualNetwork();
    const e = x.engine;
    expect(sim.runUntilTrue(() => ['ipv4', 'ipv6'].every((f) => x.events.some((ev) => ev.type === 'announced' && ev.family === f)), 30_000)).toBe(true);
    const keys = [actorKeys.announce('ipv4', e.selfHex), actorKeys.announce('ipv6', e.selfHex)];
    const before = x.events.length;

    e.stop(sim.now);
    sim.flush([x]);
    for (const key of keys) {
      const step = lastStep(e, key);
      expect(step.event.type).toBe('cmd.stop');
      expect(step.to).toBe('Offline');
      expect(step.next).toBeNull();
      expect(e.actors.get(key)).toBeUndefined();
    }
    const unannounced = x.events.slice(before).filter((ev) => ev.type === 'unannounced');
    expect(unannounced.map((ev) => (ev.type === 'unannounced' ? [ev.family, ev.reason] : []))).toEqual([
      ['ipv4', 'stopped'],
      ['ipv6', 'stopped'],
    ]);
    expect(e.isAnnouncing('ipv4') || e.isAnnouncing('ipv6')).toBe(false);
    expect(e.onion.selfNodes()).toEqual([]);

    // A minute on: the node still relays and answers, but announces nothing.
    const sent = e.counters.get('onion.announce_sent');
    const steps = e.journal.since(0).length;
    sim.runFor(60_000);
    expect(e.counters.get('onion.announce_sent')).toBe(sent);
    expect(e.journal.since(0).slice(steps).filter((j) => keys.includes(j.actor))).toEqual([]);
    expect(e.counters.get('error.handler')).toBe(0);

    // Online again: both tasks start over and announce.
    const mark = x.events.length;
    e.start(sim.now);
    sim.flush([x]);
    for (const key of keys) expect(e.actors.get(key)!.snapshot.value).toBe('Announcing');
    expect(sim.runUntilTrue(() => x.events.slice(mark).filter((ev) => ev.type === 'announced').length === 2, 30_000)).toBe(true);
    expect(e.counters.get('onion.announce_sent')).toBeGreaterThan(sent);
  });

  it('engine.shutdown stops the tasks too; a task still Announcing goes Offline without unannounced', async () => {
    const e = await makeEngine(6320);
    e.start(0, { families: ['ipv4', 'ipv6'] });
    e.shutdown(1);
    for (const family of ['ipv4', 'ipv6'] as const) {
      const step = lastStep(e, actorKeys.announce(family, e.selfHex));
      expect([step.event.type, step.from, step.to]).toEqual(['cmd.stop', 'Announcing', 'Offline']);
    }
    expect([...e.actors.all()].filter((a) => a.machine === 'toxidAnnounce')).toEqual([]);
    expect(e.takeEvents().filter((ev) => ev.type === 'unannounced')).toEqual([]);
    expect(e.nextDeadline()).toBeNull();
  });

  for (const sendKills of [true, false]) {
    it(`UdpNode.close({ sendKills: ${sendKills} }) stops the announce task (127.0.0.1)`, async () => {
      const e = await makeEngine(6330 + Number(sendKills));
      const node = await UdpNode.start(e, { bind: '127.0.0.1', port: 0 });
      nodes.push(node);
      const key = actorKeys.announce('ipv4', e.selfHex);
      expect(e.actors.get(key)!.snapshot.value).toBe('Announcing');
      expect(e.actors.get(actorKeys.announce('ipv6', e.selfHex))).toBeUndefined();
      await node.close({ sendKills });
      expect(lastStep(e, key).to).toBe('Offline');
      expect(e.actors.get(key)).toBeUndefined();
    });
  }
});
