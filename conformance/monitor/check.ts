/**
 * `checkCapture`: a capture and some long-term keys in, for every friend pair the wire shows, each
 * direction's ToxProgress timeline, every violation of the friendSession model, every documented
 * c-toxcore deviation, and what could not be observed.
 *
 *   datagrams ─ identify (who is where) ─ pair packets ─ monitorDirection × 2 per pair ─ report
 *
 * Loss: the capture holds what was sent; a receiver may still have lost it. When the first
 * violation of a direction is explained by one input the observer never read, that input is
 * presumed lost and the direction is run again — at most `maxPresumedLost` times, and only when
 * that removes a violation and brings none earlier. Every presumption is reported.
 *
 * Pure: no files, no clock. The CLI (cli/commands/check.ts) and the inspector read captures.
 */
import { formatIpPort } from '../../protocol/ip-port.js';
import type { Crypto } from '../../protocol/crypto.js';
import { describeDatagram, hexUpper, type DissectProfile } from '../../protocol/dissect/index.js';
import type { FriendSessionState } from '../../machines/types.js';
import { identify, SESSION_KINDS, type CapturedDatagram } from './identify.js';
import { monitorToxid, type TaskReport } from './toxid-monitor.js';
import { monitorDirection, type DirectionResult, type Finding, type MonitorStep, type PairPacket, type WireKind } from './session-monitor.js';

export interface CheckOptions {
  /** How early or late (ms) a packet may be against the model's moment. */
  readonly toleranceMs?: number;
  /** The most inputs per direction presumed lost. */
  readonly maxPresumedLost?: number;
  /** Directions with more friend-connection datagrams are not rerun for loss trials (default MAX_LOSS_TRIAL_PACKETS). */
  readonly maxLossTrialPackets?: number;
}

/**
 * Default tolerance: c-toxcore's friend_connection timers count whole seconds (an ALIVE is sent
 * when last + 8 < now in seconds, up to 1 s late) and its loop sleeps up to 50 ms between runs.
 */
export const DEFAULT_TOLERANCE_MS = 1500;
export const DEFAULT_MAX_PRESUMED_LOST = 8;
/** A direction with more friend-connection datagrams than this is not rerun for loss trials (bounded work on a flood). */
export const MAX_LOSS_TRIAL_PACKETS = 20_000;
/** Loss candidates tried for one violation (the inputs that moved the machine in the phase before it). */
const MAX_LOSS_TRIALS = 4;

export interface DirectionReport {
  readonly observer: string;
  readonly friend: string;
  readonly progress: readonly { readonly t: number; readonly state: FriendSessionState }[];
  readonly steps: readonly MonitorStep[];
  readonly findings: readonly Finding[];
  readonly unjudged: number;
  readonly presumedLost: readonly number[];
}

export interface PairReport {
  readonly a: string;
  readonly b: string;
  readonly packets: number;
  readonly directions: readonly [DirectionReport, DirectionReport];
}

export interface PeerReport {
  readonly pk: string;
  /** The profile's label (file name) when a profile was given for this key. */
  readonly profile: string | null;
  readonly addresses: readonly string[];
}

export interface CheckReport {
  readonly datagrams: number;
  readonly sessionDatagrams: number;
  readonly peers: readonly PeerReport[];
  readonly pairs: readonly PairReport[];
  /** The `toxid:` task of each profile whose self-announcing the capture shows. */
  readonly tasks: readonly TaskReport[];
  readonly findings: readonly Finding[];
  readonly notObservable: readonly string[];
  readonly toleranceMs: number;
  /** Milliseconds from the first to the last datagram. */
  readonly durationMs: number;
}

/** What the wire never shows, whatever the capture (listed, never guessed). */
export const ALWAYS_NOT_OBSERVABLE: readonly string[] = [
  'session packet contents (ALIVE, kill, messages, receipts): the session keys are in no profile — every session packet from the friend counts as its ALIVE, and a kill is inferred only when the observer\'s reaction needs one',
  'DHT-PK packets (onion data is sealed to the receiver\'s temporary data key, DHT-routed ones to DHT keys): when an observer learned its friend\'s DHT key and address is inferred from its first cookie request, and said so at that step',
  'friend searches and DHT-key sharing (the dhtkey: and connect: tasks): their announce requests use temporary keys that are never saved (the toxid: task is shown for every profile whose own announces the capture holds)',
  'online and offline notifications, and toxstate\'s address checks (send.addressCheck): not on the wire as such',
];

const KIND: Partial<Record<string, WireKind>> = {
  cookie_request: 'cookieRequest',
  cookie_response: 'cookieResponse',
  handshake: 'handshake',
  crypto_data: 'session',
};

export function checkCapture(datagrams: readonly CapturedDatagram[], profiles: readonly DissectProfile[], crypto: Crypto, options: CheckOptions = {}): CheckReport {
  const toleranceMs = options.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  const maxLost = options.maxPresumedLost ?? DEFAULT_MAX_PRESUMED_LOST;
  const maxLossPackets = options.maxLossTrialPackets ?? MAX_LOSS_TRIAL_PACKETS;
  const ids = identify(datagrams, profiles, crypto);
  const notObservable = [...ALWAYS_NOT_OBSERVABLE];
  const endT = datagrams.length > 0 ? datagrams[datagrams.length - 1]!.t : 0;

  // Friend-connection datagrams, by pair.
  const byPair = new Map<string, { a: string; b: string; list: CapturedDatagram[] }>();
  let unattributed = 0;
  for (const d of datagrams) {
    const kind = describeDatagram(d.payload).kind;
    if (!SESSION_KINDS.has(kind)) continue;
    const from = ids.peerAt(formatIpPort(d.src), d.t);
    const to = ids.peerAt(formatIpPort(d.dst), d.t);
    if (from === null || to === null || from === to) {
      unattributed++;
      continue;
    }
    const [a, b] = from < to ? [from, to] : [to, from];
    const key = `${a}:${b}`;
    const entry = byPair.get(key) ?? { a, b, list: [] };
    entry.list.push(d);
    byPair.set(key, entry);
  }
  if (unattributed > 0)
    notObservable.push(`${unattributed} friend-connection datagrams between addresses whose owner no profile reveals (no announce response to a profile's key, no handshake a profile opens) were not attributed to a pair`);

  // When each address sent anything: the difference between silence and not running.
  const sendTimes = new Map<string, number[]>();
  for (const d of datagrams) {
    const k = formatIpPort(d.src);
    const list = sendTimes.get(k) ?? [];
    list.push(d.t);
    sendTimes.set(k, list);
  }
  const activityOf = (pk: string) => {
    // Only what left the side's own addresses: a relay's copy of its announce request is not
    // proof it ran then (a relay may forward late, or replay).
    const lists = ids.addressesOf(pk).map((a) => sendTimes.get(a) ?? []);
    return (from: number, until: number): boolean => lists.some((l) => firstAtOrAfter(l, from) <= until);
  };

  const pairs: PairReport[] = [];
  for (const { a, b, list } of [...byPair.values()].sort((x, y) => x.list[0]!.t - y.list[0]!.t)) {
    const direction = (observer: string, friend: string): DirectionReport => {
      const packets: PairPacket[] = list.map((d) => {
        const src = formatIpPort(d.src);
        const dst = formatIpPort(d.dst);
        const sent = ids.peerAt(src, d.t) === observer;
        const observerAddress = sent ? src : dst;
        const friendAddress = sent ? dst : src;
        const h = ids.handshakes.get(d.n);
        return {
          n: d.n,
          t: d.t,
          dir: sent ? 'sent' : 'received',
          kind: KIND[describeDatagram(d.payload).kind]!,
          observerAddress,
          friendAddress,
          friendDhtKey: ids.dhtKeyAt(friendAddress, d.t),
          // A handshake counts only if it opened with the pair's keys and its cookie hash matches (a receiver drops any other).
          valid: describeDatagram(d.payload).kind === 'handshake' ? (h?.cookieHashOk ?? false) : d.payload.length === d.size,
        };
      });
      const activity = activityOf(observer);
      // Every DHT key the observer's addresses used after its first: a restart each.
      const runs = ids.addressesOf(observer).flatMap((a) => ids.dhtRuns(a)).sort((x, y) => x.t - y.t);
      const restarts = runs.slice(1).filter((r, i) => r.dhtKey !== runs[i]!.dhtKey);
      const run = (lost: ReadonlySet<number>): DirectionResult => monitorDirection(observer, friend, packets, activity, endT, { toleranceMs, lost, restarts });
      const lost = new Set<number>();
      let result = run(lost);
      // Greedy: the first candidate whose loss removes a violation is kept; at most MAX_LOSS_TRIALS tried per round.
      // Each loss trial runs the direction again: a huge direction (a flood) is checked once, said so.
      const tryLoss = packets.length <= maxLossPackets;
      if (!tryLoss && violations(result) > 0) notObservable.push(`losses were not presumed between ${observer.slice(0, 8)}… and ${friend.slice(0, 8)}…: ${packets.length} friend-connection datagrams, over the ${maxLossPackets} a loss trial reruns`);
      while (tryLoss && lost.size < maxLost && violations(result) > 0) {
        let better: DirectionResult | null = null;
        for (const candidate of result.suspectInputs.filter((n) => !lost.has(n)).slice(0, MAX_LOSS_TRIALS)) {
          const trial = run(new Set([...lost, candidate]));
          // Kept only when it removes a violation and brings none earlier (a peer that never
          // answers is not explained away by presuming each of its inputs lost in turn).
          if (firstViolationT(trial) > firstViolationT(result) && violations(trial) < violations(result)) {
            lost.add(candidate);
            better = trial;
            break;
          }
        }
        if (better === null) break;
        result = better;
      }
      return { observer, friend, progress: result.progress, steps: result.steps, findings: collapseDeviations(result.findings), unjudged: result.unjudged, presumedLost: [...lost] };
    };
    pairs.push({ a, b, packets: list.length, directions: [direction(a, b), direction(b, a)] });
  }

  const labels = new Map(profiles.map((p) => [hexUpper(p.publicKey), p.label]));
  const peerKeys = new Set(ids.anchors.map((x) => x.pk));
  const peers: PeerReport[] = [...peerKeys].map((pk) => ({ pk, profile: labels.get(pk) ?? null, addresses: ids.addressesOf(pk) }));
  for (const p of profiles) {
    const pk = hexUpper(p.publicKey);
    if (!peerKeys.has(pk)) notObservable.push(`where ${p.label} (${pk.slice(0, 8)}…) is: no announce response to its key and no handshake it opens is in the capture`);
  }
  const nodesAt = (pk: string): number | null => {
    const mine = new Set(ids.addressesOf(pk));
    return datagrams.find((d) => d.payload[0] === 0x04 && mine.has(formatIpPort(d.dst)))?.t ?? null;
  };
  const onionRequestsOf = (pk: string): number[] => {
    const mine = new Set(ids.addressesOf(pk));
    return datagrams.filter((d) => d.payload[0] === 0x80 && mine.has(formatIpPort(d.src))).map((d) => d.t);
  };
  const tasks = [...new Set(ids.selfAnnounces.map((a) => a.pk))].map((pk) => monitorToxid(pk, ids.selfAnnounces, activityOf(pk), ids.dhtKeyAt, endT, toleranceMs, nodesAt(pk), onionRequestsOf(pk)));
  const findings = [...pairs.flatMap((p) => p.directions.flatMap((d) => d.findings)), ...tasks.flatMap((t) => t.findings)].sort((x, y) => x.t - y.t);
  const sessionDatagrams = [...byPair.values()].reduce((s, p) => s + p.list.length, 0);
  return { datagrams: datagrams.length, sessionDatagrams, peers, pairs, tasks, findings, notObservable, toleranceMs, durationMs: endT };
}

/** One deviation per rule and direction: the first, saying how often it recurred and where. */
function collapseDeviations(findings: readonly Finding[]): Finding[] {
  const out: Finding[] = [];
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.kind !== 'deviation') {
      out.push(f);
      continue;
    }
    const list = byRule.get(f.rule) ?? [];
    if (list.length === 0) out.push(f);
    list.push(f);
    byRule.set(f.rule, list);
  }
  return out.map((f) => {
    const list = f.kind === 'deviation' ? byRule.get(f.rule)! : [f];
    if (list.length === 1) return f;
    const packets = list.flatMap((x) => x.packets);
    return { ...f, packets, observed: `${f.observed} — seen ${list.length} times (at ${list.map((x) => (x.t / 1000).toFixed(1)).join(', ')} s)` };
  });
}

function firstViolationT(r: DirectionResult): number {
  return r.findings.find((f) => f.kind === 'violation')?.t ?? Infinity;
}

function violations(r: DirectionResult): number {
  return r.findings.filter((f) => f.kind === 'violation').length;
}

/** The first value ≥ `t` in an ascending list (Infinity when none). */
function firstAtOrAfter(list: readonly number[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length ? list[lo]! : Infinity;
}
