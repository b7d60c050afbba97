/**
 * The machine actors of one engine: their snapshots (no XState actor objects — snapshots are
 * advanced with the pure `step()`), their deadlines in one indexed heap, and the journal.
 *
 * Actor keys follow the seed: `session:<friend>`, `toxid:<ours>`, `dhtkey:<ours>:<friend>`,
 * `connect:<ours>:<friend>` (keys as hex).
 */
import type { AnyMachineSnapshot } from 'xstate';
import { machineSpecs, start, step, type Deadline, type MachineEvent, type MachineName } from '../machines/index.js';
import { DeadlineHeap } from './deadline-heap.js';
import type { Journal } from './journal.js';

export interface Actor {
  readonly key: string;
  readonly machine: MachineName;
  snapshot: AnyMachineSnapshot;
  next: Deadline | null;
}

export interface Delivery {
  readonly actor: Actor;
  readonly from: unknown;
  readonly outputs: MachineEvent[];
  readonly taken: boolean;
}

export class Actors {
  private readonly table = new Map<string, Actor>();
  private readonly heap = new DeadlineHeap();

  constructor(private readonly journal: Journal) {}

  get size(): number {
    return this.table.size;
  }

  get(key: string): Actor | undefined {
    return this.table.get(key);
  }

  all(): IterableIterator<Actor> {
    return this.table.values();
  }

  /** Creates an actor in its initial state; returns the outputs of its entry (none today). */
  create(key: string, machine: MachineName, input: unknown): MachineEvent[] {
    const spec = machineSpecs[machine];
    const { snapshot, outputs } = start(spec.machine, input);
    const actor: Actor = { key, machine, snapshot, next: spec.nextDeadline(snapshot) };
    this.table.set(key, actor);
    this.heap.set(key, actor.next?.at ?? null);
    // The creation is journaled too (from: null), so history knows every actor's first context.
    const now = (input as { now?: number }).now ?? 0;
    this.journal.append({
      t: now,
      actor: key,
      machine,
      event: { type: 'actor.created', now },
      from: null,
      to: snapshot.value,
      transition: null,
      outputs: outputs as MachineEvent[],
      context: snapshot.context,
      next: actor.next,
    });
    return outputs as MachineEvent[];
  }

  remove(key: string): void {
    this.table.delete(key);
    this.heap.set(key, null);
  }

  /** Steps one actor and journals the step, whether or not a transition was taken. */
  deliver(key: string, event: MachineEvent & { now: number }): Delivery | null {
    const actor = this.table.get(key);
    if (!actor) return null;
    const spec = machineSpecs[actor.machine];
    const from = actor.snapshot.value;
    const r = step(spec.machine, actor.snapshot, event);
    actor.snapshot = r.snapshot;
    actor.next = spec.nextDeadline(r.snapshot);
    this.heap.set(key, actor.next?.at ?? null);
    const outputs = r.outputs as MachineEvent[];
    this.journal.append({
      t: event.now,
      actor: key,
      machine: actor.machine,
      event,
      from,
      to: r.snapshot.value,
      transition: r.taken?.id ?? null,
      outputs,
      context: r.snapshot.context,
      next: actor.next,
    });
    return { actor, from, outputs, taken: r.taken !== null };
  }

  /** The earliest deadline across actors. */
  earliest(): { key: string; at: number; reason: string } | null {
    const top = this.heap.peek();
    if (!top) return null;
    const actor = this.table.get(top.key);
    return { key: top.key, at: top.at, reason: actor?.next?.reason ?? 'deadline' };
  }

  /** Keys of actors with a deadline at or before `now`. */
  due(now: number): string[] {
    return this.heap.due(now);
  }
}
