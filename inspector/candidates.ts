/**
 * The transitions an actor could take next from its current state, and which guard would pass.
 *
 * Candidates are the transitions of the active states, deepest state first and in definition
 * order within a state — the order XState tries them in. For `tick` transitions the named
 * guard is evaluated (from `machine.implementations.guards`) on the actor's context with a
 * `tick` at the time being inspected; the one XState would take (`getTransitionData`) is marked
 * `selected`. Other events carry fields the guard reads (a DHT key, an address), so for those
 * the guard is shown with "depends on the event".
 */
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { machineSpecs, transitionRef, type MachineName } from '../machines/index.js';
import { resolveSnapshot as resolveMachineSnapshot, runNamedGuard, selectedTransitions, stateNodeView } from '../machines/xstate-adapter.js';
import { transitionById } from './charts.js';
import { activeStateIds } from './history.js';

export type GuardVerdict = 'pass' | 'fail' | 'no guard' | 'depends on the event' | 'unknown';

export interface Candidate {
  readonly id: string;
  readonly source: string;
  readonly event: string;
  readonly guard: string | null;
  readonly targets: readonly string[];
  readonly outputs: readonly string[];
  readonly description: string | null;
  /** For `tick`: whether the guard passes at `now`; otherwise what it depends on. */
  readonly verdict: GuardVerdict;
  /** For `tick`: the transition XState would take at `now`. */
  readonly selected: boolean;
}


/** Evaluates a named guard of `machine` on a context with an event. Throws on an unknown name. */
export function evaluateGuard(machine: AnyStateMachine, guard: string, context: unknown, event: { type: string; now: number }): boolean {
  return runNamedGuard(machine, guard, context, event);
}

/** A machine snapshot rebuilt from a state value and context (for a point in the past). */
export function resolveSnapshot(machine: AnyStateMachine, value: unknown, context: unknown): AnyMachineSnapshot {
  return resolveMachineSnapshot(machine, value, context);
}

/**
 * The candidates from `value` (with `context`, or null when unknown), evaluating tick guards
 * with a `tick` at `now`.
 */
export function candidates(name: MachineName, value: unknown, context: unknown, contextKnown: boolean, now: number): Candidate[] {
  const machine = machineSpecs[name].machine;
  const active = activeStateIds(value).sort((a, b) => b.split('.').length - a.split('.').length);
  const tick = { type: 'tick', now };
  let selectedId: string | null = null;
  if (contextKnown) {
    try {
      const snap = resolveSnapshot(machine, value, context);
      const chosen = selectedTransitions(machine, snap, tick)[0];
      if (chosen) selectedId = transitionRef(machine, chosen).id;
    } catch {
      selectedId = null;
    }
  }
  const out: Candidate[] = [];
  for (const stateId of active) {
    const node = stateNodeView(machine, `${machine.id}.${stateId}`);
    for (const t of node.transitions) {
      const eventType = t.eventType;
      const ref = transitionRef(machine, t);
      const row = transitionById(name, ref.id);
      let verdict: GuardVerdict;
      if (ref.guard === null) verdict = 'no guard';
      else if (eventType !== 'tick') verdict = 'depends on the event';
      else if (!contextKnown || typeof t.guard !== 'string') verdict = 'unknown';
      else verdict = evaluateGuard(machine, t.guard, context, tick) ? 'pass' : 'fail';
      out.push({
        id: ref.id,
        source: ref.source,
        event: ref.event,
        guard: ref.guard,
        targets: ref.targets,
        outputs: row?.outputs ?? [],
        description: ref.description,
        verdict,
        selected: ref.id === selectedId,
      });
    }
  }
  return out;
}
