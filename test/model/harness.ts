/**
 * Model-based test harness: xstate/graph generates a shortest path to every reachable
 * (abstracted) state of a machine; each path is extended by every event the generator offers
 * in its last state, so every reachable transition is taken at least once. Every step of every
 * path is replayed with `step()` and checked against an independent oracle (a plain reference
 * model of the same protocol rules, in ./oracles): the state, the whole context and the
 * outputs must agree. Two timing invariants are checked at every state reached:
 *   - a tick one millisecond before `nextDeadline` does nothing;
 *   - a tick at `nextDeadline` fires a transition and leaves no deadline in the past.
 */
import { getShortestPaths } from 'xstate/graph';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { allTransitions, start, step, type TransitionRef } from '../../machines/step.js';
import type { MachineSpec } from '../../machines/index.js';

/** Every state-core event: a type, the time, and its fields. */
export type TimedEvent = { type: string; now: number; [field: string]: unknown };

export interface Expectation {
  readonly value: unknown;
  readonly context: object;
  readonly outputs: readonly { type: string }[];
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
  /** The reference model's initial snapshot for `input` (value, whole context, no outputs). */
  readonly initial?: (input: unknown) => Expectation;
  /** The reference model: what must happen when `event` reaches `snapshot`. */
  readonly oracle: (snapshot: AnyMachineSnapshot, event: TimedEvent) => Expectation;
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

function compare(label: string, actual: { snapshot: AnyMachineSnapshot; outputs: unknown[] }, expected: Expectation): string | null {
  const problems: string[] = [];
  if (show(actual.snapshot.value) !== show(expected.value)) problems.push(`state ${show(actual.snapshot.value)} ≠ expected ${show(expected.value)}`);
  const ctx = actual.snapshot.context as Record<string, unknown>;
  for (const [k, v] of Object.entries(expected.context as Record<string, unknown>)) if (show(ctx[k]) !== show(v)) problems.push(`context.${k} = ${show(ctx[k])} ≠ expected ${show(v)}`);
  for (const k of Object.keys(ctx)) if (!(k in (expected.context as Record<string, unknown>))) problems.push(`context.${k} not checked by the oracle`);
  if (show(actual.outputs) !== show(expected.outputs)) problems.push(`outputs ${show(actual.outputs)} ≠ expected ${show(expected.outputs)}`);
  return problems.length ? `${label}: ${problems.join('; ')}` : null;
}

function checkTiming(config: ModelConfig, snapshot: AnyMachineSnapshot, label: string): string[] {
  const d = config.spec.nextDeadline(snapshot);
  if (d === null) return [];
  const problems: string[] = [];
  const now = (snapshot.context as { now: number }).now;
  if (d.at > now) {
    const before = step(config.spec.machine, snapshot, { type: 'tick', now: d.at - 1 });
    if (before.taken !== null) problems.push(`${label}: tick 1 ms before the deadline (${d.reason}) fired ${before.taken.id}`);
  }
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
  const verified = new Set<string>();
  let steps = 0;
  const initial = start(machine, config.input).snapshot;

  const check = (snapshot: AnyMachineSnapshot, event: TimedEvent, label: string): AnyMachineSnapshot => {
    const result = step(machine, snapshot, event);
    steps++;
    if (result.taken) walked.add(result.taken.id);
    const key = `${show(snapshot.value)}${show(snapshot.context)}${show(event)}`;
    if (!verified.has(key)) {
      verified.add(key);
      const problem = compare(label, result, config.oracle(snapshot, event));
      if (problem && failures.length < 50) failures.push(problem);
    }
    return result.snapshot;
  };

  for (const path of paths) {
    let s = initial;
    const trail: string[] = [];
    for (const st of path.steps) {
      if ((st.event as EventObject).type.startsWith('xstate.')) continue;
      trail.push(`${(st.event as EventObject).type}@${(st.event as { now?: number }).now}`);
      s = check(s, st.event as unknown as TimedEvent, `${config.spec.name} via ${trail.join(' → ')}`);
    }
    for (const p of checkTiming(config, s, `${config.spec.name} after ${trail.join(' → ') || 'start'}`)) if (failures.length < 50) failures.push(p);
    for (const e of eventsFor(config, s)) check(s, e, `${config.spec.name} via ${[...trail, `${e.type}@${(e as { now?: number }).now}`].join(' → ')}`);
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
  };
}
