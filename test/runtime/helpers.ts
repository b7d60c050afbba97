/** Test helpers: engines on the simulated network with seeded randomness. */
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { Engine, type EngineOptions } from '../../runtime/engine.js';
import { generateKeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { SimNetwork, type SimNode, type SimOptions } from '../../runtime/adapters/sim-network.js';

export async function makeEngine(seed: number, extra: Partial<EngineOptions> = {}): Promise<Engine> {
  const crypto: Crypto = await loadCrypto();
  const random = seededRandom(seed);
  return new Engine({ crypto, random, identity: generateKeyPair(crypto, random), nospam: random.bytes(4), ...extra });
}

/** A network of `n` engines, all bootstrapped to node 0. */
export async function makeNetwork(n: number, opts: SimOptions = {}, seedBase = 1000): Promise<{ sim: SimNetwork; nodes: SimNode[] }> {
  const sim = new SimNetwork({ seed: seedBase, ...opts });
  const nodes: SimNode[] = [];
  for (let i = 0; i < n; i++) nodes.push(sim.add(await makeEngine(seedBase + i)));
  const first = nodes[0]!;
  for (const node of nodes.slice(1)) node.engine.bootstrap(sim.now, first.address, first.engine.keys.dht.publicKey);
  // Commands outside an input: move their outputs onto the network.
  sim.flush();
  return { sim, nodes };
}
