/**
 * Helpers for the scenario tests: toxstate networks of many engines on the simulated network
 * (virtual clock, seeded; runtime/scenarios/large-network.ts), and the facts a scenario
 * asserts — who is Established, since when (virtual time), what the friend's tasks are doing,
 * and that no engine's handler ever threw (`error.handler`).
 */
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import type { SimNode } from '../../runtime/adapters/sim-network.js';
import { actorKeys } from '../../runtime/engine.js';
import { createLargeNetwork, type LargeNetwork, type LargeNetworkOptions } from '../../runtime/scenarios/large-network.js';

export {
  befriend,
  firstHandlerError,
  handlerErrors,
  isEstablished as established,
  PairWatch,
  pairUp,
} from '../../runtime/scenarios/large-network.js';

export type ScenarioOptions = Omit<LargeNetworkOptions, 'crypto'>;

/** A network of `nodes` engines; small scenarios keep every app event (`recordEvents`). */
export async function makeScenario(opts: ScenarioOptions): Promise<LargeNetwork> {
  return createLargeNetwork({ recordEvents: true, ...opts, crypto: await loadCrypto() });
}

export function progress(n: SimNode, peer: SimNode): string | undefined {
  return n.engine.progressOf(peer.engine.selfHex);
}

/** The state of the friend's dhtkey task (`"Idle"`, `{"Active":"Searching"}`, …) as a string. */
export function dhtkeyState(n: SimNode, peer: SimNode): string {
  const a = n.engine.actors.get(actorKeys.dhtkey(n.engine.selfHex, peer.engine.selfHex));
  return a ? JSON.stringify(a.snapshot.value) : 'none';
}

/** The state of the friend's connect task as a string. */
export function connectState(n: SimNode, peer: SimNode): string {
  const a = n.engine.actors.get(actorKeys.connect(n.engine.selfHex, peer.engine.selfHex));
  return a ? JSON.stringify(a.snapshot.value) : 'none';
}

/** Virtual time of `n`'s first `friend_online` for `peer` at or after `since`. */
export function onlineAt(n: SimNode, peer: SimNode, since = 0): number | undefined {
  return n.events.find((e) => e.type === 'friend_online' && e.friend === peer.engine.selfHex && e.t >= since)?.t;
}

/** The progress states `n` reported for `peer`, in order. */
export function ladder(n: SimNode, peer: SimNode): string[] {
  const out: string[] = [];
  for (const e of n.events) if (e.type === 'progress' && e.friend === peer.engine.selfHex) out.push(e.state);
  return out;
}
