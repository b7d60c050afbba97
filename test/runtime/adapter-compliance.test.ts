/**
 * One compliance suite, two adapters: the in-memory simulated network (virtual clock) and the
 * Node UDP adapter (real sockets on 127.0.0.1, real clock). Both must carry datagrams between
 * engines, fire engine deadlines, hand app events to the application and police nothing away
 * that should arrive. Real-time waits are bounded and end as soon as the condition holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../runtime/app-events.js';
import type { Engine } from '../../runtime/engine.js';
import { SimNetwork } from '../../runtime/adapters/sim-network.js';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { makeEngine } from './helpers.js';

interface Handle {
  readonly engine: Engine;
  readonly address: IpPort;
  readonly events: AppEvent[];
  /** Runs a command against the engine, then moves its outputs. */
  command(fn: (engine: Engine, now: number) => void): void;
}

interface AdapterHarness {
  add(engine: Engine): Promise<Handle>;
  /** Waits (virtual or real time) until `done()` or `maxMs` pass. */
  waitFor(done: () => boolean, maxMs: number): Promise<boolean>;
  close(): Promise<void>;
}

function simHarness(): AdapterHarness {
  const sim = new SimNetwork({ seed: 7, latencyMs: 5 });
  return {
    async add(engine) {
      const node = sim.add(engine);
      const events: AppEvent[] = [];
      sim.onEvent((n, e) => n === node && events.push(e));
      return {
        engine,
        address: node.address,
        events,
        command(fn) {
          fn(engine, sim.now);
          sim.flush([node]);
        },
      };
    },
    async waitFor(done, maxMs) {
      return sim.runUntilTrue(done, maxMs);
    },
    async close() {},
  };
}

function udpHarness(): AdapterHarness {
  const nodes: UdpNode[] = [];
  return {
    async add(engine) {
      const node = await UdpNode.start(engine, { bind: '127.0.0.1', port: 0 });
      nodes.push(node);
      const events: AppEvent[] = [];
      node.onEvent((e) => events.push(e));
      return { engine, address: node.address, events, command: (fn) => node.run(fn) };
    },
    async waitFor(done, maxMs) {
      const end = Date.now() + maxMs;
      while (!done()) {
        if (Date.now() > end) return false;
        await new Promise((r) => setTimeout(r, 10));
      }
      return true;
    },
    async close() {
      await Promise.all(nodes.map((n) => n.close()));
    },
  };
}

for (const [name, make] of [
  ['simulated network', simHarness],
  ['Node UDP on 127.0.0.1', udpHarness],
] as const) {
  describe(`adapter compliance: ${name}`, () => {
    let h: AdapterHarness;
    afterEach(async () => h?.close());

    it('carries datagrams both ways: two engines bootstrap into each other\'s DHT', async () => {
      h = make();
      const a = await h.add(await makeEngine(11));
      const b = await h.add(await makeEngine(12));
      b.command((e, now) => e.bootstrap(now, a.address, a.engine.keys.dht.publicKey));
      const ok = await h.waitFor(() => a.engine.dht.goodCount > 0 && b.engine.dht.goodCount > 0, 5_000);
      expect(ok).toBe(true);
      expect(a.engine.dht.findClose(b.engine.keys.dhtPkHex)).toBeDefined();
      expect(b.engine.dht.findClose(a.engine.keys.dhtPkHex)).toBeDefined();
    });

    it('hands app events to the application', async () => {
      h = make();
      const a = await h.add(await makeEngine(21));
      const b = await h.add(await makeEngine(22));
      b.command((e, now) => e.bootstrap(now, a.address, a.engine.keys.dht.publicKey));
      expect(await h.waitFor(() => b.events.some((e) => e.type === 'dht_connected'), 5_000)).toBe(true);
    });

    it('fires engine deadlines without traffic: the DHT re-asks a silent bootstrap node', async () => {
      h = make();
      const a = await h.add(await makeEngine(31));
      const silent: IpPort = { family: 'ipv4', ip: '127.0.0.1', port: 9 };
      a.command((e, now) => e.bootstrap(now, silent, new Uint8Array(32).fill(7)));
      const first = a.engine.counters.get('dht.nodes_requests_sent');
      // Re-bootstrap happens every 5 s while no node answers.
      expect(await h.waitFor(() => a.engine.counters.get('dht.nodes_requests_sent') > first, 7_000)).toBe(true);
    });

    it('survives garbage from the network: counted, dropped, still serving', async () => {
      h = make();
      const a = await h.add(await makeEngine(41));
      const b = await h.add(await makeEngine(42));
      a.command((e, now) => {
        e.handleDatagram(now, b.address, new Uint8Array([0x02, 0xff]));
        e.handleDatagram(now, b.address, new Uint8Array([0x77]));
      });
      expect(a.engine.counters.get('drop.dht.malformed')).toBe(1);
      expect(a.engine.counters.get('drop.unknown_id')).toBe(1);
      b.command((e, now) => e.bootstrap(now, a.address, a.engine.keys.dht.publicKey));
      expect(await h.waitFor(() => b.engine.dht.goodCount > 0, 5_000)).toBe(true);
    });
  });
}

describe('Node UDP adapter', () => {
  it('refuses to send to non-loopback addresses unless allowed', async () => {
    const e = await makeEngine(51);
    const node = await UdpNode.start(e, { port: 0 });
    try {
      node.run((eng, now) => eng.bootstrap(now, { family: 'ipv4', ip: '192.0.2.1', port: 33445 }, new Uint8Array(32).fill(1)));
      expect(e.counters.get('tx.refused_non_loopback')).toBe(1);
    } finally {
      await node.close();
    }
  });

  it('reports a port in use clearly', async () => {
    const a = await UdpNode.start(await makeEngine(61), { port: 0 });
    try {
      await expect(UdpNode.start(await makeEngine(62), { port: a.address.port })).rejects.toThrow(/in use/);
    } finally {
      await a.close();
    }
  });
});
