/**
 * Model-based test harness: xstate/graph generates a shortest path to every reachable
 * (abstracted) state of a machine; each path is extended by every event the generator offers
 * in its last state (at its time, and again a second later), so every reachable transition is
 * taken at least once.
 *
 * The reference model (./oracles) runs beside the machine as a reducer of its own: it starts from
 * its own `initial(input)` and is advanced by its own answers, never from the machine's snapshot,
 * so every value it carries (a timeout, a round count, a deadline) is computed by the model from
 * its rules. At the start and after every step of every path the state, the whole context, the
 * outputs and (where the model states it) the next deadline, its time and reason, must agree.
 *
 * Timing invariants, checked at every distinct snapshot reached:
 *   - ticks at several later times (+1 ms, +1 s, +60 s, +200 s, +2 h, 1 ms before the deadline,
 *     and every time the context holds) take a transition only at or after `nextDeadline`: a state whose timing rule can
 *     fire must announce a deadline no later than the tick that fires it, and where
 *     `nextDeadline` is null no later tick does anything;
 *   - a tick at `nextDeadline` fires a transition and leaves no deadline in the past.
 */
import { getShortestPaths } from 'xstate/graph';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { allTransitions, start, step, type TransitionRef } from '../../machines/step.js';
import type { Deadline, MachineSpec } from '../../machines/index.js';

/** Every state-core event: a type, the time, and its fields. */
export type TimedEvent = { type: string; now: number; [field: string]: unknown };

export interface Expectation {
  readonly value: unknown;
  readonly context: object;
  readonly outputs: readonly { type: string }[];
}

/** The reference model's own state: what it expects the machine's state and context to be. */
export interface ModelState {
  readonly value: unknown;
  readonly context: object;
}

export interface ModelConfig {
  readonly spec: MachineSpec;
  readonly input: unknown;
  /** Non-tick events worth trying in this snapshot (at the snapshot's `now`). */
  readonly events: (snapshot: AnyMachineSnapshot) => TimedEvent[];
  /** Absolute times at which a tick is worth trying (deadlines in context). */
  readonly tickTimes: (snapshot: AnyMachineSnapshot) => number[];
  /** Abstraction of a snapshot for the traversal (absolute times made relative). */
  readonly serialize: (snapshot: AnyMachineSnapshot) => string;
  /** The reference model's initial state for `input` (value, whole context; no outputs). */
  readonly initial: (input: unknown) => Expectation;
  /**
   * The reference model: what must happen when `event` reaches the model in `state` (the model's
   * own state, never the machine's snapshot). A method, so that a model written against a
   * snapshot's `value` and `context` still fits.
   */
  oracle(state: ModelState, event: TimedEvent): Expectation;
  /**
   * The reference model's next deadline in `state` (when the machine wants its next tick, and
   * why); compared with the machine's `nextDeadline` at the start and after every step.
   */
  readonly deadline?: (state: ModelState) => Deadline | null;
  /** Safety bound for the traversal. */
  readonly limit?: number;
}

export interface ModelReport {
  readonly machine: string;
  readonly states: number;
  readonly paths: number;
  readonly steps: number;
  readonly walked: Set<string>;
  readonly all: TransitionRef[];
  readonly missing: TransitionRef[];
  readonly failures: string[];
  /** Transition id → the disagreements seen on steps that took it (for per-transition evidence). */
  readonly failuresByTransition: ReadonlyMap<string, string[]>;
}

function eventsFor(config: ModelConfig, snapshot: AnyMachineSnapshot): TimedEvent[] {
  const ticks = new Set<number>();
  for (const t of config.tickTimes(snapshot)) {
    ticks.add(t - 1);
    ticks.add(t);
  }
  const now = (snapshot.context as { now: number }).now;
  return [
    ...config.events(snapshot),
    ...[...ticks].filter((t) => t >= now).sort((a, b) => a - b).map((t) => ({ type: 'tick', now: t })),
  ];
}

const show = (x: unknown): string => JSON.stringify(x);

function compare(label: string, actual: { snapshot: { value: unknown; context: unknown }; outputs: unknown[] }, expected: Expectation): string | null {
  const problems: string[] = [];
  if (show(actual.snapshot.value) !== show(expected.value)) problems.push(`state ${show(actual.snapshot.value)} ≠ expected ${show(expected.value)}`);
  const ctx = actual.snapshot.context as Record<string, unknown>;
  for (const [k, v] of Object.entries(expected.context as Record<string, unknown>)) if (show(ctx[k]) !== show(v)) problems.push(`context.${k} = ${show(ctx[k])} ≠ expected ${show(v)}`);
  for (const k of Object.keys(ctx)) if (!(k in (expected.context as Record<string, unknown>))) problems.push(`context.${k} not checked by the oracle`);
  if (show(actual.outputs) !== show(expected.outputs)) problems.push(`outputs ${show(actual.outputs)} ≠ expected ${show(expected.outputs)}`);
  return problems.length ? `${label}: ${problems.join('; ')}` : null;
}

/** How much later the events at the end of every path are tried again. */
const LATER_MS = 1000;

/** Later times at which a tick is tried: +1 ms, +1 s, +60 s, +200 s, +2 h. */
export const TICK_PROBES_MS = [1, 1000, 60_000, 200_000, 7_200_000] as const;

function checkTiming(config: ModelConfig, snapshot: AnyMachineSnapshot, label: string): string[] {
  const d = config.spec.nextDeadline(snapshot);
  const problems: string[] = [];
  const now = (snapshot.context as { now: number }).now;
  // A tick that takes a transition needs a deadline at or before it; where there is none, no
  // later tick may do anything.
  // The fixed probes, and every time the snapshot holds (a deadline in context that nextDeadline might forget).
  const probes: number[] = [...TICK_PROBES_MS.map((p) => now + p), ...config.tickTimes(snapshot).filter((t) => t > now)];
  if (d !== null && d.at - 1 > now) probes.push(d.at - 1);
  for (const t of probes) {
    const r = step(config.spec.machine, snapshot, { type: 'tick', now: t });
    if (r.taken === null) continue;
    if (d === null) problems.push(`${label}: no deadline, but a tick at +${t - now} ms fired ${r.taken.id}`);
    else if (d.at > t) problems.push(`${label}: the deadline is at +${d.at - now} ms (${d.reason}), but a tick at +${t - now} ms fired ${r.taken.id}`);
  }
  if (d === null) return problems;
  // At the deadline a tick must fire; several deadlines may share the instant, so the runtime
  // ticks again while one is due. That must end with every deadline in the future.
  const t = Math.max(d.at, now);
  let s = snapshot;
  for (let i = 0; i < 10; i++) {
    const due = config.spec.nextDeadline(s);
    if (due === null || due.at > t) return problems;
    const r = step(config.spec.machine, s, { type: 'tick', now: t });
    if (r.taken === null) {
      problems.push(`${label}: tick at the deadline (${due.reason}) fired nothing`);
      return problems;
    }
    s = r.snapshot;
  }
  problems.push(`${label}: deadlines at ${t} still due after 10 ticks (a deadline left in the past)`);
  return problems;
}

export function runModel(config: ModelConfig): ModelReport {
  const machine = config.spec.machine;
  const paths = getShortestPaths(machine, {
    input: config.input,
    events: (s: AnyMachineSnapshot) => eventsFor(config, s) as never,
    serializeState: (s: AnyMachineSnapshot) => config.serialize(s),
    serializeEvent: (e: EventObject) => show(e),
    limit: config.limit ?? 100_000,
  } as never);
  const walked = new Set<string>();
  const failures: string[] = [];
  const failuresByTransition = new Map<string, string[]>();
  const fail = (problem: string | null): void => {
    if (problem && failures.length < 50) failures.push(problem);
  };
  const verified = new Set<string>();
  const timed = new Set<string>();
  let steps = 0;
  const started = start(machine, config.input);
  const initial = started.snapshot;
  const model0 = config.initial(config.input);
  fail(compare(`${config.spec.name} initial snapshot`, { snapshot: initial, outputs: started.outputs }, model0));
  const deadlines = (snapshot: AnyMachineSnapshot, model: ModelState, label: string): string | null => {
    if (!config.deadline) return null;
    const got = show(config.spec.nextDeadline(snapshot));
    const want = show(config.deadline(model));
    return got === want ? null : `${label}: nextDeadline ${got} ≠ expected ${want}`;
  };
  fail(deadlines(initial, { value: model0.value, context: model0.context }, `${config.spec.name} initial snapshot`));
  const modelState = (e: Expectation): ModelState => ({ value: e.value, context: e.context });

  const timing = (snapshot: AnyMachineSnapshot, label: string): void => {
    const key = `${show(snapshot.value)}${show(snapshot.context)}`;
    if (timed.has(key)) return;
    timed.add(key);
    for (const p of checkTiming(config, snapshot, label)) fail(p);
  };

  /** One step of the machine and of the model side by side; returns both next states. */
  const check = (snapshot: AnyMachineSnapshot, model: ModelState, event: TimedEvent, label: string): [AnyMachineSnapshot, ModelState] => {
    const result = step(machine, snapshot, event);
    steps++;
    if (result.taken) walked.add(result.taken.id);
    const expected = config.oracle(model, event);
    const key = `${show(model)}${show(snapshot.value)}${show(snapshot.context)}${show(event)}`;
    if (!verified.has(key)) {
      verified.add(key);
      const problem = compare(label, result, expected) ?? deadlines(result.snapshot, modelState(expected), label);
      fail(problem);
      if (problem && result.taken) failuresByTransition.set(result.taken.id, [...(failuresByTransition.get(result.taken.id) ?? []), problem].slice(0, 5));
      timing(result.snapshot, label);
    }
    return [result.snapshot, modelState(expected)];
  };

  timing(initial, `${config.spec.name} at start`);
  for (const path of paths) {
    let s = initial;
    let m = modelState(model0);
    const trail: string[] = [];
    for (const st of path.steps) {
      if ((st.event as EventObject).type.startsWith('xstate.')) continue;
      trail.push(`${(st.event as EventObject).type}@${(st.event as { now?: number }).now}`);
      [s, m] = check(s, m, st.event as unknown as TimedEvent, `${config.spec.name} via ${trail.join(' → ')}`);
    }
    // The same events a second later too: what a machine does with the time of an event that is
    // not a tick (remembering it, or not) is checked, though the traversal itself stays at `now`.
    const later = config.events(s).map((e) => ({ ...e, now: e.now + LATER_MS }));
    for (const e of [...eventsFor(config, s), ...later]) check(s, m, e, `${config.spec.name} via ${[...trail, `${e.type}@${(e as { now?: number }).now}`].join(' → ')}`);
  }
  const all = allTransitions(machine);
  return {
    machine: config.spec.name,
    states: paths.length,
    paths: paths.length,
    steps,
    walked,
    all,
    missing: all.filter((t) => !walked.has(t.id)),
    failures,
    failuresByTransition,
  };
}
