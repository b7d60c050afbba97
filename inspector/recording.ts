/**
 * A finished recording as an inspector target: the conformance monitor's reconstruction of a
 * capture (conformance/monitor/check.ts, `CheckReport`) turned into what the inspector pages
 * through — no engine, no clock, no simulation control.
 *
 * It models:
 * - one machine instance per monitored machine: a friendSession per direction (an observer's
 *   session with its friend), named `friendSession <observer 8 hex>→<friend 8 hex>`, and a
 *   toxidAnnounce per `toxid:` task the report has (`toxid:<observer 8 hex>`), each starting in
 *   its initial state. Instances are grouped: a pair's two directions and the two peers' tasks
 *   form one group (what the page shows together); a task of a peer in no pair is a group alone;
 * - a timeline of entries with seq 1…N, one per monitor step of every instance, merged in time
 *   order (each instance keeps its own order; ties go to the lower instance index). Each entry
 *   carries the capture frame (null for a deadline), what happened, the hidden inputs inferred,
 *   the states before and after, every transition taken (hidden inputs first), the verdict (a
 *   task step is `ok` unless a finding is on it), the monitor's note and the machine's state
 *   value and context after the step;
 * - findings (violations, deviations) attached to the step they were recorded at (same
 *   instance, time and frame; a session step's verdict names the kind); a finding no step
 *   carries — an output the model expected that never came, judged when its window closed —
 *   becomes an entry of its own at the finding's time, the state unchanged. An entry's
 *   `expected` lists its findings' transitions: the edges the model expected, which the charts mark;
 * - time travel: an instance's state at seq S is the state after its last entry with seq ≤ S, or
 *   its initial state before its first entry (seq 0 is "before the first step").
 */
import { friendSessionNextDeadline } from '../machines/friend-session-facts.js';
import { friendSession, type FriendSessionSnapshot } from '../machines/friend-session.js';
import { toxidAnnounce, toxidAnnounceNextDeadline, type ToxidAnnounceSnapshot } from '../machines/toxid-announce.js';
import { start } from '../machines/step.js';
import type { CheckReport } from '../conformance/monitor/check.js';
import type { Finding, Verdict } from '../conformance/monitor/session-monitor.js';

export type RecordedMachine = 'friendSession' | 'toxidAnnounce';

export interface RecordingFinding {
  readonly kind: 'violation' | 'deviation';
  readonly rule: string;
  readonly t: number;
  readonly packets: readonly number[];
  readonly expected: string;
  readonly observed: string;
  /** The edge the model expected (a transition id of the instance's machine), or null. */
  readonly transition: string | null;
}

export interface RecordingInstance {
  readonly index: number;
  /** `OBSERVER-FRIEND` (uppercase hex long-term keys) for a session, `toxid:OBSERVER` for a task. */
  readonly id: string;
  readonly machine: RecordedMachine;
  /** Instances shown together: a pair's directions and its peers' tasks. */
  readonly group: number;
  readonly observer: string;
  /** The friend (a session), or null (a task). */
  readonly friend: string | null;
  /** `8F985564→F98BB59B`, `toxid:8F985564`. */
  readonly short: string;
  /** `friendSession 8F985564→F98BB59B`, `toxidAnnounce toxid:8F985564`. */
  readonly label: string;
  /** The profile file each key came from, when one was given. */
  readonly observerProfile: string | null;
  readonly friendProfile: string | null;
  readonly initial: { readonly value: unknown; readonly context: unknown; readonly next: Deadline | null };
  readonly violations: number;
  readonly deviations: number;
  /** Seqs of this instance's entries, ascending. */
  readonly seqs: readonly number[];
}

interface Deadline {
  readonly at: number;
  readonly reason: string;
}

export interface RecordingEntry {
  /** 1…N, in timeline order. */
  readonly seq: number;
  /** Index into `instances`. */
  readonly instance: number;
  readonly machine: RecordedMachine;
  /** The capture frame, or null for a deadline or a missed output. */
  readonly frame: number | null;
  readonly t: number;
  readonly what: string;
  readonly inferred: readonly string[];
  readonly from: string;
  readonly to: string;
  /** Transition ids taken, in order (hidden inputs first). */
  readonly transitions: readonly string[];
  readonly verdict: Verdict;
  readonly note: string | null;
  readonly findings: readonly RecordingFinding[];
  /** The edges the model expected (the findings' transitions, without nulls). */
  readonly expected: readonly string[];
  /** A finding no step carries (an expected output that never came): not a monitor step. */
  readonly missed: boolean;
  /** The machine after the step. */
  readonly value: unknown;
  readonly context: unknown;
  readonly next: Deadline | null;
}

export interface RecordingSummary {
  readonly datagrams: number;
  readonly sessionDatagrams: number;
  readonly pairs: number;
  readonly tasks: number;
  readonly violations: number;
  readonly deviations: number;
  readonly durationMs: number;
  readonly toleranceMs: number;
  /** Findings of the report on no instance shown (a machine the recording does not model): counted, not shown. */
  readonly otherFindings: number;
}

export interface Recording {
  /** The capture's name as given (a file path). */
  readonly source: string;
  readonly summary: RecordingSummary;
  readonly instances: readonly RecordingInstance[];
  readonly entries: readonly RecordingEntry[];
  readonly notObservable: readonly string[];
}

export interface InstanceStateAt {
  readonly value: unknown;
  readonly context: unknown;
  readonly next: Deadline | null;
  /** The instance's last entry at or before the point, or null before its first. */
  readonly last: RecordingEntry | null;
}

/** One monitor step of either machine, as the recording needs it. */
interface AnyStep {
  readonly n: number | null;
  readonly t: number;
  readonly what: string;
  readonly inferred: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly transitions: readonly string[];
  /** A session step's verdict; undefined for a task step (ok unless a finding is on it). */
  readonly verdict: Verdict | undefined;
  readonly note: string | null;
  readonly value: unknown;
  readonly context: unknown;
  readonly next: Deadline | null;
}

const short8 = (hex: string): string => hex.slice(0, 8);

const findingOf = (f: Finding): RecordingFinding => ({ kind: f.kind, rule: f.rule, t: f.t, packets: [...f.packets], expected: f.expected, observed: f.observed, transition: f.transition });

/** Entries of one instance before numbering: its steps in order, missed outputs inserted by time. */
type Pending = Omit<RecordingEntry, 'seq' | 'instance' | 'machine'>;

function instanceEntries(steps: readonly AnyStep[], findings: readonly Finding[], initial: InstanceStateAt): Pending[] {
  const left = findings.map(findingOf);
  const out: Pending[] = [];
  for (const s of steps) {
    // A finding belongs to the step recorded with it: same time and frame (and kind, for a session step's verdict).
    const mine = left.filter((f) => (s.verdict === undefined || f.kind === s.verdict) && f.t === s.t && (s.n === null ? f.packets.length === 0 : f.packets[0] === s.n));
    for (const f of mine) left.splice(left.indexOf(f), 1);
    const expected = mine.flatMap((f) => (f.transition === null ? [] : [f.transition]));
    const verdict: Verdict = s.verdict ?? (mine.some((f) => f.kind === 'violation') ? 'violation' : mine.length > 0 ? 'deviation' : 'ok');
    out.push({ frame: s.n, t: s.t, what: s.what, inferred: [...s.inferred], from: s.from, to: s.to, transitions: [...s.transitions], verdict, note: s.note, findings: mine, expected, missed: false, value: s.value, context: s.context, next: s.next });
  }
  // What is left was judged when its window closed: an entry at its time, the state unchanged.
  for (const f of left.sort((a, b) => a.t - b.t)) {
    const at = out.findIndex((e) => e.t > f.t);
    const i = at < 0 ? out.length : at;
    const before = i > 0 ? out[i - 1]! : null;
    const state = before?.to ?? String(initial.value);
    out.splice(i, 0, {
      frame: null,
      t: f.t,
      what: `missed: ${f.expected}`,
      inferred: [],
      from: state,
      to: state,
      transitions: [],
      verdict: f.kind,
      note: f.observed,
      findings: [f],
      expected: f.transition === null ? [] : [f.transition],
      missed: true,
      value: before ? before.value : initial.value,
      context: before ? before.context : initial.context,
      next: before ? before.next : initial.next,
    });
  }
  return out;
}

/** The recording of a monitor report: sessions in the report's pair order, then tasks; entries merged by time. */
export function buildRecording(report: CheckReport, source: string): Recording {
  const labels = new Map(report.peers.map((p) => [p.pk, p.profile]));
  const perInstance: Pending[][] = [];
  const bare: Array<Omit<RecordingInstance, 'seqs'>> = [];
  const count = (fs: readonly Finding[], kind: Finding['kind']): number => fs.filter((f) => f.kind === kind).length;
  const groupOf = new Map<string, number>();
  report.pairs.forEach((pair, group) => {
    for (const pk of [pair.a, pair.b]) if (!groupOf.has(pk)) groupOf.set(pk, group);
    for (const d of pair.directions) {
      const snap = start(friendSession, { friendPk: d.friend, now: 0 }).snapshot as FriendSessionSnapshot;
      const initial = { value: snap.value, context: snap.context, next: friendSessionNextDeadline(snap), last: null };
      const short = `${short8(d.observer)}→${short8(d.friend)}`;
      bare.push({
        index: bare.length,
        id: `${d.observer}-${d.friend}`,
        machine: 'friendSession',
        group,
        observer: d.observer,
        friend: d.friend,
        short,
        label: `friendSession ${short}`,
        observerProfile: labels.get(d.observer) ?? null,
        friendProfile: labels.get(d.friend) ?? null,
        initial,
        violations: count(d.findings, 'violation'),
        deviations: count(d.findings, 'deviation'),
      });
      const steps: AnyStep[] = d.steps.map((s) => ({ ...s, value: s.snapshot.value, context: s.snapshot.context, next: friendSessionNextDeadline(s.snapshot) }));
      perInstance.push(instanceEntries(steps, d.findings, initial));
    }
  });
  let groups = report.pairs.length;
  for (const task of report.tasks) {
    const snap = start(toxidAnnounce, { selfPk: task.observer, now: 0 }).snapshot as ToxidAnnounceSnapshot;
    const initial = { value: snap.value, context: snap.context, next: toxidAnnounceNextDeadline(snap), last: null };
    const short = `toxid:${short8(task.observer)}`;
    bare.push({
      index: bare.length,
      id: `toxid:${task.observer}`,
      machine: 'toxidAnnounce',
      group: groupOf.get(task.observer) ?? groups++,
      observer: task.observer,
      friend: null,
      short,
      label: `toxidAnnounce ${short}`,
      observerProfile: labels.get(task.observer) ?? null,
      friendProfile: null,
      initial,
      violations: count(task.findings, 'violation'),
      deviations: count(task.findings, 'deviation'),
    });
    const steps: AnyStep[] = task.steps.map((s) => ({
      n: s.n,
      t: s.t,
      what: s.what,
      inferred: [],
      from: s.from,
      to: s.to,
      transitions: s.transition === null ? [] : [s.transition],
      verdict: undefined,
      note: null,
      value: s.snapshot.value,
      context: s.snapshot.context,
      next: toxidAnnounceNextDeadline(s.snapshot),
    }));
    perInstance.push(instanceEntries(steps, task.findings, initial));
  }
  // Merge by time, each instance in its own order; ties go to the lower instance index.
  const entries: RecordingEntry[] = [];
  const seqs: number[][] = bare.map(() => []);
  const heads = perInstance.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < perInstance.length; i++) {
      const e = perInstance[i]![heads[i]!];
      if (e && (best < 0 || e.t < perInstance[best]![heads[best]!]!.t)) best = i;
    }
    if (best < 0) break;
    const e = perInstance[best]![heads[best]!++]!;
    const seq = entries.length + 1;
    entries.push({ ...e, seq, instance: best, machine: bare[best]!.machine });
    seqs[best]!.push(seq);
  }
  const instances = bare.map((d, i) => ({ ...d, seqs: seqs[i]! }));
  const shown = entries.flatMap((e) => e.findings);
  return {
    source,
    summary: {
      datagrams: report.datagrams,
      sessionDatagrams: report.sessionDatagrams,
      pairs: report.pairs.length,
      tasks: report.tasks.length,
      violations: shown.filter((f) => f.kind === 'violation').length,
      deviations: shown.filter((f) => f.kind === 'deviation').length,
      durationMs: report.durationMs,
      toleranceMs: report.toleranceMs,
      otherFindings: report.findings.length - shown.length,
    },
    instances,
    entries,
    notObservable: [...report.notObservable],
  };
}

/** An instance's state after entry `seq` (0: before the first entry). */
export function instanceStateAt(rec: Recording, instance: number, seq: number): InstanceStateAt {
  const d = rec.instances[instance]!;
  const i = lastAtOrBefore(d.seqs, seq);
  if (i < 0) return { value: d.initial.value, context: d.initial.context, next: d.initial.next, last: null };
  const e = rec.entries[d.seqs[i]! - 1]!;
  return { value: e.value, context: e.context, next: e.next, last: e };
}

/** Index of the last value ≤ x in an ascending list (−1 when none). */
export function lastAtOrBefore(list: readonly number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** A finished recording as what the inspector serves (startInspector): read-only, no clock. */
export interface RecordingTarget {
  readonly mode: 'recording';
  readonly recording: Recording;
  readonly title: string;
  /** The recording's end (ms since its first frame): nothing moves. */
  now(): number;
}

/** The inspector target of a monitor report over the capture `source` (a file name, shown in the page). */
export function recordingTarget(report: CheckReport, source: string, title = `toxstate inspect — ${source}`): RecordingTarget {
  const recording = buildRecording(report, source);
  return { mode: 'recording', recording, title, now: () => recording.summary.durationMs };
}
