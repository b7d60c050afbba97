/**
 * The `toxid:` task (toxidAnnounce statechart) as a monitor of a profile owner's self-announcing,
 * which the wire shows once its long-term key opens the announce requests it sends (sender = its
 * key, searched key = its key) and the responses it gets (is_stored 2: stored there).
 *
 * - The first self-announce request is the task starting (`cmd.start`: Offline → Announcing).
 * - A response with is_stored 2 is `announce.stored`; any other is `announce.response`.
 * - Each round the model schedules (3 s while not announced, 15 s once announced or stable —
 *   c-toxcore's last_announce rule keeps at least one announce per ONION_NODE_PING_INTERVAL)
 *   must be covered by a self-announce request in the interval before it, shifted by the
 *   tolerance (so the previous round's own requests do not count). Which nodes get a request
 *   is the runtime's per-node schedule, so only "some request per round" is checked. A round
 *   covered only by onion requests (0x80) the observer sent, none of which reached an announce
 *   node on the wire, counts as presumed lost on the onion path (reported, not a violation).
 * - A new DHT key at the address the responses reach is a restart: the task starts over.
 * - Silence is judged only while the observer sends something else.
 *
 * Pure: the announces in, the timeline and findings out.
 */
import { toxidAnnounce, toxidAnnounceNextDeadline, type ToxidAnnounceSnapshot } from '../../machines/toxid-announce.js';
import { ANNOUNCE_INTERVAL_ANNOUNCED_MS, ANNOUNCE_INTERVAL_NOT_ANNOUNCED_MS } from '../../machines/constants.js';
import { start, step } from '../../machines/step.js';
import type { SelfAnnounce } from './identify.js';
import { ACTIVITY_LEAD_MS, ACTIVITY_WINDOW_MS, type Finding } from './session-monitor.js';
import { RULES } from '../rules.js';

export interface TaskStep {
  readonly n: number | null;
  readonly t: number;
  readonly what: string;
  readonly from: string;
  readonly to: string;
  readonly transition: string | null;
  readonly snapshot: ToxidAnnounceSnapshot;
}

export interface TaskReport {
  /** Rounds covered only by onion requests (0x80) whose self-announce never reached an announce node on the wire: presumed lost on the path. */
  readonly presumedLost: number;
  /** `toxid:<pk>` */
  readonly task: string;
  readonly observer: string;
  readonly progress: readonly { readonly t: number; readonly state: string }[];
  readonly steps: readonly TaskStep[];
  readonly findings: readonly Finding[];
  readonly requests: number;
  readonly responses: number;
}

/** The rule a toxidAnnounce transition implements (first listed in rules.ts), or `unmapped`. */
function ruleOf(transition: string): string {
  return RULES.find((r) => r.implementedBy.some((i) => 'machine' in i && i.machine === 'toxidAnnounce' && i.transition === transition))?.id ?? 'unmapped';
}

export function monitorToxid(
  pk: string,
  announces: readonly SelfAnnounce[],
  activity: (from: number, until: number) => boolean,
  dhtKeyAt: (address: string, t: number) => string | null,
  endT: number,
  toleranceMs: number,
  /** When the observer first received DHT nodes (a nodes response), or null. */
  nodesAvailableAt: number | null = null,
  /** When the observer sent onion requests (0x80, first hop): a self-announce lost on its path shows only as one of these. */
  onionRequestTimes: readonly number[] = [],
): TaskReport {
  const mine = announces.filter((a) => a.pk === pk);
  const requestTimes = mine.filter((a) => a.kind === 'request').map((a) => a.t);
  const steps: TaskStep[] = [];
  const findings: Finding[] = [];
  const progress: { t: number; state: string }[] = [{ t: 0, state: 'Offline' }];
  let snap = start(toxidAnnounce, { selfPk: pk, now: 0 }).snapshot as ToxidAnnounceSnapshot;
  let run: string | null = null;
  /** After a violation, silence is not reported again until the observer's next request (one fault, one finding). */
  let quiet = false;
  let presumedLost = 0;
  const state = (): string => String(snap.value);

  const apply = (event: { type: string; now: number }, n: number | null, what: string): void => {
    const from = state();
    const r = step<typeof toxidAnnounce, { type: string; mode?: string }>(toxidAnnounce, snap, event);
    if (!r.taken) return;
    snap = r.snapshot as ToxidAnnounceSnapshot;
    steps.push({ n, t: event.now, what, from, to: state(), transition: r.taken.id, snapshot: snap });
    if (progress[progress.length - 1]!.state !== state()) progress.push({ t: event.now, state: state() });
    for (const o of r.outputs) {
      if (o.type !== 'onion.announceRound' || event.type !== 'tick') continue;
      // A round the model schedules must be covered by some self-announce request.
      const interval = o.mode === 'searching' ? ANNOUNCE_INTERVAL_NOT_ANNOUNCED_MS : ANNOUNCE_INTERVAL_ANNOUNCED_MS;
      // The window is one interval long, shifted by the tolerance (a request of the previous round does not count).
      const from = event.now - interval + toleranceMs;
      const until = event.now + toleranceMs;
      if (quiet || until > endT || requestTimes.some((t) => t > from && t <= until)) continue;
      // An onion request that never came out of its path as an announce request: its relays lost it.
      if (onionRequestTimes.some((t) => t > from && t <= until)) {
        presumedLost++;
        continue;
      }
      if (!activity(event.now - ACTIVITY_LEAD_MS, until + ACTIVITY_WINDOW_MS)) continue;
      quiet = true;
      findings.push({
        kind: 'violation',
        rule: ruleOf(r.taken.id),
        t: until,
        observer: pk,
        friend: pk,
        packets: [],
        expected: `a self-announce request between ${(from / 1000).toFixed(3)} s and ${(until / 1000).toFixed(3)} s (a ${o.mode} round every ${interval / 1000} s, ${r.taken.id})`,
        observed: 'none was sent, though the observer was sending other datagrams',
        transition: r.taken.id,
      });
    }
  };

  const advance = (t: number): void => {
    for (let guard = 0; guard < 100_000; guard++) {
      const d = toxidAnnounceNextDeadline(snap);
      if (!d || d.at > t) break;
      const before = steps.length;
      apply({ type: 'tick', now: d.at }, null, `deadline: ${d.reason}`);
      if (steps.length === before) break;
    }
  };

  // The start delay, a documented difference: toxstate announces as soon as the DHT has nodes.
  const first = mine.find((a) => a.kind === 'request');
  if (first?.firstRequest && nodesAvailableAt !== null && first.t - nodesAvailableAt > toleranceMs) {
    findings.push({
      kind: 'deviation',
      rule: 'onion.start-delay',
      t: first.t,
      observer: pk,
      friend: pk,
      packets: [first.n],
      expected: `the first self-announce as soon as the DHT has nodes (the first nodes response reached the observer at ${(nodesAvailableAt / 1000).toFixed(3)} s)`,
      observed: `the first self-announce request ${((first.t - nodesAvailableAt) / 1000).toFixed(3)} s later (c-toxcore starts announcing at first_run + 3 s)`,
      transition: 'Announcing|nodes.available|0',
    });
  }
  for (const a of mine) {
    if (a.kind === 'response') {
      const key = dhtKeyAt(a.address, a.t);
      if (key !== null && run !== null && key !== run && state() !== 'Offline') {
        apply({ type: 'cmd.stop', now: a.t }, a.n, `observer restarted (new DHT key ${key.slice(0, 8)}…)`);
        apply({ type: 'cmd.start', now: a.t }, a.n, 'the task starts again');
      }
      if (key !== null) run = key;
    }
    advance(a.t);
    if (a.kind === 'request') {
      quiet = false;
      if (state() === 'Offline') apply({ type: 'cmd.start', now: a.t }, a.n, 'first self-announce request: the task started');
      continue;
    }
    apply({ type: a.isStored === 2 ? 'announce.stored' : 'announce.response', now: a.t }, a.n, a.isStored === 2 ? 'announce response: stored' : 'announce response');
  }
  advance(endT);
  return { task: `toxid:${pk}`, observer: pk, progress, steps, findings, requests: requestTimes.length, responses: mine.length - requestTimes.length, presumedLost };
}
