/**
 * The embedded default: a small local toxstate network — a few DHT nodes and two users, Alice
 * and Bob. Bob sends Alice a friend request, Alice accepts it, their sessions walk the
 * ToxProgress states to Established, Bob says hello and Alice answers (a message round trip).
 *
 * Used by `npm start` / `toxstate demo`, the inspector's simulation mode, and tests. The story
 * (`DemoStory`) is transport-free: it runs on the simulated network with a virtual clock
 * (`createDemoNetwork`, so it can be stepped) and over UDP on 127.0.0.1 (inspector/demo.ts).
 */
import type { Crypto } from '../../protocol/crypto.js';
import { formatToxId } from '../../protocol/tox-id.js';
import type { AppEvent } from '../app-events.js';
import { Engine } from '../engine.js';
import { generateKeyPair, type KeyPair } from '../keys.js';
import { seededRandom, type Random } from '../random.js';
import { SimNetwork, type SimNode, type SimOptions } from '../adapters/sim-network.js';

export const DEMO_REQUEST_MESSAGE = "Hi Alice, it's Bob. Let's be friends!";
export const DEMO_HELLO = 'Hello Alice!';
export const DEMO_REPLY = 'Hi Bob! Your message arrived.';

export interface DemoNode {
  readonly name: string;
  readonly node: SimNode;
}

export interface DemoNetwork {
  readonly sim: SimNetwork;
  readonly nodes: readonly DemoNode[];
  readonly alice: DemoNode;
  readonly bob: DemoNode;
  readonly story: DemoStory;
}

export interface DemoOptions extends SimOptions {
  readonly crypto: Crypto;
  /** DHT-only helper nodes besides Alice and Bob (default 4). */
  readonly dhtNodes?: number;
  /** Extra friends given to Bob (profiles with no node behind them), to exercise big friend lists. */
  readonly extraFriends?: number;
  /**
   * `request` (default): Bob sends Alice a friend request that she accepts. `friends`: they
   * start as friends of each other (no request), which connects sooner.
   */
  readonly befriend?: 'request' | 'friends';
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

/** The names and identity seeds of the demo's nodes: DHT helpers first, then Alice and Bob. */
export function demoCast(dhtNodes: number): Array<{ name: string; index: number }> {
  const cast: Array<{ name: string; index: number }> = [];
  for (let i = 0; i < dhtNodes; i++) cast.push({ name: `dht-${i + 1}`, index: i });
  cast.push({ name: 'Alice', index: 100 }, { name: 'Bob', index: 101 });
  return cast;
}

/** One user of the story: its engine and a way to run a command against it (then move its outputs). */
export interface StoryActor {
  readonly engine: Engine;
  run(command: (engine: Engine, now: number) => void): void;
}

export interface StoryLine {
  readonly t: number;
  readonly who: 'Alice' | 'Bob';
  readonly what: string;
}

/**
 * The demo's script, driven by the two users' events: Alice accepts Bob's request; when Bob sees
 * Alice online he says hello; Alice answers; the story is done when Bob has her answer.
 */
export class DemoStory {
  readonly timeline: StoryLine[] = [];
  done = false;
  private helloSent = false;

  constructor(
    readonly alice: StoryActor,
    readonly bob: StoryActor,
  ) {}

  /** Starts the story: Bob asks Alice to be friends (or, with `friends`, both already are). */
  begin(befriend: 'request' | 'friends'): void {
    const a = this.alice.engine;
    const b = this.bob.engine;
    if (befriend === 'request') {
      this.bob.run((e, now) => e.sendFriendRequest(now, formatToxId(a.keys.real.publicKey, a.nospam), DEMO_REQUEST_MESSAGE));
    } else {
      this.bob.run((e, now) => e.addFriend(now, a.keys.real.publicKey));
      this.alice.run((e, now) => e.addFriend(now, b.keys.real.publicKey));
    }
  }

  /** Feed every app event of Alice and Bob here. */
  onEvent(who: 'Alice' | 'Bob', e: AppEvent): void {
    const other = who === 'Alice' ? this.bob.engine.selfHex : this.alice.engine.selfHex;
    const me = who === 'Alice' ? this.alice : this.bob;
    const note = (what: string): void => void this.timeline.push({ t: e.t, who, what });
    switch (e.type) {
      case 'progress':
        if (e.friend === other) note(e.state);
        return;
      case 'friend_request':
        if (who === 'Alice' && e.pk === other) {
          note(`friend request from Bob: “${e.message}” — accepted`);
          me.run((eng, now) => eng.acceptFriendRequest(now, e.pk));
        }
        return;
      case 'friend_online':
        if (e.friend !== other) return;
        note('friend online');
        if (who === 'Bob' && !this.helloSent) {
          this.helloSent = true;
          me.run((eng, now) => eng.sendMessage(now, other, DEMO_HELLO));
        }
        return;
      case 'message':
        if (e.friend !== other) return;
        note(`message: “${e.text}”`);
        if (who === 'Alice' && e.text === DEMO_HELLO) me.run((eng, now) => eng.sendMessage(now, other, DEMO_REPLY));
        if (who === 'Bob' && e.text === DEMO_REPLY) this.done = true;
        return;
      case 'receipt':
        if (e.friend === other) note(`receipt for message ${e.id}`);
        return;
      default:
    }
  }
}

/** Builds the demo network on the simulated network and starts the story. */
export function createDemoNetwork(opts: DemoOptions): DemoNetwork {
  const { crypto } = opts;
  const seed = opts.seed ?? 2026;
  const sim = new SimNetwork({ latencyMs: 20, jitterMs: 10, ...opts, seed });
  const nodes: DemoNode[] = demoCast(opts.dhtNodes ?? 4).map(({ name, index }) => {
    const id = demoIdentity(crypto, name, seed * 100 + index);
    const engine = new Engine({ crypto, random: id.random, identity: id.keys, nospam: id.nospam, name });
    return { name, node: sim.add(engine) };
  });
  const alice = nodes.find((n) => n.name === 'Alice')!;
  const bob = nodes.find((n) => n.name === 'Bob')!;
  const first = nodes[0]!.node;
  for (const d of nodes.slice(1)) d.node.engine.bootstrap(sim.now, first.address, first.engine.keys.dht.publicKey);
  const actor = (d: DemoNode): StoryActor => ({
    engine: d.node.engine,
    run(command) {
      command(d.node.engine, sim.now);
      sim.flush([d.node]);
    },
  });
  const story = new DemoStory(actor(alice), actor(bob));
  sim.onEvent((n, e) => {
    if (n === alice.node) story.onEvent('Alice', e);
    else if (n === bob.node) story.onEvent('Bob', e);
  });
  const filler = seededRandom(seed + 7);
  for (let i = 0; i < (opts.extraFriends ?? 0); i++) bob.node.engine.addFriend(sim.now, generateKeyPair(crypto, filler).publicKey);
  sim.flush();
  story.begin(opts.befriend ?? 'request');
  return { sim, nodes, alice, bob, story };
}
