/**
 * A UdpNode bound to `::` is one dual-stack socket (issue 15): an IPv4 peer on 127.0.0.1 and an
 * IPv6 peer on ::1 both reach it; the IPv4 peer is seen as 127.0.0.1 (never ::ffff:127.0.0.1),
 * answers to it leave through the same socket, and the node runs both announce tasks. A node on
 * ::1 reaches IPv6 only. Sends stay on loopback (the adapter refuses anything else).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../protocol/bytes.js';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import { actorKeys, type Engine } from '../../runtime/engine.js';
import { makeEngine } from './helpers.js';

const nodes: UdpNode<Engine>[] = [];
afterAll(async () => {
  for (const n of nodes) await n.close({ sendKills: false });
});

async function until(done: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (done()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return done();
}

describe('UdpNode, dual-stack', () => {
  it('bound to :: it serves an IPv4 peer (127.0.0.1) and an IPv6 peer (::1) on one socket', async () => {
    const d = await UdpNode.start(await makeEngine(6400), { bind: '::', port: 0 });
    const a = await UdpNode.start(await makeEngine(6401), { bind: '127.0.0.1', port: 0 });
    const b = await UdpNode.start(await makeEngine(6402), { bind: '::1', port: 0 });
    nodes.push(d, a, b);
    expect(d.families).toEqual(['ipv4', 'ipv6']);
    expect(a.families).toEqual(['ipv4']);
    expect(b.families).toEqual(['ipv6']);
    const dKey = fromHex(d.engine.dhtKeyHex);
    if (!dKey.ok) throw new Error('bad key');
    a.run((e, now) => e.bootstrap(now, { family: 'ipv4', ip: '127.0.0.1', port: d.address.port }, dKey.value));
    b.run((e, now) => e.bootstrap(now, { family: 'ipv6', ip: '::1', port: d.address.port }, dKey.value));
    const seen = (): Array<{ family: string; ip: string }> => d.engine.dht.goodNodes().map((n) => ({ family: n.ipPort.family, ip: n.ipPort.ip }));
    expect(await until(() => seen().length === 2 && a.engine.dht.isConnected() && b.engine.dht.isConnected(), 5_000)).toBe(true);
    expect(seen()).toEqual(
      expect.arrayContaining([
        { family: 'ipv4', ip: '127.0.0.1' },
        { family: 'ipv6', ip: '::1' },
      ]),
    );
    for (const family of ['ipv4', 'ipv6'] as const) expect(d.engine.actors.get(actorKeys.announce(family, d.engine.selfHex))).toBeDefined();
    expect(a.engine.actors.get(actorKeys.announce('ipv6', a.engine.selfHex))).toBeUndefined();
    expect(b.engine.actors.get(actorKeys.announce('ipv4', b.engine.selfHex))).toBeUndefined();
    for (const n of [d, a, b]) {
      expect(n.engine.counters.get('udp.send_error')).toBe(0);
      expect(n.engine.counters.get('tx.refused_family')).toBe(0);
      expect(n.engine.counters.get('tx.refused_non_loopback')).toBe(0);
      expect(n.engine.counters.get('error.handler')).toBe(0);
    }
  });
});
