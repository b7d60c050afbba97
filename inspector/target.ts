/**
 * What the inspector looks at: one or more engines (nodes) and their clock, in one of two modes.
 *
 *   live        a running node (UDP, real clock): read-only over the live engine and its journal;
 *   simulation  engines on the simulated network (virtual clock): the page may Run, Pause and
 *               Step it, and change its link conditions.
 *
 * The inspector never steps a machine itself: everything it shows comes from the engines'
 * actors and journals (runtime/actors.ts, runtime/journal.ts).
 */
import type { SimNetwork } from '../runtime/adapters/sim-network.js';
import type { ToxEngine } from '../runtime/tox-engine.js';

export interface InspectNode {
  /** A short display name (`Alice`, `dht-1`); unique within a target. */
  readonly name: string;
  readonly engine: ToxEngine;
}

export interface InspectTarget {
  readonly mode: 'live' | 'simulation';
  readonly nodes: readonly InspectNode[];
  /** The nodes' clock now (engine milliseconds). */
  now(): number;
  /** The simulated network (simulation mode only): the page's Run/Pause/Step act on it. */
  readonly sim?: SimNetwork;
  /** Index of the node shown first (default: the node named Alice, else 0). */
  readonly defaultNode?: number;
  /** A title for the page (default `toxstate inspector`). */
  readonly title?: string;
}

/** A live target: running engines sharing one clock (a UDP node, or the demo over UDP). */
export function liveTarget(nodes: readonly InspectNode[], clock: () => number, title?: string): InspectTarget {
  return { mode: 'live', nodes, now: clock, ...(title !== undefined ? { title } : {}) };
}

/** A simulation target over a simulated network. */
export function simulationTarget(sim: SimNetwork, nodes: readonly InspectNode[], title?: string): InspectTarget {
  return { mode: 'simulation', nodes, sim, now: () => sim.now, ...(title !== undefined ? { title } : {}) };
}

export function defaultNodeIndex(target: InspectTarget): number {
  if (target.defaultNode !== undefined) return target.defaultNode;
  const alice = target.nodes.findIndex((n) => n.name === 'Alice');
  return alice >= 0 ? alice : 0;
}
