/**
 * What the inspector page asks for, answered from a recording (inspector/recording.ts) instead of
 * engines: the same endpoints and the same shapes as InspectorModel (model.ts), so the same page
 * and its time travel work unchanged, plus a few fields a recording adds.
 *
 *   info()      mode `recording`, one "node" (the capture) whose journal is the recording's
 *               timeline (seq 1…N), no simulation; `recording` holds the capture's summary and
 *               the seq to start at (paused at the first step)
 *   charts()    every machine's chart (the page draws friendSession)
 *   actors()    the monitored machine instances (sessions, toxid: tasks) as the friend list,
 *               each with its state at a seq
 *   journal()   timeline rows: a JournalRow per entry plus frame, verdict, inferred inputs, note,
 *               findings, every transition taken and the expected edges
 *   view()      the selected instance (role `session`, first) and the rest of its group (a pair's
 *               directions and its peers' tasks; roles `member-1`…) at a seq: state, context,
 *               facts, candidates, the transitions of each one's last step (`taken`) and the edges
 *               its findings expected (`expected`); `follow` moves the selection to the instance
 *               of the step at the cursor when that one is in another group
 */
import { FRIEND_SESSION_STATES, type MachineName } from '../machines/index.js';
import { candidates, type Candidate } from './candidates.js';
import { allCharts, transitionById, type MachineChart } from './charts.js';
import { factRows, nextText, type FactRow, type JournalRow } from './format.js';
import type { ActorView, Info, NodeInfo, FriendRow } from './model.js';
import { activeStateIds, stateText } from './history.js';
import { instanceStateAt, lastAtOrBefore, type RecordedMachine, type Recording, type RecordingEntry, type RecordingFinding, type RecordingSummary } from './recording.js';

/** A timeline row of a recording: a journal row plus what the monitor said about the step. */
export interface StepRow extends Omit<JournalRow, 'machine'> {
  readonly machine: RecordedMachine;
  /** The instance's id (`OBSERVER-FRIEND`, `toxid:OBSERVER`). */
  readonly instance: string;
  readonly frame: number | null;
  readonly what: string;
  readonly verdict: RecordingEntry['verdict'];
  readonly inferred: readonly string[];
  readonly note: string | null;
  readonly findings: readonly RecordingFinding[];
  readonly taken: readonly string[];
  readonly expected: readonly string[];
  readonly missed: boolean;
}

export interface RecordingInfo extends Omit<Info, 'mode'> {
  readonly mode: 'recording';
  readonly recording: {
    readonly source: string;
    readonly summary: RecordingSummary;
    /** Where the page starts: the first step (0 when there is none). */
    readonly startSeq: number;
    readonly notObservable: readonly string[];
  };
}

/** A direction in the friend list: the live list's columns, and a note instead of the task states. */
export interface DirectionRow extends FriendRow {
  /** `12 steps · 1 violation` (the page shows it instead of the task states). */
  readonly note: string;
  readonly violations: number;
  readonly machine: RecordedMachine;
}

export interface RecordingActorsPage {
  readonly node: number;
  readonly total: number;
  readonly offset: number;
  readonly account: { readonly key: string; readonly state: string; readonly tasks: readonly never[] };
  /** One line about the capture (the page shows it where a node shows its account tasks). */
  readonly summary: string;
  readonly rows: readonly DirectionRow[];
}

export interface RecordingActorView extends Omit<ActorView, 'role' | 'last' | 'machine'> {
  /** `session`: the selected instance; `member-1`, `member-2`…: the rest of its group, in order. */
  readonly role: string;
  readonly machine: RecordedMachine;
  readonly title: string;
  readonly last: StepRow | null;
  /** Every transition of the last step (hidden inputs first): all highlighted. */
  readonly taken: readonly string[];
  /** The edges the last step's findings say the model expected. */
  readonly expected: readonly string[];
}

export interface RecordingView {
  readonly node: number;
  readonly live: false;
  readonly seq: number;
  readonly t: number;
  readonly now: number;
  readonly friend: { readonly pk: string; readonly label: string } | null;
  readonly cursor: StepRow | null;
  readonly actors: readonly RecordingActorView[];
}

const MAX_PAGE = 1000;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export class RecordingModel {
  /** A recording has no engines to follow and nothing to run. */
  readonly control = null;
  private readonly byId: Map<string, number>;

  constructor(
    readonly recording: Recording,
    private readonly title: string,
  ) {
    this.byId = new Map(recording.instances.map((d) => [d.id.toUpperCase(), d.index]));
  }

  close(): void {}

  get lastSeq(): number {
    return this.recording.entries.length;
  }

  nodeIndex(node: number | string | undefined | null): number {
    if (node === undefined || node === null || node === '' || node === 0 || node === '0' || node === this.nodeName) return 0;
    throw new RangeError(`no node ${String(node)}`);
  }

  private get nodeName(): string {
    return this.recording.source.split(/[\\/]/).pop() || this.recording.source;
  }

  private direction(id: string | null | undefined): number | null {
    if (!id) return null;
    const i = this.byId.get(id.toUpperCase());
    if (i === undefined) throw new RangeError(`no monitored machine ${id}`);
    return i;
  }

  private clampSeq(seq: number | null | undefined): number {
    return Math.max(0, Math.min(this.lastSeq, seq ?? this.lastSeq));
  }

  info(): RecordingInfo {
    const node: NodeInfo = { index: 0, name: this.nodeName, selfPk: '', friends: this.recording.instances.length, firstSeq: 1, lastSeq: this.lastSeq };
    return {
      title: this.title,
      mode: 'recording',
      now: this.recording.summary.durationMs,
      defaultNode: 0,
      nodes: [node],
      sim: null,
      progressStates: FRIEND_SESSION_STATES,
      recording: { source: this.recording.source, summary: this.recording.summary, startSeq: this.lastSeq > 0 ? 1 : 0, notObservable: this.recording.notObservable },
    };
  }

  charts(): Record<MachineName, MachineChart> {
    return allCharts();
  }

  actors(nodeArg: number | string | undefined, query: { q?: string; state?: string; offset?: number; limit?: number; seq?: number | null } = {}): RecordingActorsPage {
    const node = this.nodeIndex(nodeArg);
    const seq = this.clampSeq(query.seq);
    const q = (query.q ?? '').trim().toLowerCase();
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.min(MAX_PAGE, Math.max(0, query.limit ?? 100));
    const rows: DirectionRow[] = [];
    let total = 0;
    for (const d of this.recording.instances) {
      if (q && !d.id.toLowerCase().includes(q) && !d.label.toLowerCase().includes(q) && !(d.observerProfile ?? '').toLowerCase().includes(q)) continue;
      const progress = stateText(instanceStateAt(this.recording, d.index, seq).value);
      if (query.state && progress !== query.state) continue;
      if (total >= offset && rows.length < limit) {
        const findings = [d.violations > 0 ? plural(d.violations, 'violation') : '', d.deviations > 0 ? plural(d.deviations, 'deviation') : ''].filter(Boolean);
        rows.push({
          friend: d.id,
          label: d.observerProfile ? `${d.short} (${d.observerProfile})` : d.short,
          machine: d.machine,
          progress,
          dhtkey: '',
          connect: '',
          // A capture holds UDP only: a monitored session is never on a relay.
          path: '',
          request: '',
          policy: '',
          note: [plural(d.seqs.length, 'step'), ...findings].join(' · '),
          violations: d.violations,
        });
      }
      total++;
    }
    const s = this.recording.summary;
    const summary = `capture: ${plural(s.datagrams, 'datagram')} (${s.sessionDatagrams} friend-connection), ${plural(s.pairs, 'pair')}, ${plural(s.tasks, 'toxid: task')}, ${plural(s.violations, 'violation')}, ${plural(s.deviations, 'deviation')}, tolerance ±${s.toleranceMs} ms${s.otherFindings > 0 ? ` (${plural(s.otherFindings, 'finding')} of other machines not shown: see toxstate check)` : ''}`;
    return { node, total, offset, account: { key: '', state: '', tasks: [] }, summary, rows };
  }

  /** The entries a filter keeps: all, or one direction's. */
  private seqs(friend: string | null | undefined): readonly number[] | null {
    const d = this.direction(friend);
    return d === null ? null : this.recording.instances[d]!.seqs;
  }

  journal(nodeArg: number | string | undefined, query: { offset?: number; limit?: number; friend?: string | null } = {}) {
    const node = this.nodeIndex(nodeArg);
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.min(MAX_PAGE, Math.max(0, query.limit ?? 100));
    const only = this.seqs(query.friend);
    const total = only ? only.length : this.lastSeq;
    const rows: StepRow[] = [];
    for (let i = offset; i < Math.min(total, offset + limit); i++) rows.push(this.row(this.recording.entries[(only ? only[i]! : i + 1) - 1]!));
    return { node, total, firstSeq: 1, lastSeq: this.lastSeq, offset, rows };
  }

  /** Position of `seq` in the (optionally one direction's) timeline: the index of the last entry ≤ seq. */
  journalIndexOf(nodeArg: number | string | undefined, seq: number, friend?: string | null): number {
    this.nodeIndex(nodeArg);
    const only = this.seqs(friend);
    if (!only) return Math.min(this.lastSeq - 1, Math.max(-1, seq - 1));
    return lastAtOrBefore(only, seq);
  }

  row(e: RecordingEntry): StepRow {
    const d = this.recording.instances[e.instance]!;
    const lastId = e.transitions[e.transitions.length - 1] ?? null;
    const t = lastId === null ? undefined : transitionById(e.machine, lastId);
    return {
      seq: e.seq,
      t: e.t,
      actor: d.id,
      actorLabel: d.short,
      machine: e.machine,
      event: e.frame === null ? e.what : `frame ${e.frame}: ${e.what}`,
      eventType: e.what,
      from: e.from,
      to: e.to,
      ignored: e.transitions.length === 0 && !e.missed,
      transition: lastId === null ? null : { id: lastId, source: t?.source ?? e.from, targets: t?.targets ?? [], guard: t?.guard ?? null, description: t?.description ?? null },
      outputs: [],
      next: e.next === null ? null : { at: e.next.at, reason: e.next.reason, inMs: e.next.at - e.t, text: nextText(e.next, e.t)! },
      instance: d.id,
      frame: e.frame,
      what: e.what,
      verdict: e.verdict,
      inferred: e.inferred,
      note: e.note,
      findings: e.findings,
      taken: e.transitions,
      expected: e.expected,
      missed: e.missed,
    };
  }

  view(nodeArg: number | string | undefined, opts: { friend?: string | null; seq?: number | null; follow?: boolean } = {}): RecordingView {
    const node = this.nodeIndex(nodeArg);
    const seq = this.clampSeq(opts.seq);
    const cursor = seq > 0 ? this.recording.entries[seq - 1]! : null;
    let selected = this.direction(opts.friend);
    const inst = this.recording.instances;
    // Following the cursor: a step of another group selects its group, its first friend session
    // (a task of a peer in a pair is shown with the pair's sessions).
    const pick = (i: number): number => inst.find((x) => x.group === inst[i]!.group && x.machine === 'friendSession')?.index ?? i;
    if (cursor && (selected === null || (opts.follow && inst[selected]!.group !== inst[cursor.instance]!.group))) selected = pick(cursor.instance);
    if (selected === null && inst.length > 0) selected = 0;
    const t = cursor?.t ?? 0;
    const actors: RecordingActorView[] = [];
    if (selected !== null) {
      actors.push(this.actorView(selected, 'session', seq, t));
      const rest = inst.filter((x) => x.group === inst[selected!]!.group && x.index !== selected);
      rest.forEach((x, i) => actors.push(this.actorView(x.index, `member-${i + 1}`, seq, t)));
    }
    const sel = selected === null ? null : this.recording.instances[selected]!;
    return {
      node,
      live: false,
      seq,
      t,
      now: this.recording.summary.durationMs,
      friend: sel ? { pk: sel.id, label: sel.label } : null,
      cursor: cursor ? this.row(cursor) : null,
      actors,
    };
  }

  private actorView(instance: number, role: string, seq: number, t: number): RecordingActorView {
    const d = this.recording.instances[instance]!;
    const s = instanceStateAt(this.recording, instance, seq);
    const who = (pk: string, profile: string | null): string => (profile ? `${pk.slice(0, 8)} (${profile})` : pk.slice(0, 8));
    const cands: Candidate[] = candidates(d.machine, s.value, s.context, true, t);
    const facts: FactRow[] | null = d.machine === 'friendSession' ? factRows(s.context, t) : null;
    return {
      key: d.id,
      label: d.label,
      title: d.friend === null ? `${who(d.observer, d.observerProfile)}'s toxid: task (announcing itself)` : `${who(d.observer, d.observerProfile)}'s session with ${who(d.friend, d.friendProfile)}`,
      role,
      machine: d.machine,
      value: s.value,
      state: stateText(s.value),
      active: activeStateIds(s.value),
      context: s.context,
      contextKnown: true,
      last: s.last ? this.row(s.last) : null,
      taken: s.last?.transitions ?? [],
      expected: s.last?.expected ?? [],
      next: s.next === null ? null : { at: s.next.at, reason: s.next.reason, text: nextText(s.next, t)! },
      candidates: cands,
      facts,
    };
  }
}
