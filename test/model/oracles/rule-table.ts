/**
 * A reference model as a table of rules: each row names the states it applies in, the event, an
 * optional condition, the next state, what it changes and emits, and where the rule comes from
 * (a c-toxcore 0.2.18 file and function, or a line of the seed notes in docs/architecture.md §1).
 * The first row that matches decides; no row means the event changes nothing. A row that matches
 * records the event's time as the model's `now` (every task remembers when it last acted).
 *
 * The model runs on its own state (test/model/harness.ts): it never reads the machine.
 */
import type { Expectation, ModelState, TimedEvent } from '../harness.js';

export type Output = { readonly type: string; readonly [field: string]: unknown };

export interface Rule<S extends string, C extends { now: number }> {
  readonly in: readonly S[];
  readonly on: string;
  readonly when?: (c: Readonly<C>, e: TimedEvent) => boolean;
  /** The next state (the same one when absent). */
  readonly to?: S;
  /** Changes `c` (a copy) and returns the outputs, in order. */
  readonly then?: (c: C, e: TimedEvent) => Output[];
  /** Where the rule comes from. */
  readonly cite: string;
}

export interface TableModel<S extends string, C extends { now: number }> {
  readonly rules: readonly Rule<S, C>[];
  /** The state name a model value stands for, and back (for nested states). */
  readonly stateOf: (value: unknown) => S;
  readonly valueOf: (state: S) => unknown;
}

/** The first rule that applies to `event` in `state`, if any. */
export function ruleFor<S extends string, C extends { now: number }>(model: TableModel<S, C>, state: ModelState, event: TimedEvent): Rule<S, C> | undefined {
  const s = model.stateOf(state.value);
  const c = state.context as C;
  return model.rules.find((r) => r.on === event.type && r.in.includes(s) && (r.when === undefined || r.when(c, event)));
}

/** Applies the table to one event. */
export function applyTable<S extends string, C extends { now: number }>(model: TableModel<S, C>, state: ModelState, event: TimedEvent): Expectation {
  const rule = ruleFor(model, state, event);
  if (!rule) return { value: state.value, context: state.context, outputs: [] };
  const c = { ...(state.context as C), now: event.now };
  const outputs = rule.then ? rule.then(c, event) : [];
  return { value: model.valueOf(rule.to ?? model.stateOf(state.value)), context: c, outputs };
}

/** When a model wants its next tick, and why. */
export interface ModelDeadline {
  readonly at: number;
  readonly reason: string;
}

/** A deadline at `at` (none when `at` is null). */
export const at = (time: number | null, reason: string): ModelDeadline | null => (time === null ? null : { at: time, reason });

/** The earliest of the deadlines; of two at the same time, the one listed first. */
export function earliestOf(...deadlines: ReadonlyArray<ModelDeadline | null>): ModelDeadline | null {
  let best: ModelDeadline | null = null;
  for (const d of deadlines) if (d !== null && (best === null || d.at < best.at)) best = d;
  return best;
}
