/**
 * Pure stepping of any state-core machine: the one way the runtime, the tests and the
 * inspector advance a machine.
 *
 * `step(machine, snapshot, event)` returns the next snapshot, the outputs the machine emitted
 * (its semantic commands such as `send.cookieRequest`), and which transition was taken
 * (`null` when the state ignores the event). Nothing is executed; outputs are data.
 */
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import {
  emittedEvents,
  pureInitialTransition,
  pureTransition,
  selectedTransitions,
  stateTree,
  type StateNodeView,
  type TransitionDefinition,
} from './xstate-adapter.js';

/** A stable reference to one transition of a machine definition. */
export interface TransitionRef {
  /** `<source state id>|<event type>|<index among that state's transitions for the event>` */
  readonly id: string;
  readonly source: string;
  readonly event: string;
  readonly guard: string | null;
  readonly targets: readonly string[];
  readonly description: string | null;
}

export interface StepResult<TSnapshot, TOutput> {
  readonly snapshot: TSnapshot;
  readonly outputs: TOutput[];
  /** The transition taken, or null when the event was ignored in this state. */
  readonly taken: TransitionRef | null;
}

/** Describes a guard as text: a name, or a combination such as `and(a, b)`. */
export function guardText(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return String((guard as { type: unknown }).type);
  if (typeof guard === 'function') {
    const g = guard as { check?: unknown; guards?: unknown[]; name?: string };
    if (Array.isArray(g.guards)) return `${g.name ?? 'guard'}(${g.guards.map(guardText).join(', ')})`;
    return g.name || 'inline';
  }
  return 'guard';
}

function stateId(id: string, machineId: string): string {
  // State ids are `<machine id>.<path>`; the machine id prefix is noise in tables.
  return id.startsWith(`${machineId}.`) ? id.slice(machineId.length + 1) : id;
}

/** Builds the stable reference of a transition definition. */
export function transitionRef(machine: AnyStateMachine, t: TransitionDefinition): TransitionRef {
  const source = stateId(t.sourceId, machine.id);
  return {
    id: `${source}|${t.eventType}|${t.index}`,
    source,
    event: t.eventType,
    guard: guardText(t.guard),
    targets: t.targetIds.map((id) => stateId(id, machine.id)),
    description: t.description,
  };
}

/** Any event of the state core: a type and its fields (always including `now`). */
export type MachineEvent = { readonly type: string; readonly [field: string]: unknown };

/** Advances `snapshot` by `event`, purely. */
export function step<TMachine extends AnyStateMachine, TOutput = EventObject>(
  machine: TMachine,
  snapshot: AnyMachineSnapshot,
  event: MachineEvent,
): StepResult<AnyMachineSnapshot, TOutput> {
  const first = selectedTransitions(machine, snapshot, event as EventObject)[0];
  if (first === undefined) return { snapshot, outputs: [], taken: null };
  const [next, actions] = pureTransition(machine, snapshot, event as EventObject);
  return { snapshot: next, outputs: emittedEvents<TOutput>(actions), taken: transitionRef(machine, first) };
}

/** The initial snapshot of a machine and the outputs of its entry. */
export function start<TMachine extends AnyStateMachine, TOutput = EventObject>(
  machine: TMachine,
  input: unknown,
): { snapshot: AnyMachineSnapshot; outputs: TOutput[] } {
  const [snapshot, actions] = pureInitialTransition(machine, input);
  return { snapshot, outputs: emittedEvents<TOutput>(actions) };
}

/** Every transition in a machine definition, in document order (for coverage, docs, inspector). */
export function allTransitions(machine: AnyStateMachine): TransitionRef[] {
  const out: TransitionRef[] = [];
  const visit = (node: StateNodeView): void => {
    for (const t of node.transitions) out.push(transitionRef(machine, t));
    for (const child of node.children) visit(child);
  };
  visit(stateTree(machine));
  return out;
}
