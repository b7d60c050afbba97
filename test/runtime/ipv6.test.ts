/**
 * IPv6 and the announce tasks per address family (issue 15): IPv4-mapped addresses are IPv4
 * everywhere in the engine, DHT nodes of both families are kept and handed out, an engine never
 * sends to a family it does not reach, and a simulated mixed network — an IPv4-only node and an
 * IPv6-only node, each befriending a dual-stack node — runs `tox4id:` where IPv4 is reached and
 * `tox6id:` where IPv6 is, each announced at announce nodes of its own family.
 */
import { describe, expect, it } from 'vitest';
import { decodeDhtHeader, openNodesResponse, sealNodesRequest } from '../../protocol/dht/index.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { IP_TYPE_UDP_IPV4, IP_TYPE_UDP_IPV6 } from '../../protocol/packed-node.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';
import { SimNetwork, type SimNode } from '../../runtime/adapters/sim-network.js';
import { socketFamilies } from '../../runtime/adapters/node-udp.js';
import { actorKeys, type Engine } from '../../runtime/engine.js';
import { makeEngine } from './helpers.js';

const v4 = (ip: string, port: number): IpPort => ({ family: 'ipv4', ip, port });
const v6 = (ip: string, port: number): IpPort => ({ family: 'ipv6', ip, port });

const announced = (n: SimNode, family: 'ipv4' | 'ipv6'): boolean => n.events.some((e) => e.type === 'announced' && e.family === family);
const stateOf = (e: Engine, family: 'ipv4' | 'ipv6'): unknown => e.actors.get(actorKeys.announce(family, e.selfHex))?.snapshot.value;

describe('address families in the engine', () => {
  it('runs one announce task per family it reaches: tox4id: for IPv4, tox6id: for IPv6, both when dual-stack', async () => {
    for (const [families, keys] of [
      [['ipv4'], ['tox4id']],
      [['ipv6'], ['tox6id']],
      [['ipv4', 'ipv6'], ['tox4id', 'tox6id']],
    ] as const) {
      const e = await makeEngine(6100);
      e.start(0, { families });
      const running = [...e.actors.all()].filter((a) => a.machine === 'toxidAnnounce').map((a) => a.key);
      expect(running).toEqual(keys.map((k) => `${k}:${e.selfHex}`));
      expect(e.families).toEqual(families);
      for (const key of running) expect(e.actors.get(key)!.snapshot.value).toBe('Announcing');
    }
    // The default (no families given) is IPv4 only, as before.
    const plain = await makeEngine(6101);
    plain.start(0);
    expect(plain.isAnnouncing('ipv4')).toBe(true);
    expect(plain.isAnnouncing('ipv6')).toBe(false);
  });

  it('an IPv4-mapped source is IPv4: the node is kept, asked and answered under its IPv4 address', async () => {
    const e = await makeEngine(6110);
    e.start(0, { families: ['ipv4', 'ipv6'] });
    const peer = await makeEngine(6111);
    // A nodes request from the peer arriving on a dual-stack socket as ::ffff:127.0.0.9.
    const request = sealNodesRequest(peer.crypto, peer.keys.dhtShared(e.keys.dht.publicKey), peer.keys.dht.publicKey, peer.random.bytes(24), {
      searchedPk: peer.keys.dht.publicKey,
      pingId: peer.random.bytes(8),
    });
    e.takeTransmits();
    e.handleDatagram(1, v6('::ffff:127.0.0.9', 40001), request);
    const out = e.takeTransmits();
    expect(out.length).toBeGreaterThan(0);
    // The answer and the request back go to the IPv4 address, never to the mapped form.
    for (const t of out) expect(t.to).toEqual(v4('127.0.0.9', 40001));
    // Bootstrapping to a mapped address bootstraps to the IPv4 address.
    e.bootstrap(2, v6('::ffff:127.0.0.10', 40002), peer.keys.dht.publicKey);
    expect(e.takeTransmits().map((t) => t.to)).toEqual([v4('127.0.0.10', 40002)]);
  });

  it('never sends to a family it does not reach: bootstraps to it are ignored and sends to it dropped, counted', async () => {
    const e = await makeEngine(6120);
    e.start(0, { families: ['ipv6'] });
    const peer = await makeEngine(6121);
    e.bootstrap(1, v4('127.0.0.2', 33445), peer.keys.dht.publicKey);
    expect(e.takeTransmits()).toEqual([]);
    expect(e.counters.get('drop.bootstrap_ipv4_unreachable')).toBe(1);
    e.send(v4('127.0.0.2', 33445), new Uint8Array([1]));
    expect(e.takeTransmits()).toEqual([]);
    expect(e.counters.get('drop.tx_ipv4_unreachable')).toBe(1);
    e.bootstrap(2, v6('::1', 33445), peer.keys.dht.publicKey);
    expect(e.takeTransmits().map((t) => t.to)).toEqual([v6('::1', 33445)]);
  });

  it('a dual-stack node answers a nodes request with nodes of both families (packed node types 2 and 10)', async () => {
    const sim = new SimNetwork({ seed: 6130, latencyMs: 5 });
    const dual = sim.add(await makeEngine(6130), SimNetwork.addressesFor(0, ['ipv4', 'ipv6']));
    const fours: SimNode[] = [];
    const sixes: SimNode[] = [];
    for (let i = 0; i < 3; i++) fours.push(sim.join(await makeEngine(6131 + i), [dual], SimNetwork.addressesFor(sim.nextId, ['ipv4'])));
    for (let i = 0; i < 3; i++) sixes.push(sim.join(await makeEngine(6141 + i), [dual], SimNetwork.addressesFor(sim.nextId, ['ipv6'])));
    sim.runFor(5_000);
    const d = dual.engine;
    const known = new Set(d.dht.goodNodes().map((n) => n.ipPort.family));
    expect(known).toEqual(new Set(['ipv4', 'ipv6']));
    // Ask the dual-stack node for nodes close to a key, as a verified IPv6 node.
    const asker = sixes[0]!.engine;
    const shared = asker.keys.dhtShared(d.keys.dht.publicKey);
    const pingId = asker.random.bytes(8);
    const request = sealNodesRequest(asker.crypto, shared, asker.keys.dht.publicKey, asker.random.bytes(24), { searchedPk: d.keys.dht.publicKey, pingId });
    d.takeTransmits();
    d.handleDatagram(sim.now, sixes[0]!.address, request);
    const response = d.takeTransmits().find((t) => t.data[0] === PACKET_ID.nodes_response)!;
    expect(response.to).toEqual(sixes[0]!.address);
    const header = decodeDhtHeader(response.data);
    expect(header.ok).toBe(true);
    const opened = openNodesResponse(asker.crypto, shared, header.ok ? header.value : (undefined as never));
    expect(opened.ok).toBe(true);
    const nodes = opened.ok ? opened.value.nodes : [];
    expect(nodes.length).toBe(4);
    const families = new Set(nodes.map((n) => n.ipPort.family));
    expect(families).toEqual(new Set(['ipv4', 'ipv6']));
    // The packed node types on the wire: 2 (4 address bytes) and 10 (16): the plaintext is the
    // response's size less the 57-byte header, 16-byte MAC, count byte and 8-byte ping id.
    const v4Count = nodes.filter((n) => n.ipPort.family === 'ipv4').length;
    expect(response.data.length - 57 - 16 - 1 - 8).toBe(v4Count * 39 + (nodes.length - v4Count) * 51);
    expect([IP_TYPE_UDP_IPV4, IP_TYPE_UDP_IPV6]).toEqual([2, 10]);
    // An IPv4-only node that is handed an IPv6 node passes it over instead of asking it.
    for (const f of fours) expect(f.engine.dht.goodNodes().every((n) => n.ipPort.family === 'ipv4')).toBe(true);
    expect(fours.some((f) => f.engine.counters.get('dht.node_other_family') > 0)).toBe(true);
    for (const s of sixes) expect(s.engine.dht.goodNodes().every((n) => n.ipPort.family === 'ipv6')).toBe(true);
  });
});

describe('a simulated mixed network', () => {
  it('an IPv4-only and an IPv6-only node both befriend a dual-stack node; each family announces at nodes of its family', async () => {
    const sim = new SimNetwork({ seed: 6200, latencyMs: 10 });
    // Dual-stack relays and announce nodes, the dual-stack friend D, A (IPv4 only), B (IPv6 only).
    const relays: SimNode[] = [sim.add(await makeEngine(6200), SimNetwork.addressesFor(0, ['ipv4', 'ipv6']))];
    for (let i = 1; i < 5; i++) relays.push(sim.join(await makeEngine(6200 + i), [relays[0]!], SimNetwork.addressesFor(sim.nextId, ['ipv4', 'ipv6'])));
    const d = sim.join(await makeEngine(6210), [relays[0]!], SimNetwork.addressesFor(sim.nextId, ['ipv4', 'ipv6']));
    const a = sim.join(await makeEngine(6211), [relays[1]!], SimNetwork.addressesFor(sim.nextId, ['ipv4']));
    const b = sim.join(await makeEngine(6212), [relays[2]!], SimNetwork.addressesFor(sim.nextId, ['ipv6']));
    expect(a.address.family).toBe('ipv4');
    expect(b.address.family).toBe('ipv6');
    d.engine.addFriend(sim.now, a.engine.keys.real.publicKey);
    d.engine.addFriend(sim.now, b.engine.keys.real.publicKey);
    a.engine.addFriend(sim.now, d.engine.keys.real.publicKey);
    b.engine.addFriend(sim.now, d.engine.keys.real.publicKey);
    sim.flush();

    const online = (x: SimNode, friend: SimNode): boolean => x.engine.progressOf(friend.engine.selfHex) === 'Established';
    const ok = sim.runUntilTrue(() => online(a, d) && online(d, a) && online(b, d) && online(d, b), 60_000);
    expect(ok).toBe(true);
    // D reaches A over IPv4 and B over IPv6; A and B never see each other's family.
    const sessionAddress = (x: SimNode, friend: SimNode): string =>
      JSON.stringify((x.engine.actors.get(actorKeys.session(friend.engine.selfHex))!.snapshot.context as { address: unknown }).address);
    expect(sessionAddress(d, a)).toContain(`${a.address.ip}:${a.address.port}`);
    expect(sessionAddress(d, b)).toContain(`[::1]:${b.address.port}`);

    // Messages both ways on both friendships.
    expect(d.engine.sendMessage(sim.now, a.engine.selfHex, 'to A over IPv4').ok).toBe(true);
    expect(d.engine.sendMessage(sim.now, b.engine.selfHex, 'to B over IPv6').ok).toBe(true);
    expect(a.engine.sendMessage(sim.now, d.engine.selfHex, 'from A').ok).toBe(true);
    expect(b.engine.sendMessage(sim.now, d.engine.selfHex, 'from B').ok).toBe(true);
    sim.flush();
    sim.runFor(2_000);
    const texts = (x: SimNode): string[] => x.events.flatMap((e) => (e.type === 'message' ? [e.text] : []));
    expect(texts(a)).toContain('to A over IPv4');
    expect(texts(b)).toContain('to B over IPv6');
    expect(texts(d)).toEqual(expect.arrayContaining(['from A', 'from B']));

    // The announce tasks: A only tox4id:, B only tox6id:, D both — each announced, each at
    // announce nodes of its own family only.
    sim.runFor(30_000);
    expect([...a.engine.actors.all()].filter((x) => x.machine === 'toxidAnnounce').map((x) => x.key)).toEqual([actorKeys.announce('ipv4', a.engine.selfHex)]);
    expect([...b.engine.actors.all()].filter((x) => x.machine === 'toxidAnnounce').map((x) => x.key)).toEqual([actorKeys.announce('ipv6', b.engine.selfHex)]);
    for (const [node, families] of [
      [a, ['ipv4']],
      [b, ['ipv6']],
      [d, ['ipv4', 'ipv6']],
    ] as const) {
      for (const family of families) {
        expect(announced(node, family), `${node.id} ${family}`).toBe(true);
        expect(['Announced', 'Stable']).toContain(stateOf(node.engine, family));
        const list = node.engine.onion.selfNodes(family);
        expect(list.length).toBeGreaterThan(0);
        expect(list.every((n) => n.ipPort.family === family)).toBe(true);
        expect(list.some((n) => n.isStored === 2)).toBe(true);
      }
    }
    expect(a.engine.onion.selfNodes('ipv6')).toEqual([]);
    expect(b.engine.onion.selfNodes('ipv4')).toEqual([]);
    for (const n of [...relays, d, a, b]) expect(n.engine.counters.get('error.handler'), `node ${n.id}`).toBe(0);
    // Nothing left on the way to a family a node does not have.
    expect(sim.stats.unreachable).toBe(0);
  });
});

describe('families of a UDP socket', () => {
  it('IPv4 → IPv4; :: → both; ::1 → IPv6; an IPv4-mapped address → IPv4', () => {
    expect(socketFamilies('ipv4', '127.0.0.1')).toEqual(['ipv4']);
    expect(socketFamilies('ipv4', '0.0.0.0')).toEqual(['ipv4']);
    expect(socketFamilies('ipv6', '::')).toEqual(['ipv4', 'ipv6']);
    expect(socketFamilies('ipv6', '::1')).toEqual(['ipv6']);
    expect(socketFamilies('ipv6', '::ffff:127.0.0.1')).toEqual(['ipv4']);
  });
});
