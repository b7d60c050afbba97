/**
 * The onion through a TCP relay on the simulated network (docs/protocol.md §14.7; c-toxcore 0.2.18
 * onion_client.c random_nodes_path_onion / send_onion_packet_tcp_udp / handle_tcp_onion,
 * TCP_connection.c set_tcp_onion_status): five UDP DHT nodes, node 0 also a TCP relay, and two
 * engines with `udp: false` that know only that relay (as relay and as bootstrap node). They
 * announce through it, find each other, befriend (a friend request over the onion, either way) and
 * exchange messages over the relay — without a single datagram, every stream to the relay. Also:
 * a UDP node with a working DHT marks no relay for the onion; hostile onion responses over a relay
 * are dropped and counted; the same seed gives the same run.
 */
import { describe, expect, it } from 'vitest';
import type { FriendSessionSnapshot } from '../../machines/index.js';
import type { TcpRelaySnapshot } from '../../machines/tcp-relay.js';
import { ipPortKey, type IpPort } from '../../protocol/ip-port.js';
import { SimNetwork, type SimNode } from '../../runtime/adapters/sim-network.js';
import { actorKeys, type Engine } from '../../runtime/engine.js';
import { makeEngine } from './helpers.js';

const at = (ip: string, port = 33445): IpPort => ({ family: 'ipv4', ip, port });
const TCP_PORT = 33446;

interface Net {
  sim: SimNetwork;
  dht: SimNode[];
  relay: IpPort;
  a: SimNode;
  b: SimNode;
  /** Per TCP-only node: every stream it opened (its remote address), every datagram it handed out. */
  opened: Map<SimNode, string[]>;
  datagrams: Map<SimNode, number>;
}

/** Records what a node's engine hands the network (stream opens, datagrams). */
function spy(node: SimNode, opened: Map<SimNode, string[]>, datagrams: Map<SimNode, number>): void {
  const e = node.engine;
  const takeStreamOps = e.takeStreamOps.bind(e);
  const takeTransmits = e.takeTransmits.bind(e);
  opened.set(node, []);
  datagrams.set(node, 0);
  e.takeStreamOps = () => {
    const ops = takeStreamOps();
    for (const op of ops) if (op.op === 'open') opened.get(node)!.push(ipPortKey(op.to));
    return ops;
  };
  e.takeTransmits = () => {
    const t = takeTransmits();
    datagrams.set(node, datagrams.get(node)! + t.length);
    return t;
  };
}

async function network(seed: number): Promise<Net> {
  const sim = new SimNetwork({ seed, latencyMs: 10 });
  const dht: SimNode[] = [];
  for (let i = 0; i < 5; i++) {
    const e = await makeEngine(seed * 100 + i, i === 0 ? { tcpServer: true } : {});
    dht.push(i === 0 ? sim.add(e, at('198.51.100.1')) : sim.join(e, [dht[0]!], at(`198.51.100.${i + 1}`)));
  }
  dht[0]!.tcpPort = TCP_PORT;
  sim.runFor(5000);
  const relay = { ...dht[0]!.address, port: TCP_PORT };
  const relayPk = dht[0]!.engine.keys.dht.publicKey;
  const opened = new Map<SimNode, string[]>();
  const datagrams = new Map<SimNode, number>();
  const tcpOnly = async (n: number, ip: string): Promise<SimNode> => {
    const node = sim.add(await makeEngine(seed * 100 + n, { udp: false }), at(ip));
    spy(node, opened, datagrams);
    // The relay's node is the only bootstrap node: with UDP off it is only a path node (tox_bootstrap).
    node.engine.bootstrap(sim.now, dht[0]!.address, relayPk);
    node.engine.addTcpRelay(sim.now, relay, relayPk);
    return node;
  };
  const a = await tcpOnly(50, '203.0.113.10');
  const b = await tcpOnly(51, '203.0.113.20');
  sim.flush();
  return { sim, dht, relay, a, b, opened, datagrams };
}

const online = (x: Engine, y: Engine): boolean => x.progressOf(y.selfHex) === 'Established';
const relayActor = (e: Engine, relayPk: Uint8Array): TcpRelaySnapshot =>
  e.actors.get(`relay:${Buffer.from(relayPk).toString('hex')}`)!.snapshot as TcpRelaySnapshot;
const sessionPath = (x: Engine, y: Engine): string | undefined =>
  (x.actors.get(actorKeys.session(y.selfHex))?.snapshot as FriendSessionSnapshot | undefined)?.context.path ?? undefined;
const texts = (n: SimNode, from: Engine): string[] => n.events.flatMap((e) => (e.type === 'message' && e.friend === from.selfHex ? [e.text] : []));

/** `from` asks `to` to be friends; `to` accepts the request when it arrives; both come online. */
function befriend(net: Net, from: SimNode, to: SimNode): void {
  const { sim } = net;
  from.engine.sendFriendRequest(sim.now, to.engine.toxId(), `hello from ${from.id}`);
  sim.flush();
  const asked = sim.runUntilTrue(() => to.events.some((e) => e.type === 'friend_request' && e.pk === from.engine.selfHex), 120_000);
  expect(asked).toBe(true);
  to.engine.acceptFriendRequest(sim.now, from.engine.selfHex);
  sim.flush();
  expect(sim.runUntilTrue(() => online(from.engine, to.engine) && online(to.engine, from.engine), 120_000)).toBe(true);
}

/** What a TCP-only node must never do, and what it must have done through the relay. */
function expectTcpOnly(net: Net, node: SimNode): void {
  const e = node.engine;
  expect(net.datagrams.get(node)).toBe(0);
  expect(e.counters.get('tx.datagrams')).toBe(0);
  // Every stream it opened went to the relay.
  const opened = net.opened.get(node)!;
  expect(opened.length).toBeGreaterThan(0);
  expect(new Set(opened)).toEqual(new Set([ipPortKey(net.relay)]));
  // Its onion ran through the relay: paths that start there, answers that came back there.
  expect(e.counters.get('onion.path_built_tcp')).toBeGreaterThan(0);
  expect(e.counters.get('onion.tcp_requests_sent')).toBeGreaterThan(0);
  expect(e.counters.get('onion.tcp_responses')).toBeGreaterThan(0);
  expect(e.counters.get('onion.path_built')).toBe(e.counters.get('onion.path_built_tcp'));
  // The relay carries its onion: its actor knows (it never sleeps).
  expect(relayActor(e, net.dht[0]!.engine.keys.dht.publicKey).context.onion).toBe(true);
  // It was announced, with nodes it learned from announce answers besides the bootstrap node.
  expect(node.events.some((ev) => ev.type === 'announced')).toBe(true);
  expect(e.onion.relays.stats().proven).toBeGreaterThan(1);
  expect(e.counters.get('error.handler')).toBe(0);
}

describe('the onion through a TCP relay, UDP off (simulated)', () => {
  it('two TCP-only nodes befriend (request A → B), come online over tcp, and exchange messages', async () => {
    const net = await network(61);
    const { sim, a, b } = net;
    befriend(net, a, b);
    for (const [x, y] of [[a, b], [b, a]] as const) {
      expect(sessionPath(x.engine, y.engine)).toBe('tcp');
      expect(x.events.find((e) => e.type === 'friend_online' && e.friend === y.engine.selfHex)).toMatchObject({ path: 'tcp' });
    }
    expect(a.engine.sendMessage(sim.now, b.engine.selfHex, 'ping over the relay').ok).toBe(true);
    sim.flush();
    expect(sim.runUntilTrue(() => texts(b, a.engine).includes('ping over the relay'), 10_000)).toBe(true);
    expect(b.engine.sendMessage(sim.now, a.engine.selfHex, 'pong over the relay').ok).toBe(true);
    sim.flush();
    expect(sim.runUntilTrue(() => texts(a, b.engine).includes('pong over the relay'), 10_000)).toBe(true);
    // The relay was the first hop of their onion requests and sent the answers back over TCP.
    const r = net.dht[0]!.engine;
    expect(r.counters.get('onion.relayed_request_tcp')).toBeGreaterThan(0);
    expect(r.counters.get('tcp_server.onion_responses')).toBeGreaterThan(0);
    expectTcpOnly(net, a);
    expectTcpOnly(net, b);
  }, 120_000);

  it('the other way round (request B → A), and the same seed gives the same run', async () => {
    const runs: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const net = await network(62);
      befriend(net, net.b, net.a);
      expectTcpOnly(net, net.a);
      expectTcpOnly(net, net.b);
      runs.push([net.a, net.b].flatMap((n) => n.events.map((e) => `${n.id} ${e.t} ${e.type}`)));
    }
    expect(runs[0]!.length).toBeGreaterThan(0);
    expect(runs[1]).toEqual(runs[0]);
  }, 120_000);

  it('a UDP node marks its relay for the onion only while its DHT has no good node; once connected, its paths start with a datagram', async () => {
    const net = await network(63);
    const { sim, dht } = net;
    const c = sim.add(await makeEngine(6399), at('203.0.113.30'));
    const relayPk = dht[0]!.engine.keys.dht.publicKey;
    c.engine.addTcpRelay(sim.now, net.relay, relayPk);
    sim.flush();
    sim.runFor(2000);
    // No DHT node yet: the relay carries the onion (set_tcp_onion_status(!udp_connected)) and never sleeps.
    expect(c.engine.dht.goodNodes()).toEqual([]);
    expect(relayActor(c.engine, relayPk).context.onion).toBe(true);
    c.engine.bootstrap(sim.now, dht[1]!.address, dht[1]!.engine.keys.dht.publicKey);
    sim.flush();
    sim.runFor(60_000);
    expect(c.engine.dht.goodNodes().length).toBeGreaterThan(0);
    expect(relayActor(c.engine, relayPk).context.onion).toBe(false);
    const live = [...c.engine.onion.selfPaths.live(sim.now), ...c.engine.onion.friendPaths.live(sim.now)];
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((p) => p.tcpRelay === null)).toBe(true);
    expect(c.engine.counters.get('tx.datagrams')).toBeGreaterThan(0);
    expect(c.events.some((e) => e.type === 'announced')).toBe(true);
  }, 120_000);

  it('hostile onion responses over a relay are dropped and counted, never thrown', async () => {
    const net = await network(64);
    const { sim, a } = net;
    sim.runFor(10_000);
    const e = a.engine;
    const from = net.relay;
    const before = e.counters.get('onion.tcp_responses');
    e.onion.handleTcpResponse(from, Uint8Array.of(0x8e, 1, 2, 3)); // an onion response packet, not a 0x84/0x86
    e.onion.handleTcpResponse(from, new Uint8Array(0));
    e.onion.handleTcpResponse(from, Uint8Array.of(0x84, 1, 2)); // too short for an announce response
    const forged = new Uint8Array(200);
    forged[0] = 0x84;
    e.onion.handleTcpResponse(from, forged); // a sendback we never made
    forged[0] = 0x86;
    e.onion.handleTcpResponse(from, forged); // onion data with an all-zero temporary key (libsodium refuses it)
    for (let i = 25; i < 57; i++) forged[i] = i;
    e.onion.handleTcpResponse(from, forged); // onion data that does not open under our data key
    expect(e.counters.get('drop.onion.tcp_response_unexpected')).toBe(2);
    expect(e.counters.get('drop.onion.announce_response_malformed')).toBe(1);
    expect(e.counters.get('drop.onion.sendback_unknown')).toBe(1);
    expect(e.counters.get('drop.onion.data_low_order_key')).toBe(1);
    expect(e.counters.get('drop.onion.data_outer_invalid')).toBe(1);
    expect(e.counters.get('onion.tcp_responses')).toBe(before + 4);
    expect(e.counters.get('error.handler')).toBe(0);
  }, 60_000);
});
