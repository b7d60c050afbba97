/**
 * Friends and a TCP relay on the simulated network (runtime/adapters/sim-network.ts, sim-nat.ts,
 * sim-streams.ts), for the path and relay scenario tests: eight public DHT nodes, the first also
 * a relay (EngineOptions.tcpServer, SimNode.tcpPort), and friends A and B — public or behind
 * simulated NATs — that both know the relay (`addTcpRelay`). A test switch (`blocked`) drops the
 * net_crypto datagrams A and B send each other (their DHT packets, and so the address checks,
 * still pass: a path that loses only the session's packets); a tap records each session
 * packet they send each other, by way (the datagram to the peer, or the relay client's
 * sendToPeer) and packet id. Built like test/runtime/hole-punch.test.ts's networks.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import type { AppEvent } from '../../runtime/app-events.js';
import type { NatType } from '../../runtime/adapters/sim-nat.js';
import { SimNetwork, type SimNode } from '../../runtime/adapters/sim-network.js';
import type { Engine } from '../../runtime/engine.js';
import { relayActorKey } from '../../runtime/tcp/wiring.js';
import { makeEngine } from './helpers.js';

export const RELAY_TCP_PORT = 33446;
/** net_crypto's packets (cookie request 0x18, cookie response 0x19, handshake 0x1a, data 0x1b). */
const isSessionPacket = (data: Bytes): boolean => data[0]! >= 0x18 && data[0]! <= 0x1b;
const at = (ip: string, port = 33445): IpPort => ({ family: 'ipv4', ip, port });

export interface Sent {
  readonly at: number;
  readonly via: 'udp' | 'tcp';
  readonly id: number;
  readonly bytes: number;
}

export interface PairOptions {
  /** Whether the first DHT node serves a relay the friends know (default true). */
  readonly relay?: boolean;
  /** Datagrams between A and B dropped from the start. */
  readonly blocked?: boolean;
  readonly natA?: NatType;
  readonly natB?: NatType;
}

export class RelayPair {
  /** Drop the net_crypto datagrams A and B send each other. */
  blocked = false;
  private readonly logs = new Map<SimNode, Sent[]>();

  private constructor(
    readonly sim: SimNetwork,
    readonly dht: readonly SimNode[],
    readonly a: SimNode,
    readonly b: SimNode,
  ) {}

  static async create(seed: number, opts: PairOptions = {}): Promise<RelayPair> {
    const relay = opts.relay ?? true;
    const sim = new SimNetwork({ seed, latencyMs: 10 });
    const dht: SimNode[] = [];
    for (let i = 0; i < 8; i++) {
      const e = await makeEngine(seed * 100 + i, i === 0 && relay ? { tcpServer: true } : {});
      dht.push(i === 0 ? sim.add(e, at(`198.51.100.${i + 1}`)) : sim.join(e, [dht[0]!], at(`198.51.100.${i + 1}`)));
    }
    if (relay) dht[0]!.tcpPort = RELAY_TCP_PORT;
    sim.runFor(5000);
    const natA = opts.natA ?? 'none';
    const natB = opts.natB ?? 'none';
    const a = sim.join(await makeEngine(seed * 100 + 50), [dht[0]!], natA === 'none' ? at('203.0.113.1') : at('10.0.1.2'), { nat: natA });
    const b = sim.join(await makeEngine(seed * 100 + 51), [dht[1]!], natB === 'none' ? at('203.0.113.2') : at('10.0.2.2'), { nat: natB });
    const p = new RelayPair(sim, dht, a, b);
    p.blocked = opts.blocked ?? false;
    p.tap(a, b);
    p.tap(b, a);
    if (relay) for (const n of [a, b]) n.engine.addTcpRelay(sim.now, p.relayAddress, p.relayNode.engine.keys.dht.publicKey);
    sim.flush();
    return p;
  }

  get relayNode(): SimNode {
    return this.dht[0]!;
  }

  get relayAddress(): IpPort {
    return { ...this.relayNode.address, port: RELAY_TCP_PORT };
  }

  /** The state of x's tcpRelay actor for the relay (machines/tcp-relay.ts). */
  relayState(x: SimNode): unknown {
    return x.engine.actors.get(relayActorKey(this.relayNode.engine.dhtKeyHex))?.snapshot.value;
  }

  /** The friends add each other; runs until both sessions are established (at most `maxMs`). */
  connect(maxMs = 120_000): boolean {
    const { a, b, sim } = this;
    a.engine.addFriend(sim.now, b.engine.keys.real.publicKey);
    b.engine.addFriend(sim.now, a.engine.keys.real.publicKey);
    sim.flush();
    return sim.runUntilTrue(() => this.established(), maxMs);
  }

  established(): boolean {
    return this.a.engine.progressOf(this.b.engine.selfHex) === 'Established' && this.b.engine.progressOf(this.a.engine.selfHex) === 'Established';
  }

  run(ms: number): void {
    this.sim.runFor(ms);
  }

  /** What `x` sent its friend. */
  sent(x: SimNode): readonly Sent[] {
    return this.logs.get(x) ?? [];
  }

  /** `friend_online` and `friend_path` events of x about y, in order. */
  pathEvents(x: SimNode, y: SimNode): Array<Extract<AppEvent, { type: 'friend_online' | 'friend_path' }>> {
    return x.events.filter((e): e is Extract<AppEvent, { type: 'friend_online' | 'friend_path' }> & { node: number } => (e.type === 'friend_online' || e.type === 'friend_path') && e.friend === y.engine.selfHex);
  }

  /** The paths x reported for its session with y. */
  paths(x: SimNode, y: SimNode): string[] {
    return this.pathEvents(x, y).map((e) => e.path);
  }

  message(x: SimNode, y: SimNode, text: string): void {
    x.engine.sendMessage(this.sim.now, y.engine.selfHex, text);
    this.sim.flush([x]);
  }

  /** Messages x received from y. */
  received(x: SimNode, y: SimNode): string[] {
    return x.events.flatMap((e) => (e.type === 'message' && e.friend === y.engine.selfHex ? [e.text] : []));
  }

  /** Every `friend_offline` of A or B. */
  offline(): AppEvent[] {
    return [...this.a.events, ...this.b.events].filter((e) => e.type === 'friend_offline');
  }

  /** Records x's session packets to y and applies the UDP switch. */
  private tap(x: SimNode, y: SimNode): void {
    const log: Sent[] = [];
    this.logs.set(x, log);
    const e: Engine = x.engine;
    const takeTransmits = e.takeTransmits.bind(e);
    const toPeer = (to: IpPort): boolean => to.ip === y.address.ip || (y.nat !== undefined && to.ip === y.nat.publicIp);
    e.takeTransmits = () =>
      takeTransmits().filter((t) => {
        if (!toPeer(t.to) || !isSessionPacket(t.data)) return true;
        log.push({ at: this.sim.now, via: 'udp', id: t.data[0]!, bytes: t.data.length });
        return !this.blocked;
      });
    const client = e.tcp.client;
    const sendToPeer = client.sendToPeer.bind(client);
    client.sendToPeer = (peer: string, packet: Bytes): boolean => {
      const ok = sendToPeer(peer, packet);
      if (ok && peer === y.engine.dhtKeyHex) log.push({ at: this.sim.now, via: 'tcp', id: packet[0]!, bytes: packet.length });
      return ok;
    };
  }
}
