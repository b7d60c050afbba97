/**
 * The journal: every step of every machine actor — the event, the state before and after,
 * the transition taken (or null when the state ignored the event), the outputs, and the next
 * deadline with its reason. It is a bounded ring (oldest entries drop first; `dropped` counts
 * them) and what the inspector shows and scrubs through.
 */
import type { Deadline, MachineEvent, MachineName } from '../machines/index.js';

export interface JournalEntry {
  readonly seq: number;
  /** The time of the event (engine milliseconds). */
  readonly t: number;
  readonly actor: string;
  readonly machine: MachineName;
  readonly event: MachineEvent;
  readonly from: unknown;
  readonly to: unknown;
  /** Transition id (`source|event|index`), or null when the event was ignored. */
  readonly transition: string | null;
  readonly outputs: readonly MachineEvent[];
  /** The actor's context after the step (when the journal keeps contexts). */
  readonly context?: unknown;
  readonly next: Deadline | null;
}

export type JournalListener = (entry: JournalEntry) => void;

export class Journal {
  private readonly ring: (JournalEntry | undefined)[];
  private start = 0;
  private count = 0;
  private nextSeq = 1;
  private readonly listeners = new Set<JournalListener>();
  /** Entries pushed out of the ring. */
  dropped = 0;

  constructor(
    readonly capacity = 100_000,
    readonly keepContext = true,
  ) {
    // The ring grows as entries arrive (a node with thousands of engines must not preallocate).
    this.ring = [];
    this.limit = Math.max(1, capacity);
  }

  private readonly limit: number;

  get size(): number {
    return this.count;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  append(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    // Without contexts the entry is built without the field: deleting it afterwards would turn
    // every entry into a slow dictionary-mode object (~800 bytes each; a fifth of the heap of a
    // large simulation).
    const e: JournalEntry = this.keepContext ? { seq: this.nextSeq++, ...entry } : withoutContext(this.nextSeq++, entry);
    if (this.count < this.limit) {
      this.ring.push(e);
      this.count++;
    } else {
      this.ring[this.start] = e;
      this.start = (this.start + 1) % this.ring.length;
      this.dropped++;
    }
    for (const l of this.listeners) l(e);
    return e;
  }

  /** Entries with seq > `afterSeq`, oldest first, at most `limit`. */
  since(afterSeq = 0, limit = Infinity): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let i = 0; i < this.count && out.length < limit; i++) {
      const e = this.ring[(this.start + i) % this.ring.length]!;
      if (e.seq > afterSeq) out.push(e);
    }
    return out;
  }

  /** Entry at position `i` (0 = oldest kept). */
  at(i: number): JournalEntry | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.ring[(this.start + i) % this.ring.length];
  }

  subscribe(listener: JournalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The entry with `seq` and every field but `context` (a fast-mode object of one shape). */
function withoutContext(seq: number, x: Omit<JournalEntry, 'seq'>): JournalEntry {
  return { seq, t: x.t, actor: x.actor, machine: x.machine, event: x.event, from: x.from, to: x.to, transition: x.transition, outputs: x.outputs, next: x.next };
}
