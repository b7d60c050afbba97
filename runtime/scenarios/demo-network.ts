/**
 * The embedded default: a small local toxstate network — a few DHT nodes and two users, Alice
 * and Bob, who become friends. Used by `npm start` / `toxstate demo`, the inspector's
 * simulation mode, and tests. By default it runs on the simulated network with a virtual
 * clock (so it can be stepped); the CLI can run the same nodes over UDP on 127.0.0.1.
 */
import type { Crypto } from '../../protocol/crypto.js';
import { Engine } from '../engine.js';
import { generateKeyPair, type KeyPair } from '../keys.js';
import { seededRandom, type Random } from '../random.js';
import { SimNetwork, type SimNode, type SimOptions } from '../adapters/sim-network.js';

export interface DemoNode {
  readonly name: string;
  readonly node: SimNode;
}

export interface DemoNetwork {
  readonly sim: SimNetwork;
  readonly nodes: readonly DemoNode[];
  readonly alice: DemoNode;
  readonly bob: DemoNode;
}

export interface DemoOptions extends SimOptions {
  readonly crypto: Crypto;
  /** DHT-only helper nodes besides Alice and Bob (default 4). */
  readonly dhtNodes?: number;
  /** Extra friends given to Alice (profiles with no node behind them), to exercise big friend lists. */
  readonly extraFriends?: number;
}

export interface DemoIdentity {
  readonly name: string;
  readonly keys: KeyPair;
  readonly nospam: Uint8Array;
  readonly random: Random;
}

export function demoIdentity(crypto: Crypto, name: string, seed: number): DemoIdentity {
  const random = seededRandom(seed);
  return { name, keys: generateKeyPair(crypto, random), nospam: random.bytes(4), random };
}

/** Builds the demo network: DHT nodes first (all bootstrapped to the first), then Alice and Bob, who befriend each other. */
export function createDemoNetwork(opts: DemoOptions): DemoNetwork {
  const { crypto } = opts;
  const seed = opts.seed ?? 2026;
  const sim = new SimNetwork({ latencyMs: 20, jitterMs: 10, ...opts, seed });
  const nodes: DemoNode[] = [];
  const make = (name: string, i: number): DemoNode => {
    const id = demoIdentity(crypto, name, seed * 100 + i);
    const engine = new Engine({ crypto, random: id.random, identity: id.keys, nospam: id.nospam, name });
    const d = { name, node: sim.add(engine) };
    nodes.push(d);
    return d;
  };
  const count = opts.dhtNodes ?? 4;
  for (let i = 0; i < count; i++) make(`dht-${i + 1}`, i);
  const alice = make('Alice', 100);
  const bob = make('Bob', 101);
  const first = nodes[0]!.node;
  for (const d of nodes.slice(1)) d.node.engine.bootstrap(sim.now, first.address, first.engine.keys.dht.publicKey);
  bob.node.engine.addFriend(sim.now, alice.node.engine.keys.real.publicKey);
  alice.node.engine.addFriend(sim.now, bob.node.engine.keys.real.publicKey);
  const extra = opts.extraFriends ?? 0;
  const filler = seededRandom(seed + 7);
  for (let i = 0; i < extra; i++) alice.node.engine.addFriend(sim.now, generateKeyPair(crypto, filler).publicKey);
  sim.flush();
  return { sim, nodes, alice, bob };
}
