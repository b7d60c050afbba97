/**
 * Time travel over one engine's journal: which state (and context) every actor was in after
 * any journal entry, without replaying a machine.
 *
 * The journal (runtime/journal.ts) is a bounded ring of steps with contiguous sequence numbers;
 * each entry carries the actor's state before and after and its context after. This index keeps,
 * per actor, the sequence numbers of its entries, so the state of actor A at sequence S is:
 *   1. the `to`/`context` of A's last entry with seq ≤ S, when one is still kept;
 *   2. else the `from` of A's first kept entry after S (its state did not change in between);
 *      the context is known only if the inspector saw the actor before that step (the
 *      baseline taken when it attached);
 *   3. else (A has no kept entry at all) the actor's current snapshot.
 * Positions before the oldest kept entry are unknowable (null).
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { ActorsView } from '../runtime/tox-engine.js';
import type { Journal, JournalEntry } from '../runtime/journal.js';

/** What the history reads from an engine: its journal and its actors. */
export interface HistorySource {
  readonly journal: Journal;
  readonly actors: ActorsView;
}

/** A state value as one string: `Idle`, `Active.Searching` (parallel regions joined by `, `). */
export function stateText(value: unknown): string {
  return activeStateIds(value)
    .filter((id, _i, all) => !all.some((other) => other.startsWith(`${id}.`)))
    .join(', ');
}

/** Every active state id of a state value, parents before children: `{Active:'Searching'}` → `Active`, `Active.Searching`. */
export function activeStateIds(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out.push(prefix + k);
    out.push(...activeStateIds(v, `${prefix}${k}.`));
  }
  return out;
}

export interface ActorStateAt {
  readonly key: string;
  /** The state value at that point. */
  readonly value: unknown;
  /** The context at that point, or null when it is not recorded (see the header). */
  readonly context: unknown;
  readonly contextKnown: boolean;
  /** The actor's last journal entry at or before that point, when kept. */
  readonly last: JournalEntry | null;
}

/** Lazily trimmed ascending list of seqs. */
interface SeqList {
  seqs: number[];
  /** Index of the first seq still kept by the journal. */
  head: number;
}

/** First index in `a[from..]` whose value is > `x` (a.length when none). */
function upperBound(a: readonly number[], from: number, x: number): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class NodeHistory {
  private readonly byActor = new Map<string, SeqList>();
  /** Snapshots of every actor when the inspector attached, and the journal seq then. */
  private readonly baseline = new Map<string, { value: unknown; context: unknown }>();
  readonly baselineSeq: number;
  private readonly unsubscribe: () => void;
  private appendsSinceTrim = 0;
  private readonly listeners = new Set<(e: JournalEntry) => void>();

  constructor(readonly engine: HistorySource) {
    for (const e of engine.journal.since(0)) this.index(e);
    this.baselineSeq = engine.journal.lastSeq;
    for (const a of engine.actors.all()) this.baseline.set(a.key, { value: a.snapshot.value, context: a.snapshot.context });
    this.unsubscribe = engine.journal.subscribe((e) => {
      this.index(e);
      if (++this.appendsSinceTrim >= 10_000) this.trim();
      for (const l of this.listeners) l(e);
    });
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  /** Called after every new journal entry of this engine. */
  onEntry(listener: (e: JournalEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private index(e: JournalEntry): void {
    let list = this.byActor.get(e.actor);
    if (!list) this.byActor.set(e.actor, (list = { seqs: [], head: 0 }));
    list.seqs.push(e.seq);
  }

  /** Forgets seqs the journal no longer keeps. */
  private trim(): void {
    this.appendsSinceTrim = 0;
    const first = this.firstSeq;
    for (const [key, list] of this.byActor) {
      const head = upperBound(list.seqs, list.head, first - 1);
      if (head >= list.seqs.length) {
        this.byActor.delete(key);
        continue;
      }
      if (head > 1024 && head > list.seqs.length / 2) {
        list.seqs = list.seqs.slice(head);
        list.head = 0;
      } else list.head = head;
    }
  }

  /** The oldest seq the journal still keeps (lastSeq + 1 when it is empty). */
  get firstSeq(): number {
    return this.engine.journal.at(0)?.seq ?? this.engine.journal.lastSeq + 1;
  }

  get lastSeq(): number {
    return this.engine.journal.lastSeq;
  }

  /** Number of kept entries. */
  get size(): number {
    return this.engine.journal.size;
  }

  /** The kept entry with this seq. */
  entry(seq: number): JournalEntry | undefined {
    const first = this.engine.journal.at(0);
    if (!first) return undefined;
    return this.engine.journal.at(seq - first.seq);
  }

  /** Kept seqs of one actor, ascending (a fresh array). */
  seqsOf(actor: string): number[] {
    const list = this.byActor.get(actor);
    if (!list) return [];
    const first = this.firstSeq;
    const from = upperBound(list.seqs, list.head, first - 1);
    return list.seqs.slice(from);
  }

  /** Kept seqs of several actors merged, ascending. */
  seqsOfAll(actors: readonly string[]): number[] {
    const lists = actors.map((a) => this.seqsOf(a)).filter((l) => l.length > 0);
    if (lists.length === 0) return [];
    if (lists.length === 1) return lists[0]!;
    return lists.flat().sort((a, b) => a - b);
  }

  /** Keys of every actor the journal (or the engine) knows. */
  actorKeys(): string[] {
    const keys = new Set<string>(this.byActor.keys());
    for (const a of this.engine.actors.all()) keys.add(a.key);
    return [...keys];
  }

  /** The state of `actor` just after the entry `seq` (see the header for the rules). */
  stateAt(actor: string, seq: number): ActorStateAt | null {
    const first = this.firstSeq;
    // Before the oldest kept entry nothing is known any more.
    if (seq < first - 1) return null;
    const list = this.byActor.get(actor);
    if (list) {
      const from = upperBound(list.seqs, list.head, first - 1);
      const i = upperBound(list.seqs, from, seq);
      if (i > from) {
        const e = this.entry(list.seqs[i - 1]!);
        if (e) return { key: actor, value: e.to, context: e.context ?? null, contextKnown: e.context !== undefined, last: e };
      }
      if (i < list.seqs.length) {
        const next = this.entry(list.seqs[i]!);
        if (next) {
          const base = this.baseline.get(actor);
          // The baseline is the truth from when it was taken up to the actor's next step, as long
          // as no entry after it has dropped out of the ring.
          const known = base !== undefined && seq >= this.baselineSeq && next.seq > this.baselineSeq && this.baselineSeq >= first - 1;
          return { key: actor, value: next.from, context: known ? base.context : null, contextKnown: known, last: null };
        }
      }
    }
    const live = this.engine.actors.get(actor);
    if (live) return { key: actor, value: live.snapshot.value, context: live.snapshot.context, contextKnown: true, last: null };
    const base = this.baseline.get(actor);
    if (base) return { key: actor, value: base.value, context: base.context, contextKnown: true, last: null };
    return null;
  }

  /** The actor's live snapshot (the engine's own), if it still exists. */
  liveSnapshot(actor: string): AnyMachineSnapshot | undefined {
    return this.engine.actors.get(actor)?.snapshot;
  }
}
