/**
 * TCP streams on the simulated network (runtime/adapters/sim-streams.ts), with real engines and
 * test-only stream owners (stream-helpers.ts): connect in one round trip, accept after the
 * one-way latency, bytes in order after the latency (also with jitter), closes that propagate,
 * refused and unreachable connects, partitions and nodes going down, the in-flight bound, and a
 * seed that gives the same run.
 */
import { describe, expect, it } from 'vitest';
import type { IpPort } from '../../protocol/ip-port.js';
import { SimNetwork, type SimNode, type SimOptions } from '../../runtime/adapters/sim-network.js';
import { MAX_SIM_STREAM_IN_FLIGHT_BYTES } from '../../runtime/adapters/sim-streams.js';
import { makeEngine } from './helpers.js';
import { installEchoServer, pattern, RecordingOwner, type EchoServer } from './stream-helpers.js';

const TCP_PORT = 3389;

interface Pair {
  sim: SimNetwork;
  client: SimNode;
  server: SimNode;
  echo: EchoServer;
  owner: RecordingOwner;
  relay: IpPort;
}

/** Node 0 a client, node 1 serving TCP (an echo layer) at TCP_PORT; 10 ms one way by default. */
async function pair(opts: SimOptions = {}, seed = 3000, serve = true): Promise<Pair> {
  const sim = new SimNetwork({ seed, latencyMs: 10, ...opts });
  const client = sim.add(await makeEngine(seed + 1));
  const server = sim.add(await makeEngine(seed + 2, { tcpServer: serve }));
  server.tcpPort = TCP_PORT;
  const clock = (): number => sim.now;
  const echo = installEchoServer(server.engine, clock);
  return { sim, client, server, echo, owner: new RecordingOwner(clock), relay: { ...server.address, port: TCP_PORT } };
}

/** Opens a stream from the client (a command outside an input: flushed onto the network). */
function open(p: Pair, to: IpPort = p.relay): number {
  const id = p.client.engine.streams.open(to, p.owner);
  expect(id).not.toBeNull();
  p.sim.flush([p.client]);
  return id!;
}

function write(p: Pair, node: SimNode, id: number, data: Uint8Array): void {
  node.engine.streams.write(id, data);
  p.sim.flush([node]);
}

describe('simulated TCP streams', () => {
  it('accept after the one-way latency, opened after the round trip, bytes echoed in order, a close propagates', async () => {
    const p = await pair();
    const t0 = p.sim.now;
    const id = open(p);
    p.sim.runFor(100);
    expect(p.echo.log).toEqual([`accepted ${p.echo.accepted[0]!.id} from 127.0.0.1:49152 @${t0 + 10}`]);
    expect(p.owner.log).toEqual([`opened ${id} @${t0 + 20}`]);
    const sid = p.echo.accepted[0]!.id;

    const t1 = p.sim.now;
    write(p, p.client, id, pattern(1000));
    write(p, p.client, id, pattern(500, 1000));
    p.sim.runFor(100);
    expect(p.echo.log.slice(1)).toEqual([`data ${sid} 1000 @${t1 + 10}`, `data ${sid} 500 @${t1 + 10}`]);
    expect(p.owner.log.slice(1)).toEqual([`data ${id} 1000 @${t1 + 20}`, `data ${id} 500 @${t1 + 20}`]);
    expect(p.owner.bytes(id)).toEqual(pattern(1500));

    const t2 = p.sim.now;
    p.client.engine.streams.close(id);
    p.sim.flush([p.client]);
    p.sim.runFor(100);
    expect(p.echo.log.slice(3)).toEqual([`closed ${sid} @${t2 + 10}`]);
    expect(p.owner.closed).toEqual([]); // its own close is not reported back
    expect(p.sim.streams.size).toBe(0);
    expect(p.sim.streams.stats).toMatchObject({ opens: 1, accepted: 1, refused: 0, bytes: 3000, broken: 0 });
  });

  it('bytes written while connecting leave when the opener hears it connected', async () => {
    const p = await pair();
    const t0 = p.sim.now;
    const id = open(p);
    write(p, p.client, id, pattern(300));
    p.sim.runFor(100);
    const sid = p.echo.accepted[0]!.id;
    expect(p.echo.log).toEqual([`accepted ${sid} from 127.0.0.1:49152 @${t0 + 10}`, `data ${sid} 300 @${t0 + 30}`]);
    expect(p.owner.bytes(id)).toEqual(pattern(300));
  });

  it('a refused accept and a port nobody serves: the opener hears closed after the round trip', async () => {
    const p = await pair({}, 3010, false); // the engine serves no relay: acceptStream refuses
    const t0 = p.sim.now;
    const id = open(p);
    const id2 = open(p, { ...p.relay, port: TCP_PORT + 1 });
    p.sim.runFor(100);
    expect([...p.owner.log].sort()).toEqual([`closed ${id} @${t0 + 20}`, `closed ${id2} @${t0 + 20}`]);
    expect(p.echo.accepted).toEqual([]);
    expect(p.server.engine.counters.get('drop.tcp_server.refused')).toBe(1);
    expect(p.sim.streams.stats).toMatchObject({ opens: 2, accepted: 0, refused: 2 });
    expect(p.sim.streams.size).toBe(0);
  });

  it('a partition closes the stream on both sides after the latency; nothing crosses it', async () => {
    const p = await pair();
    const id = open(p);
    p.sim.runFor(100);
    const sid = p.echo.accepted[0]!.id;
    const t1 = p.sim.now;
    p.sim.partition([[p.client], [p.server]]);
    write(p, p.client, id, pattern(10));
    p.sim.runFor(60_000);
    expect(p.owner.closed).toEqual([id]);
    expect(p.echo.closed).toEqual([sid]);
    expect(p.echo.received.get(sid)).toBeUndefined();
    // The client ran at once (the write): it noticed, and heard it closed one latency later.
    expect(p.owner.log[1]).toBe(`closed ${id} @${t1 + 10}`);
    expect(p.sim.streams.stats.broken).toBe(1);
    expect(p.sim.streams.size).toBe(0);
  });

  it('a silent partition is noticed when a side next runs; a node down hears it when it is back', async () => {
    const p = await pair();
    const id = open(p);
    p.sim.runFor(100);
    const sid = p.echo.accepted[0]!.id;
    p.sim.setUp(p.server, false);
    p.sim.runFor(60_000);
    expect(p.owner.closed).toEqual([id]); // the client's own timers ran: it noticed
    expect(p.echo.closed).toEqual([]); // the server is down and hears nothing
    p.sim.setUp(p.server, true);
    p.sim.runFor(1_000);
    expect(p.echo.closed).toEqual([sid]);
    expect(p.sim.streams.size).toBe(0);
  });

  it('a node removed (a restart at the same address) breaks its streams; the survivor hears it once', async () => {
    const p = await pair();
    const id = open(p);
    p.sim.runFor(100);
    const restarted = p.sim.replace(p.server, await makeEngine(3099, { tcpServer: true }));
    restarted.tcpPort = TCP_PORT;
    const echo2 = installEchoServer(restarted.engine);
    write(p, p.client, id, pattern(10));
    p.sim.runFor(60_000);
    expect(p.owner.closed).toEqual([id]);
    expect(echo2.received.size).toBe(0);
    // A new stream reaches the new engine.
    const id2 = open(p);
    p.sim.runFor(100);
    expect(p.owner.opened).toEqual([id, id2]);
    expect(echo2.accepted).toHaveLength(1);
  });

  it('with jitter the bytes of a stream still arrive in order and complete', async () => {
    const p = await pair({ jitterMs: 40, loss: 0.3, duplicate: 0.3 });
    const id = open(p);
    p.sim.runFor(200);
    const data = pattern(50_000);
    for (let off = 0; off < data.length; off += 1000) write(p, p.client, id, data.subarray(off, off + 1000));
    p.sim.runFor(2_000);
    expect(p.echo.bytes(p.echo.accepted[0]!.id)).toEqual(data);
    expect(p.owner.bytes(id)).toEqual(data);
  });

  it('more than the in-flight bound written at once breaks the connection on both sides', async () => {
    const p = await pair();
    const id = open(p);
    p.sim.runFor(100);
    p.echo.echo = false;
    write(p, p.client, id, pattern(MAX_SIM_STREAM_IN_FLIGHT_BYTES - 10));
    write(p, p.client, id, pattern(11));
    p.sim.runFor(100);
    expect(p.sim.streams.stats.overflow).toBe(1);
    expect(p.owner.closed).toEqual([id]);
    expect(p.echo.closed).toEqual([p.echo.accepted[0]!.id]);
  });

  it('the same seed gives the same run; another seed (with jitter) another', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const p = await pair({ jitterMs: 25 }, seed);
      const id = open(p);
      p.sim.runFor(200);
      for (let i = 0; i < 20; i++) write(p, p.client, id, pattern(100 + i));
      p.sim.runFor(500);
      p.sim.partition([[p.client], [p.server]]);
      write(p, p.server, p.echo.accepted[0]!.id, pattern(5));
      p.sim.runFor(5_000);
      return [...p.owner.log, ...p.echo.log, JSON.stringify(p.sim.stats), JSON.stringify(p.sim.streams.stats)];
    };
    const a = await run(3050);
    expect(await run(3050)).toEqual(a);
    expect(await run(3051)).not.toEqual(a);
    expect(a.filter((l) => l.startsWith('closed'))).toHaveLength(2);
  });
});
