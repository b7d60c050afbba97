/**
 * Every use of XState beyond its documented `setup`/`createMachine` API, in one place: the pure
 * stepping in step.ts, the machine descriptions in describe.ts and the inspector's candidate
 * transitions read state nodes, transition definitions and action objects that XState does not
 * promise to keep. test/machines/xstate-adapter.test.ts checks each assumption below against
 * the installed xstate and fails by name when an upgrade changes one.
 *
 * Verified with xstate 5.33.3.
 */
import {
  createActor,
  type AnyActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  type EventObject,
} from 'xstate';

/** The xstate version the assumptions here were checked against. */
export const XSTATE_VERIFIED_VERSION = '5.33.3';

/** The action type `emit(...)` resolves to, with the emitted event in `params.event`. */
export const EMIT_ACTION_TYPE = 'xstate.emit';

export type ExecutableAction = { readonly type: string; readonly params?: unknown };

/** One transition definition of a state node, in the shape the rest of the code uses. */
export interface TransitionDefinition {
  /** Full id of the source state node (`<machine id>.<path>`, the machine id for the root). */
  readonly sourceId: string;
  readonly eventType: string;
  /** Index among the source node's transitions for the same event. */
  readonly index: number;
  /** The guard as XState keeps it (a name, a `{ type }` object or a guard function). */
  readonly guard: unknown;
  /** Full ids of the target state nodes. */
  readonly targetIds: readonly string[];
  readonly description: string | null;
  /** The action references as XState keeps them (names, `{ type }` objects or functions). */
  readonly actions: readonly unknown[];
}

/** A state node, in the shape the rest of the code uses. */
export interface StateNodeView {
  readonly id: string;
  readonly key: string;
  readonly description: string | null;
  /** The key of the initial child, or undefined for an atomic state. */
  readonly initialChild: string | undefined;
  readonly children: readonly StateNodeView[];
  readonly transitions: readonly TransitionDefinition[];
  readonly isRoot: boolean;
}

function definition(t: AnyTransitionDefinition): TransitionDefinition {
  const siblings = t.source.transitions.get(t.eventType) ?? [];
  return {
    sourceId: t.source.id,
    eventType: t.eventType,
    index: siblings.indexOf(t),
    guard: t.guard,
    targetIds: (t.target ?? []).map((n: AnyStateNode) => n.id),
    description: t.description ?? null,
    actions: (t.actions ?? []) as unknown[],
  };
}

function view(node: AnyStateNode, isRoot: boolean): StateNodeView {
  const transitions: TransitionDefinition[] = [];
  for (const list of node.transitions.values()) for (const t of list) transitions.push(definition(t));
  return {
    id: node.id,
    key: node.key,
    description: node.description ?? null,
    initialChild: (node.config as { initial?: string }).initial,
    children: Object.values(node.states).map((c) => view(c as AnyStateNode, false)),
    transitions,
    isRoot,
  };
}

/** The machine's state nodes as a tree (the root first). */
export function stateTree(machine: AnyStateMachine): StateNodeView {
  return view(machine.root, true);
}

/** The state node with full id `id`, as a view. */
export function stateNodeView(machine: AnyStateMachine, id: string): StateNodeView {
  return view(machine.getStateNodeById(id), id === machine.id);
}

/** The transitions XState would take for `event` from `snapshot` (first = the one taken), without taking them. */
export function selectedTransitions(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): TransitionDefinition[] {
  return (machine.getTransitionData(snapshot as never, event as never) as AnyTransitionDefinition[]).map(definition);
}

/** A snapshot rebuilt from a state value and a context (a point in the past). */
export function resolveSnapshot(machine: AnyStateMachine, value: unknown, context: unknown): AnyMachineSnapshot {
  return machine.resolveState({ value: value as never, context: context as never }) as AnyMachineSnapshot;
}

/** Runs the guard implementation named `name` (guards of the state core read only context and event). */
export function runNamedGuard(machine: AnyStateMachine, name: string, context: unknown, event: EventObject): boolean {
  const fn = (machine.implementations.guards as Record<string, unknown>)[name];
  if (typeof fn !== 'function') throw new Error(`${machine.id}: no guard named ${name}`);
  return (fn as (args: { context: unknown; event: unknown }, params: unknown) => unknown)({ context, event }, undefined) === true;
}

/**
 * One inert actor scope per machine, reused by every step. xstate's own `transition()` and
 * `initialTransition()` build a fresh actor for each call, and building one computes the
 * machine's initial snapshot: that was most of the cost of a step (measured with thousands of
 * engines in one process). The scope only collects the actions a transition resolves (as
 * xstate's does); the state core's machines spawn and invoke nothing, so nothing else of it is used.
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

/** xstate's pure `transition()` with the machine's reused scope: the next snapshot and the actions it resolved. */
export function pureTransition(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): [AnyMachineSnapshot, ExecutableAction[]] {
  const { scope, sink } = scopeOf(machine);
  const actions: ExecutableAction[] = [];
  sink.actions = actions;
  const next = machine.transition(snapshot, event, scope) as AnyMachineSnapshot;
  return [next, actions];
}

/** xstate's pure `initialTransition()` with the machine's reused scope. */
export function pureInitialTransition(machine: AnyStateMachine, input: unknown): [AnyMachineSnapshot, ExecutableAction[]] {
  const { scope, sink } = scopeOf(machine);
  const actions: ExecutableAction[] = [];
  sink.actions = actions;
  const first = machine.getInitialSnapshot(scope, input) as AnyMachineSnapshot;
  return [first, actions];
}

/** The events `emit(...)` actions carried, in order. */
export function emittedEvents<T>(actions: readonly ExecutableAction[]): T[] {
  const out: T[] = [];
  for (const a of actions) if (a.type === EMIT_ACTION_TYPE) out.push((a.params as { event: T }).event);
  return out;
}
