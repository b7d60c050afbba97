/**
 * The demo network as an inspector target, in either mode:
 *
 *   simulation  runtime/scenarios/demo-network.ts on the simulated network (virtual clock,
 *               Run/Pause/Step in the page) — the default of `toxstate demo --inspect`;
 *   live        the same nodes (same seeds, same keys) over real UDP sockets on 127.0.0.1
 *               with one shared monotonic clock — `toxstate demo --udp --inspect`.
 */
import { performance } from 'node:perf_hooks';
import type { Crypto } from '../protocol/crypto.js';
import { UdpNode } from '../runtime/adapters/node-udp.js';
import { Engine } from '../runtime/engine.js';
import { generateKeyPair } from '../runtime/keys.js';
import { seededRandom } from '../runtime/random.js';
import { createDemoNetwork, demoCast, demoIdentity, DemoStory, type DemoNetwork } from '../runtime/scenarios/demo-network.js';
import { liveTarget, simulationTarget, type InspectNode, type InspectTarget } from './target.js';

export interface DemoTargetOptions {
  readonly crypto: Crypto;
  readonly seed?: number;
  readonly extraFriends?: number;
  readonly dhtNodes?: number;
}

export interface DemoTarget {
  readonly target: InspectTarget;
  /** The simulated network (simulation mode). */
  readonly demo: DemoNetwork | null;
  /** The UDP nodes (live mode). */
  readonly udp: readonly UdpNode<Engine>[];
  /** Alice and Bob's story (friend request, Established, message round trip). */
  readonly story: DemoStory;
  /**
   * Simulation only: rebuilds the network from the same seed and options, paused at t = 0 (the
   * inspector's Restart). `target`, `demo` and `story` name the new network afterwards.
   */
  readonly restart?: () => InspectTarget;
  close(): Promise<void>;
}

const DEFAULT_SEED = 2026;

export function simulatedDemo(opts: DemoTargetOptions): DemoTarget {
  const build = (): { demo: DemoNetwork; target: InspectTarget } => {
    const demo = createDemoNetwork({
      crypto: opts.crypto,
      seed: opts.seed ?? DEFAULT_SEED,
      ...(opts.extraFriends !== undefined ? { extraFriends: opts.extraFriends } : {}),
      ...(opts.dhtNodes !== undefined ? { dhtNodes: opts.dhtNodes } : {}),
    });
    const nodes: InspectNode[] = demo.nodes.map((d) => ({ name: d.name, engine: d.node.engine }));
    // Bob is shown first: he sends the friend request, so his session with Alice exists from the start.
    return { demo, target: { ...simulationTarget(demo.sim, nodes, 'toxstate demo (simulated network)'), defaultNode: nodes.findIndex((n) => n.name === 'Bob') } };
  };
  let current = build();
  return {
    get target() {
      return current.target;
    },
    get demo() {
      return current.demo;
    },
    get story() {
      return current.demo.story;
    },
    udp: [],
    restart() {
      current = build();
      return current.target;
    },
    async close() {},
  };
}

/**
 * The demo's nodes over UDP on 127.0.0.1 (any free ports): DHT nodes bootstrapped to the first,
 * then Alice and Bob and the same story as on the simulated network. Identities follow
 * createDemoNetwork's seeds.
 */
export async function udpDemo(opts: DemoTargetOptions): Promise<DemoTarget> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const t0 = performance.now();
  const clock = (): number => performance.now() - t0;
  const udp: UdpNode<Engine>[] = [];
  const nodes: InspectNode[] = [];
  let story: DemoStory;
  try {
    for (const { name, index } of demoCast(opts.dhtNodes ?? 4)) {
      const id = demoIdentity(opts.crypto, name, seed * 100 + index);
      const engine = new Engine({ crypto: opts.crypto, random: id.random, identity: id.keys, nospam: id.nospam, name, epochMs: Date.now() - clock() });
      udp.push(await UdpNode.start(engine, { bind: '127.0.0.1', port: 0, clock }));
      nodes.push({ name, engine });
    }
    const first = udp[0]!;
    for (const n of udp.slice(1)) n.run((e, now) => e.bootstrap(now, first.address, first.engine.keys.dht.publicKey));
    const alice = udp[nodes.findIndex((n) => n.name === 'Alice')]!;
    const bob = udp[nodes.findIndex((n) => n.name === 'Bob')]!;
    const filler = seededRandom(seed + 7);
    for (let i = 0; i < (opts.extraFriends ?? 0); i++) bob.run((e, now) => e.addFriend(now, generateKeyPair(opts.crypto, filler).publicKey));
    story = new DemoStory(alice, bob);
    alice.onEvent((e) => story.onEvent('Alice', e));
    bob.onEvent((e) => story.onEvent('Bob', e));
    story.begin('request');
  } catch (e) {
    await Promise.all(udp.map((n) => n.close()));
    throw e;
  }
  return {
    target: { ...liveTarget(nodes, clock, 'toxstate demo (UDP on 127.0.0.1)'), defaultNode: nodes.findIndex((n) => n.name === 'Bob') },
    demo: null,
    story,
    udp,
    async close() {
      await Promise.all(udp.map((n) => n.close()));
    },
  };
}

/**
 * How `toxstate demo` serves a demo: a simulation waits paused at t = 0 until the first page
 * connects (the first 0.6 s are the interesting ones), and the page's Restart rebuilds it from
 * the same seed. The UDP demo has no virtual clock: neither applies.
 */
export function demoInspectorOptions(d: DemoTarget): { runOnFirstClient: boolean; restart?: () => InspectTarget } {
  return d.restart ? { runOnFirstClient: true, restart: d.restart } : { runOnFirstClient: false };
}
