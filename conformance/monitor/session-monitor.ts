/**
 * The friendSession statechart as a monitor of someone else's traffic: one direction of one
 * friend pair (the observer's session with its friend), fed what the wire shows.
 *
 * - Packets the observer RECEIVES from the friend are the machine's inputs: a cookie response,
 *   a handshake (with the DHT key the friend's address used then), a session packet (the first
 *   one confirms; later ones count as ALIVE: contents are not observable without session keys).
 * - Packets the observer SENDS are checked against the machine's outputs: each cookie request
 *   and handshake must be one the machine emits in its state (by a deadline ± the tolerance, or
 *   in answer to an input), and each output the machine emits must be seen by its deadline +
 *   the tolerance. A session packet is allowed whenever a session exists.
 * - What the wire cannot show (a DHT-PK over the onion, where the address came from, whether a
 *   session packet was a kill) is inferred only when an observed packet needs it, from a short
 *   list of hidden inputs (`hiddenInputs`), and every step says what was inferred.
 * - Silence is judged only while the observer is seen sending something else (else it quit,
 *   crashed or was frozen: not a protocol fact). A new DHT key at the observer's address is a
 *   new run: the machine starts over.
 * - After a violation the direction is suspended until the observer's next cookie request or
 *   handshake, which re-anchors it (so one fault is reported once, not as a cascade).
 *
 * Pure: the observations in, steps and findings out.
 */
import { friendSessionNextDeadline } from '../../machines/friend-session-facts.js';
import { friendSession, friendSessionState, type FriendSessionSnapshot } from '../../machines/friend-session.js';
import type { FriendSessionEvent, FriendSessionOutput } from '../../machines/friend-session-rules.js';
import { start, step, type TransitionRef } from '../../machines/step.js';
import { MAX_TEMP_PACKET_TRIES, TEMP_PACKET_RESEND_INTERVAL_MS } from '../../machines/constants.js';
import { resolveSnapshot } from '../../machines/xstate-adapter.js';
import type { FriendSessionState } from '../../machines/types.js';
import { ruleOfTransition, SESSION_AFTER_HANDSHAKE_RULE } from './rule-map.js';
import {
  ACTIVITY_LEAD_MS,
  ACTIVITY_WINDOW_MS,
  deviationAfter,
  edgesEmitting,
  KILL_WINDOW_MS,
  KIND_OF_OUTPUT,
  SESSION_STATES,
  STATELESS,
  WHOLE_SECOND_SLACK_MS,
  WHOLE_SECOND_TIMERS,
  WORDS,
  type DirectionResult,
  type Finding,
  type MonitorOptions,
  type MonitorStep,
  type PairPacket,
  type Verdict,
  type WireKind,
} from './session-terms.js';

export * from './session-terms.js';

interface Expectation {
  readonly kind: WireKind;
  /** The model's moment for it. */
  readonly due: number;
  readonly from: number;
  readonly until: number;
  readonly transition: string;
  readonly trigger: number | null;
}

/**
 * Monitors one direction. `activity` says whether the observer sent any datagram (of any kind,
 * to anyone) in a time range — the difference between "did not send" and "was not running".
 */
export function monitorDirection(
  observer: string,
  friend: string,
  packets: readonly PairPacket[],
  activity: (from: number, until: number) => boolean,
  endT: number,
  options: MonitorOptions,
): DirectionResult {
  const tol = options.toleranceMs;
  const lost = options.lost ?? new Set<number>();
  const steps: MonitorStep[] = [];
  const findings: Finding[] = [];
  const progress: { t: number; state: FriendSessionState }[] = [];
  let unjudged = 0;
  const suspectInputs: number[] = [];

  let snap = start(friendSession, { friendPk: friend, now: 0 }).snapshot as FriendSessionSnapshot;
  let pending: Expectation[] = [];
  /** Until when a session packet is allowed after a session closed with a kill. */
  let killAllowedUntil = -Infinity;
  let suspended: string | null = null;
  let run: string | null = null;
  /** Recent transitions taken (for blaming a timer that ended what the observer still sends). */
  let recent: { t: number; ref: TransitionRef; from: FriendSessionState }[] = [];
  /** Inputs that moved the machine to another state (loss candidates), in time order. */
  const movingInputs: { n: number; t: number }[] = [];
  const state = (): FriendSessionState => friendSessionState(snap);
  const recordProgress = (t: number): void => {
    const s = state();
    if (progress.length === 0 || progress[progress.length - 1]!.state !== s) progress.push({ t, state: s });
  };
  recordProgress(0);

  const record = (n: number | null, t: number, what: string, from: FriendSessionState, transitions: string[], verdict: Verdict, inferred: string[] = [], note: string | null = null): void => {
    steps.push({ n, t, observer, friend, what, inferred, from, to: state(), transitions, verdict, note, snapshot: snap });
    recordProgress(t);
  };

  const addFinding = (f: Omit<Finding, 'observer' | 'friend'>): void => {
    findings.push({ ...f, observer, friend });
    if (f.kind === 'violation' && suspectInputs.length === 0) {
      const window = MAX_TEMP_PACKET_TRIES * TEMP_PACKET_RESEND_INTERVAL_MS + 2 * tol;
      for (const m of [...movingInputs].reverse()) if (f.t - m.t <= window) suspectInputs.push(m.n);
    }
  };

  /** Applies one event; returns the transition taken and the outputs (turned into expectations). */
  const apply = (event: FriendSessionEvent, t: number, trigger: number | null, early = false): TransitionRef | null => {
    const from = state();
    const r = step<typeof friendSession, FriendSessionOutput>(friendSession, snap, event as unknown as { type: string });
    if (!r.taken) return null;
    snap = r.snapshot as FriendSessionSnapshot;
    recent = [...recent.filter((x) => x.t >= t - 10_000), { t, ref: r.taken, from }];
    // A session or attempt that ends owes nothing more: what it still had to send is moot.
    if (r.outputs.some((o) => o.type === 'session.close')) pending = [];
    for (const o of r.outputs) {
      const kind = KIND_OF_OUTPUT[o.type];
      // friend_connection's timers (ALIVE, the 32 s timeout) count whole seconds in c-toxcore.
      const slack = WHOLE_SECOND_TIMERS.has(r.taken.id) ? WHOLE_SECOND_SLACK_MS : 0;
      if (kind) pending.push({ kind, due: t, from: event.type === 'tick' || early ? t - tol : t, until: t + tol + slack, transition: r.taken.id, trigger });
      if (o.type === 'session.close' && o.sendKill) killAllowedUntil = t + tol + slack;
    }
    return r.taken;
  };

  /** Judges expectations whose window ended before `t`. */
  const expire = (t: number): void => {
    const due = pending.filter((e) => e.until < t);
    pending = pending.filter((e) => e.until >= t);
    for (const e of due) {
      if (suspended !== null) continue;
      if (!activity(e.due - ACTIVITY_LEAD_MS, e.until + ACTIVITY_WINDOW_MS)) {
        unjudged++;
        continue;
      }
      addFinding({
        kind: 'violation',
        rule: ruleOfTransition(e.transition),
        t: e.until,
        packets: e.trigger === null ? [] : [e.trigger],
        expected: `a ${WORDS[e.kind]} from the observer by ${(e.until / 1000).toFixed(3)} s (${e.transition})`,
        observed: 'none was sent, though the observer was sending other datagrams',
        transition: e.transition,
      });
      suspended = `after the violation at ${(e.until / 1000).toFixed(3)} s`;
      pending = [];
    }
  };

  /** Fires every deadline at or before `t` (and judges what expired). */
  const advance = (t: number): void => {
    for (let guard = 0; guard < 1000; guard++) {
      const d = friendSessionNextDeadline(snap);
      if (!d || d.at > t) break;
      expire(d.at);
      const from = state();
      const taken = apply({ type: 'tick', now: d.at }, d.at, null);
      if (!taken) break;
      record(null, d.at, `deadline: ${d.reason}`, from, [taken.id], suspended === null ? 'ok' : 'unchecked');
    }
    expire(t);
  };

  /**
   * A timer-driven packet observed after the model's moment: the implementation's timer runs from
   * its own send (c-toxcore keeps ping_lastsent and temp_packet_sent_time), so the model's next
   * deadline moves by the same lateness instead of drifting away from the wire.
   */
  const retime = (e: Expectation, t: number): void => {
    const c = snap.context;
    const late = t - e.due;
    if (e.transition === 'Established|tick|1' && c.aliveSendAt !== null) snap = resolveSnapshot(friendSession, state(), { ...c, aliveSendAt: c.aliveSendAt + late }) as FriendSessionSnapshot;
    else if (e.transition.endsWith('|tick|2') && c.resendAt !== null) snap = resolveSnapshot(friendSession, state(), { ...c, resendAt: c.resendAt + late }) as FriendSessionSnapshot;
  };

  const consume = (kind: WireKind, t: number, n: number | null = null): boolean => {
    const i = pending.findIndex((e) => e.kind === kind && e.from <= t && t <= e.until);
    if (i < 0) return false;
    const e = pending.splice(i, 1)[0]!;
    if (n !== null && t > e.due) retime(e, t);
    if (n !== null && t > e.due + tol)
      addFinding({
        kind: 'deviation',
        rule: ruleOfTransition(e.transition),
        t,
        packets: [n],
        expected: `a ${WORDS[e.kind]} by ${((e.due + tol) / 1000).toFixed(3)} s (${e.transition}, ± the tolerance)`,
        observed: `sent ${((t - e.due) / 1000).toFixed(3)} s after the model's moment: c-toxcore's friend_connection timers count whole seconds and test "last + interval < now", so they fire up to 2 s late`,
        transition: e.transition,
      });
    return true;
  };

  /** Hidden inputs that may explain a sent packet at `p`: each a labelled event. */
  const hiddenInputs = (p: PairPacket, killCandidate: number | null): { label: string; event: FriendSessionEvent }[] => {
    const out: { label: string; event: FriendSessionEvent }[] = [];
    if (p.friendDhtKey !== null)
      out.push({ label: `the friend's DHT key ${p.friendDhtKey.slice(0, 8)}… (a DHT-PK over the onion, not observable)`, event: { type: 'dhtKey.learned', now: p.t, dhtKey: p.friendDhtKey, source: 'onion' } });
    out.push({ label: `the friend's address ${p.friendAddress} (its DHT key answered from there)`, event: { type: 'address.learned', now: p.t, address: p.friendAddress, source: 'dhtKeyPacket' } });
    if (killCandidate !== null) out.push({ label: `frame ${killCandidate} was a kill packet (session contents are not observable)`, event: { type: 'packet.kill', now: p.t } });
    return out;
  };

  /**
   * Tries to explain a sent packet: deadlines up to the tolerance early; else up to three hidden
   * inputs; else deadlines fired early and then hidden inputs. `before` is the last transition
   * taken before the hidden inputs (for recognising a documented deviation).
   */
  const explain = (
    p: PairPacket,
    killCandidate: number | null,
  ): { ok: true; inferred: string[]; transitions: string[]; early: boolean; before: { t: number; ref: TransitionRef } | null } | { ok: false } => {
    const saved = { snap, pending: [...pending], recent: [...recent], killAllowedUntil };
    const restore = (): void => {
      ({ snap, recent, killAllowedUntil } = saved);
      pending = [...saved.pending];
    };
    /** Fires up to `count` deadlines due within the tolerance; returns the transitions, or null when fewer were due. */
    const early = (count: number): string[] | null => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const d = friendSessionNextDeadline(snap);
        if (!d || d.at > p.t + tol) return null;
        const taken = apply({ type: 'tick', now: Math.max(d.at, p.t) }, d.at, null, true);
        if (!taken) return null;
        ids.push(taken.id);
      }
      return ids;
    };
    // 1. Deadlines only (not for a packet to another address: no deadline changes the address).
    const elsewhere = snap.context.address !== null && snap.context.address.value !== p.friendAddress;
    for (let k = 1; k <= (elsewhere ? 0 : 3); k++) {
      const ids = early(k);
      if (ids !== null && consume(p.kind, p.t)) return { ok: true, inferred: [], transitions: ids, early: true, before: null };
      restore();
    }
    // 2. Hidden inputs, shortest sequence first; 3. the same after deadlines fired early.
    const hidden = hiddenInputs(p, killCandidate);
    const sequences: number[][] = [];
    for (let a = 0; a < hidden.length; a++) {
      sequences.push([a]);
      for (let b = 0; b < hidden.length; b++) if (b !== a) sequences.push([a, b]);
    }
    for (let a = 0; a < hidden.length; a++)
      for (let b = 0; b < hidden.length; b++) for (let c = 0; c < hidden.length; c++) if (a !== b && b !== c && a !== c) sequences.push([a, b, c]);
    sequences.sort((x, y) => x.length - y.length);
    for (let k = 0; k <= 3; k++) {
      for (const seq of sequences) {
        const prefix = early(k);
        if (prefix === null) {
          restore();
          break;
        }
        const before = recent.length > 0 ? recent[recent.length - 1]! : null;
        const ids: string[] = [...prefix];
        let moved = true;
        for (const i of seq) {
          const taken = apply(hidden[i]!.event, p.t, null);
          if (!taken) {
            moved = false;
            break;
          }
          ids.push(taken.id);
        }
        if (moved && consume(p.kind, p.t)) return { ok: true, inferred: seq.map((i) => hidden[i]!.label), transitions: ids, early: k > 0, before };
        restore();
      }
    }
    return { ok: false };
  };

  /** Which rule an unexplained sent packet breaks, and the edge the model expected. */
  const blame = (p: PairPacket): { rule: string; transition: string | null; expected: string } => {
    // A timer that just ended what the observer is still sending (8 tries, the 32 s timeout).
    const stopper = [...recent].reverse().find((r) => r.ref.event === 'tick' && r.ref.targets.length > 0 && p.t - r.t <= 1000 + 2 * tol + WHOLE_SECOND_SLACK_MS && (p.kind === 'session' ? SESSION_STATES.has(r.from) : edgesEmitting(r.from, p.kind).some((e) => e.event === 'tick')));
    if (stopper) return { rule: ruleOfTransition(stopper.ref.id), transition: stopper.ref.id, expected: `no more ${WORDS[p.kind]}s after ${stopper.ref.id} at ${(stopper.t / 1000).toFixed(3)} s (${stopper.ref.description ?? ''})` };
    if (p.kind === 'session') return { rule: SESSION_AFTER_HANDSHAKE_RULE, transition: null, expected: `no session packet in ${state()}: a session needs a handshake each way first` };
    const edge = edgesEmitting(state(), p.kind)[0] ?? null;
    return {
      rule: edge ? ruleOfTransition(edge.id) : 'unmapped',
      transition: edge?.id ?? null,
      expected: edge ? `a ${WORDS[p.kind]} in ${state()} only after ${edge.event}${edge.guard ? ` [${edge.guard}]` : ''} (${edge.id})` : `no ${WORDS[p.kind]} in ${state()}`,
    };
  };

  /**
   * Re-anchors a suspended direction on the observer's own packet: the session starts over as the
   * packet implies (key and address known, and for a handshake a cookie). Where in its phase the
   * observer was is not known, so a new phase begins here.
   */
  const resync = (p: PairPacket): boolean => {
    if (p.dir !== 'sent' || (p.kind !== 'cookieRequest' && p.kind !== 'handshake')) return false;
    pending = [];
    snap = start(friendSession, { friendPk: friend, now: p.t }).snapshot as FriendSessionSnapshot;
    const events: FriendSessionEvent[] = [];
    if (p.friendDhtKey !== null) events.push({ type: 'dhtKey.learned', now: p.t, dhtKey: p.friendDhtKey, source: 'onion' });
    events.push({ type: 'address.learned', now: p.t, address: p.friendAddress, source: 'dhtKeyPacket' });
    if (p.kind === 'handshake') events.push({ type: 'packet.cookieResponse', now: p.t, via: 'udp' });
    for (const e of events) apply(e, p.t, null);
    consume(p.kind, p.t);
    return true;
  };

  let lastKillCandidate: { n: number; t: number } | null = null;
  const restarts = [...(options.restarts ?? [])];
  /** A new DHT key at the observer's address: a new run, which starts with nothing known. */
  const restartsUntil = (t: number): void => {
    while (restarts.length > 0 && restarts[0]!.t <= t) {
      const r = restarts.shift()!;
      advance(r.t);
      const from = state();
      snap = start(friendSession, { friendPk: friend, now: r.t }).snapshot as FriendSessionSnapshot;
      pending = [];
      suspended = null;
      killAllowedUntil = -Infinity;
      record(r.n, r.t, `observer restarted (new DHT key ${r.dhtKey.slice(0, 8)}…)`, from, [], 'restart');
    }
  };
  /**
   * The friend's last session packet before `t`, if it may have been a kill the observer acted on
   * at `t`: the observer sent nothing at all from it until KILL_WINDOW_MS before `t` — at once
   * (the window is empty), or stopped or frozen in between and read the kill late.
   */
  const killCandidateAt = (t: number): number | null => {
    if (lastKillCandidate === null) return null;
    return activity(lastKillCandidate.t + 1, t - KILL_WINDOW_MS) ? null : lastKillCandidate.n;
  };
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i]!;
    restartsUntil(p.t);
    advance(p.t);
    const from = state();
    const what = `${p.dir} ${WORDS[p.kind]}`;
    if (lost.has(p.n)) {
      record(p.n, p.t, what, from, [], 'unchecked', [], 'presumed lost before the observer read it');
      continue;
    }
    if (p.dir === 'received') {
      if (p.kind === 'cookieRequest') {
        record(p.n, p.t, what, from, [], 'unchecked', [], STATELESS);
        continue;
      }
      let event: FriendSessionEvent | null = null;
      const inferred: string[] = [];
      const hiddenIds: string[] = [];
      if (p.kind === 'cookieResponse' && from === 'AcquiringCookie' && p.friendDhtKey !== null && p.friendDhtKey !== snap.context.dhtKey!.value) {
        // Only the friend's current DHT key can open a cookie request and answer it: the request
        // it answers went to that key, so the observer had learnt it (not observable) before.
        for (const h of hiddenInputs(p, null).slice(0, 2)) {
          const taken = apply(h.event, p.t, null);
          if (taken) {
            hiddenIds.push(taken.id);
            inferred.push(h.label);
          }
        }
        consume('cookieRequest', p.t + tol);
        pending = pending.filter((e) => e.kind !== 'cookieRequest');
      }
      if (p.kind === 'cookieResponse') event = { type: 'packet.cookieResponse', now: p.t, via: 'udp' };
      else if (p.kind === 'handshake' && p.valid && p.friendDhtKey !== null) {
        event = { type: 'packet.handshake', now: p.t, dhtKey: p.friendDhtKey, address: p.friendAddress };
        // Established ignores a handshake with the session's key; if the observer answers it
        // (a sent handshake follows within the tolerance), its session had ended: by a kill.
        const kill = from === 'Established' ? killCandidateAt(p.t) : null;
        const answered = packets.slice(i + 1).some((q) => q.t <= p.t + tol && q.dir === 'sent' && q.kind === 'handshake');
        if (kill !== null && answered && step(friendSession, snap, event as unknown as { type: string }).taken === null) {
          const taken = apply({ type: 'packet.kill', now: p.t }, p.t, null);
          if (taken) {
            hiddenIds.push(taken.id);
            inferred.push(`frame ${kill} was a kill packet (session contents are not observable)`);
            pending = pending.filter((e) => e.kind !== 'cookieRequest');
          }
        }
      }
      else if (p.kind === 'session') {
        lastKillCandidate = { n: p.n, t: p.t };
        // A capture holds UDP datagrams: every session packet in it came directly.
        event = from === 'AwaitingSessionPacket' ? { type: 'packet.session', now: p.t, via: 'udp' } : from === 'Established' ? { type: 'packet.alive', now: p.t, via: 'udp' } : null;
      }
      const taken = event ? apply(event, p.t, p.n) : null;
      if (taken && taken.targets.length > 0) movingInputs.push({ n: p.n, t: p.t });
      const verdict: Verdict = suspended !== null ? 'unchecked' : inferred.length > 0 ? 'inferred' : 'ok';
      const note = inferred.length > 0 ? (p.kind === 'cookieResponse' ? 'the cookie request it answers went to the new DHT key' : 'the observer answers it, so its session had ended') : taken ? null : p.kind === 'handshake' && !p.valid ? 'refused: its cookie hash does not match' : 'no transition in this state';
      record(p.n, p.t, what, from, [...hiddenIds, ...(taken ? [taken.id] : [])], verdict, inferred, note);
      continue;
    }
    // A sent packet.
    if (p.kind === 'cookieResponse') {
      record(p.n, p.t, what, from, [], 'unchecked', [], STATELESS);
      continue;
    }
    if (suspended !== null) {
      if (resync(p)) {
        suspended = null;
        record(p.n, p.t, what, from, [], 'resync', [], `monitoring resumes on this ${WORDS[p.kind]}`);
      } else record(p.n, p.t, what, from, [], 'unchecked', [], `not checked ${suspendedWords(suspended)}`);
      continue;
    }
    // A packet to another address than the session's is not this phase's resend: explain it.
    const elsewhere = snap.context.address !== null && snap.context.address.value !== p.friendAddress;
    if (!elsewhere && consume(p.kind, p.t, p.n)) {
      record(p.n, p.t, what, from, [], 'ok');
      continue;
    }
    if (p.kind === 'session' && (SESSION_STATES.has(from) || p.t <= killAllowedUntil)) {
      record(p.n, p.t, what, from, [], 'ok', [], SESSION_STATES.has(from) ? null : 'the kill packet of the session that just ended');
      continue;
    }
    const e = explain(p, killCandidateAt(p.t));
    if (e.ok) {
      const deviation = e.inferred.length > 0 && e.before ? deviationAfter(e.before, p) : null;
      if (deviation) addFinding({ kind: 'deviation', rule: deviation.rule, t: p.t, packets: [p.n], expected: deviation.expected, observed: deviation.observed, transition: e.before!.ref.id });
      record(p.n, p.t, what, from, e.transitions, deviation ? 'deviation' : e.inferred.length > 0 ? 'inferred' : 'ok', e.inferred, e.early ? 'sent before the model\'s deadline, within the tolerance' : null);
      continue;
    }
    const b = blame(p);
    addFinding({ kind: 'violation', rule: b.rule, t: p.t, packets: [p.n], expected: b.expected, observed: `the observer sent a ${WORDS[p.kind]} to ${p.friendAddress} in ${from}`, transition: b.transition });
    suspended = `after the violation at ${(p.t / 1000).toFixed(3)} s`;
    pending = [];
    record(p.n, p.t, what, from, [], 'violation', [], b.expected);
  }
  // The capture ends: what is still pending cannot be judged.
  restartsUntil(endT);
  advance(endT);
  unjudged += pending.length;
  return { steps, findings, progress, unjudged, suspectInputs };
}

function suspendedWords(reason: string): string {
  return `${reason} (monitoring resumes at the observer's next cookie request or handshake)`;
}

