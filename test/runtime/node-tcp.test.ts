/**
 * The Node adapter's TCP side (runtime/adapters/node-tcp.ts) on real loopback sockets: engine
 * streams opened with `engine.streams.open` reach another node's TCP port and carry bytes both
 * ways; opens off loopback are refused and counted; a peer that does not read is cut at the
 * buffer cap; every close is reported exactly once; `udp: false` binds no UDP socket.
 * Everything binds 127.0.0.1.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { IpPort } from '../../protocol/ip-port.js';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import type { Engine } from '../../runtime/engine.js';
import { makeEngine } from './helpers.js';
import { installEchoServer, pattern, RecordingOwner } from './stream-helpers.js';

const nodes: UdpNode<Engine>[] = [];
const servers: Server[] = [];
const rawSockets: Socket[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close({ sendKills: false })));
  for (const s of rawSockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const until = async (pred: () => boolean, ms = 10_000): Promise<void> => {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));

async function startNode(seed: number, opts: Parameters<typeof UdpNode.start>[1] = {}, tcpServer = false): Promise<UdpNode<Engine>> {
  const node = await UdpNode.start(await makeEngine(seed, { tcpServer }), { bind: '127.0.0.1', port: 0, ...opts });
  nodes.push(node);
  return node;
}

/** A raw TCP server on 127.0.0.1; `onSocket` gets each connection. */
async function rawServer(onSocket: (s: Socket) => void): Promise<IpPort> {
  const server = createServer((s) => {
    rawSockets.push(s);
    onSocket(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address() as { port: number };
  return { family: 'ipv4', ip: '127.0.0.1', port: a.port };
}

describe('UdpNode TCP streams', () => {
  it('an engine opens a stream to another node\'s TCP port; bytes go both ways in order; its own close reaches the server once', async () => {
    const server = await startNode(2001, { tcpPort: 0 }, true);
    const echo = installEchoServer(server.engine);
    expect(server.tcpAddress).toMatchObject({ family: 'ipv4', ip: '127.0.0.1' });
    expect(server.tcpPort).toBeGreaterThan(0);
    const client = await startNode(2002);
    const owner = new RecordingOwner();
    const id = client.run((e) => e.streams.open(server.tcpAddress!, owner))!;
    expect(id).not.toBeNull();
    await until(() => owner.opened.length === 1);
    const data = pattern(200_000);
    client.run((e) => {
      e.streams.write(id, data.subarray(0, 70_000));
      e.streams.write(id, data.subarray(70_000));
    });
    await until(() => owner.bytes(id).length >= data.length);
    expect(owner.bytes(id)).toEqual(data);
    expect(echo.accepted).toHaveLength(1);
    expect(echo.accepted[0]!.from).toMatchObject({ family: 'ipv4', ip: '127.0.0.1' });
    expect(echo.bytes(echo.accepted[0]!.id)).toEqual(data);
    expect(server.engine.counters.get('rx.stream_bytes')).toBe(data.length);

    client.run((e) => e.streams.close(id));
    await until(() => echo.closed.length === 1);
    await settle();
    expect(echo.closed).toEqual([echo.accepted[0]!.id]);
    // The client closed it itself: nothing is reported to it.
    expect(owner.closed).toEqual([]);
    expect(client.tcp.size).toBe(0);
    expect(server.tcp.size).toBe(0);
  });

  it('a connection the engine refuses is destroyed at once and counted', async () => {
    const server = await startNode(2003, { tcpPort: 0 }); // no relay served
    let ended = false;
    const s = connect({ host: '127.0.0.1', port: server.tcpPort! });
    s.on('error', () => undefined);
    s.on('close', () => (ended = true));
    await until(() => ended);
    expect(server.engine.counters.get('drop.tcp_server.refused')).toBe(1);
    expect(server.tcp.size).toBe(0);
  });

  it.each([
    [{ family: 'ipv4', ip: '192.0.2.7', port: 33445 }, 'non_loopback'],
    [{ family: 'ipv6', ip: '2001:db8::1', port: 33445 }, 'non_loopback'],
    [{ family: 'ipv4', ip: '127.0.0.1', port: 0 }, 'bad_port'],
    [{ family: 'ipv6', ip: '::1', port: 33445 }, 'family'],
  ] as const)('an open to %j is refused (%s), counted, and reported closed once', async (to, reason) => {
    const node = await startNode(2004);
    const owner = new RecordingOwner();
    const id = node.run((e) => e.streams.open(to, owner))!;
    await until(() => owner.closed.length > 0);
    await settle();
    expect(owner.closed).toEqual([id]);
    expect(owner.opened).toEqual([]);
    expect(node.engine.counters.get(`tx.refused_tcp_${reason}`)).toBe(1);
    expect(node.engine.counters.get('tcp.connect')).toBe(0);
  });

  it('with the public network allowed the destination rule does not refuse a public address', async () => {
    const node = await startNode(2005, { allowPublic: true });
    const owner = new RecordingOwner();
    // Port 0 is still refused before any connect: nothing leaves the machine in this test.
    node.run((e) => e.streams.open({ family: 'ipv4', ip: '192.0.2.7', port: 0 }, owner));
    await until(() => owner.closed.length === 1);
    expect(node.engine.counters.get('tx.refused_tcp_non_loopback')).toBe(0);
    expect(node.engine.counters.get('tx.refused_tcp_bad_port')).toBe(1);
  });

  it('a connect nobody answers (closed port) is reported closed once', async () => {
    const port = await rawServer(() => undefined);
    const s = servers.pop()!;
    await new Promise((r) => s.close(r)); // the port is now closed
    const node = await startNode(2006);
    const owner = new RecordingOwner();
    const id = node.run((e) => e.streams.open(port, owner))!;
    await until(() => owner.closed.length > 0);
    await settle();
    expect(owner.closed).toEqual([id]);
    expect(owner.opened).toEqual([]);
  });

  it('a peer that ends or resets the connection: reported closed exactly once, later writes ignored', async () => {
    const port = await rawServer((s) => {
      s.on('error', () => undefined);
      s.once('data', (d) => {
        s.write(d);
        if (d[0] === 1) s.end();
        else s.resetAndDestroy();
      });
    });
    const node = await startNode(2007);
    for (const first of [1, 2]) {
      const owner = new RecordingOwner();
      const id = node.run((e) => e.streams.open(port, owner))!;
      node.run((e) => e.streams.write(id, Uint8Array.of(first, 9, 9)));
      await until(() => owner.closed.length > 0);
      node.run((e) => e.streams.write(id, Uint8Array.of(5))); // to a stream the engine knows is gone
      await settle();
      expect(owner.closed).toEqual([id]);
      expect(owner.opened).toEqual([id]);
      if (first === 1) expect(owner.bytes(id)).toEqual(Uint8Array.of(1, 9, 9));
    }
    expect(node.tcp.size).toBe(0);
  });

  it('a peer that does not read is cut at the buffer cap and reported closed once; one that reads is not', async () => {
    let peerClosed = false;
    let peer: Socket | null = null;
    const stalled = await rawServer((s) => {
      peer = s;
      s.pause();
      s.on('error', () => undefined);
      s.on('close', () => (peerClosed = true));
    });
    let drained = 0;
    const reading = await rawServer((s) => s.on('data', (d) => (drained += d.length)));
    const cap = 256 * 1024;
    const node = await startNode(2008, { tcpBufferCap: cap });
    const chunk = pattern(64 * 1024);
    const total = 64 * 1024 * 1024;

    const reader = new RecordingOwner();
    const rid = node.run((e) => e.streams.open(reading, reader))!;
    await until(() => reader.opened.length === 1);
    // Written as fast as the reader takes it (never more than half the cap ahead).
    for (let sent = 0; sent < 8 * 1024 * 1024; sent += chunk.length) {
      await until(() => sent - drained <= cap / 2);
      node.run((e) => e.streams.write(rid, chunk));
    }
    await until(() => drained === 8 * 1024 * 1024);
    expect(reader.closed).toEqual([]);

    const owner = new RecordingOwner();
    const id = node.run((e) => e.streams.open(stalled, owner))!;
    await until(() => owner.opened.length === 1);
    let sent = 0;
    while (owner.closed.length === 0 && sent < total) {
      node.run((e) => e.streams.write(id, chunk));
      sent += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    expect(owner.closed).toEqual([id]);
    expect(sent).toBeLessThan(total);
    expect(node.engine.counters.get('tcp.write_overflow')).toBe(1);
    // The peer, reading at last, finds the connection ended.
    peer!.resume();
    await until(() => peerClosed);
    await settle();
    expect(owner.closed).toEqual([id]);
  });

  it('udp: false binds no UDP socket (a UDP node does), serves TCP, and counts datagrams it cannot send', async () => {
    const udpSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
    const before = udpSockets();
    const control = await startNode(2009);
    expect(udpSockets()).toBe(before + 1);
    const node = await startNode(2010, { udp: false, tcpPort: 0 }, true);
    expect(udpSockets()).toBe(before + 1);
    expect(node.address).toEqual({ family: 'ipv4', ip: '127.0.0.1', port: 0 });
    expect(node.families).toEqual(['ipv4']);
    node.run((e, now) => e.bootstrap(now, { family: 'ipv4', ip: '127.0.0.1', port: control.address.port }, control.engine.keys.dht.publicKey));
    expect(node.engine.counters.get('tx.refused_udp_off')).toBeGreaterThan(0);
    // Its TCP side works.
    const echo = installEchoServer(node.engine);
    const owner = new RecordingOwner();
    const id = control.run((e) => e.streams.open(node.tcpAddress!, owner))!;
    control.run((e) => e.streams.write(id, Uint8Array.of(7, 7)));
    await until(() => owner.bytes(id).length === 2);
    expect(echo.accepted).toHaveLength(1);
    await node.close();
    expect(udpSockets()).toBe(before + 1);
  });

  it('a TCP port in use is a clear error and leaves no UDP socket behind', async () => {
    const taken = await rawServer(() => undefined);
    const before = process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
    await expect(UdpNode.start(await makeEngine(2011), { bind: '127.0.0.1', port: 0, tcpPort: taken.port })).rejects.toThrow(/TCP.*in use/);
    await settle(); // a closed handle leaves the list on the loop's next turn
    expect(process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length).toBe(before);
  });
});
