/**
 * Pure stepping of any state-core machine: the one way the runtime, the tests and the
 * inspector advance a machine.
 *
 * `step(machine, snapshot, event)` returns the next snapshot, the outputs the machine emitted
 * (its semantic commands such as `send.cookieRequest`), and which transition was taken
 * (`null` when the state ignores the event). Nothing is executed; outputs are data.
 */
import {
  createActor,
  type AnyActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyTransitionDefinition,
  type EventObject,
} from 'xstate';

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

function stateId(node: { id: string }, machineId: string): string {
  // State ids are `<machine id>.<path>`; the machine id prefix is noise in tables.
  return node.id.startsWith(`${machineId}.`) ? node.id.slice(machineId.length + 1) : node.id;
}

/** Builds the stable reference of a transition definition. */
export function transitionRef(machine: AnyStateMachine, t: AnyTransitionDefinition): TransitionRef {
  const siblings = t.source.transitions.get(t.eventType) ?? [];
  const index = siblings.indexOf(t);
  const source = stateId(t.source, machine.id);
  return {
    id: `${source}|${t.eventType}|${index}`,
    source,
    event: t.eventType,
    guard: guardText(t.guard),
    targets: (t.target ?? []).map((n) => stateId(n, machine.id)),
    description: t.description ?? null,
  };
}

function emittedOutputs<TOutput>(actions: ReadonlyArray<{ type: string; params?: unknown }>): TOutput[] {
  const out: TOutput[] = [];
  for (const a of actions) {
    if (a.type === 'xstate.emit') out.push((a.params as { event: TOutput }).event);
  }
  return out;
}

type ExecutableAction = { type: string; params?: unknown };

/**
 * One inert actor scope per machine, reused by every step. xstate's own `transition()` and
 * `initialTransition()` build a fresh actor for each call, and building one computes the
 * machine's initial snapshot: that was most of the cost of a step (measured with thousands of
 * engines in one process). The scope only collects the actions a transition resolves (as
 * xstate's does); our machines spawn and invoke nothing, so nothing else of it is used.
 */
const scopes = new WeakMap<AnyStateMachine, { scope: AnyActorScope; sink: { actions: ExecutableAction[] } }>();

function scopeOf(machine: AnyStateMachine): { scope: AnyActorScope; sink: { actions: ExecutableAction[] } } {
  let s = scopes.get(machine);
  if (s === undefined) {
    const self = createActor(machine);
    const sink = { actions: [] as ExecutableAction[] };
    const scope = {
      self,
      defer: () => {},
      id: '',
      logger: () => {},
      sessionId: '',
      stopChild: () => {},
      system: self.system,
      emit: () => {},
      actionExecutor: (action: ExecutableAction) => void sink.actions.push(action),
    } as unknown as AnyActorScope;
    s = { scope, sink };
    scopes.set(machine, s);
  }
  return s;
}

/** xstate's pure `transition()`, with the machine's reused scope. */
function pureTransition(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): [AnyMachineSnapshot, ExecutableAction[]] {
  const { scope, sink } = scopeOf(machine);
  const actions: ExecutableAction[] = [];
  sink.actions = actions;
  const next = machine.transition(snapshot, event, scope) as AnyMachineSnapshot;
  return [next, actions];
}

/** xstate's pure `initialTransition()`, with the machine's reused scope. */
function pureInitialTransition(machine: AnyStateMachine, input: unknown): [AnyMachineSnapshot, ExecutableAction[]] {
  const { scope, sink } = scopeOf(machine);
  const actions: ExecutableAction[] = [];
  sink.actions = actions;
  const first = machine.getInitialSnapshot(scope, input) as AnyMachineSnapshot;
  return [first, actions];
}

/** Any event of the state core: a type and its fields (always including `now`). */
export type MachineEvent = { readonly type: string; readonly [field: string]: unknown };

/** Advances `snapshot` by `event`, purely. */
export function step<TMachine extends AnyStateMachine, TOutput = EventObject>(
  machine: TMachine,
  snapshot: AnyMachineSnapshot,
  event: MachineEvent,
): StepResult<AnyMachineSnapshot, TOutput> {
  const selected = machine.getTransitionData(snapshot as never, event as never) as AnyTransitionDefinition[];
  const first = selected[0];
  if (first === undefined) return { snapshot, outputs: [], taken: null };
  const [next, actions] = pureTransition(machine, snapshot, event as EventObject);
  return { snapshot: next, outputs: emittedOutputs<TOutput>(actions), taken: transitionRef(machine, first) };
}

/** The initial snapshot of a machine and the outputs of its entry. */
export function start<TMachine extends AnyStateMachine, TOutput = EventObject>(
  machine: TMachine,
  input: unknown,
): { snapshot: AnyMachineSnapshot; outputs: TOutput[] } {
  const [snapshot, actions] = pureInitialTransition(machine, input);
  return { snapshot, outputs: emittedOutputs<TOutput>(actions) };
}

/** Every transition in a machine definition, in document order (for coverage, docs, inspector). */
export function allTransitions(machine: AnyStateMachine): TransitionRef[] {
  const out: TransitionRef[] = [];
  const visit = (node: AnyStateMachine['root']): void => {
    for (const list of node.transitions.values()) for (const t of list) out.push(transitionRef(machine, t));
    for (const child of Object.values(node.states)) visit(child as AnyStateMachine['root']);
  };
  visit(machine.root);
  return out;
}
