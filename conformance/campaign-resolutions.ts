/**
 * What was done about each finding of the conformance campaign (scripts/conformance-campaign.ts):
 * the model fixed (with the test and the c-toxcore source that proved it wrong), c-toxcore's
 * behaviour recorded as a deviation (with its source), or the finding explained as what the
 * scenario's condition does to the wire. docs/conformance-campaign.md prints the resolution next
 * to each finding; a finding that matches no entry is UNRESOLVED and fails the campaign.
 */
import type { Finding } from './monitor/session-monitor.js';

export type ResolutionAction = 'model fixed' | 'deviation recorded' | 'condition, not a fault';

export interface Resolution {
  readonly action: ResolutionAction;
  readonly text: string;
}

interface Entry {
  readonly rule: string;
  readonly kind: Finding['kind'];
  /** Scenario names it applies to (all when absent). */
  readonly scenario?: RegExp;
  readonly resolution: Resolution;
}

export const RESOLUTIONS: readonly Entry[] = [
  {
    rule: 'st.cookie-exhausted',
    kind: 'deviation',
    resolution: {
      action: 'deviation recorded',
      text: 'c-toxcore: net_crypto kills the connection after MAX_NUM_SENDPACKET_TRIES, and friend_connection.c do_friend_connections re-creates it at once (friend_new_connection + set_direct_ip_port) with the remembered dht_ip_port, which it keeps until FRIEND_DHT_TIMEOUT; toxstate follows the seed and searches the DHT first. Recorded as rule st.cookie-exhausted (kind difference) in docs/conformance.md.',
    },
  },
  {
    rule: 'onion.start-delay',
    kind: 'deviation',
    resolution: {
      action: 'deviation recorded',
      text: 'c-toxcore: onion_client.c do_onion_client calls do_announce only once mono_time_is_timeout(first_run, ONION_CONNECTION_SECONDS = 3) holds, in whole seconds (≈ 2–3 s after start); toxstate announces when path nodes appear. Recorded as rule onion.start-delay (kind difference).',
    },
  },
  {
    rule: 'fc.ping-interval',
    kind: 'deviation',
    resolution: {
      action: 'deviation recorded',
      text: 'c-toxcore: friend_connection.c do_friend_connections sends ALIVE when ping_lastsent + FRIEND_PING_INTERVAL < now with mono_time in whole seconds, so ALIVEs go out 8–10 s apart (rule fc.ping-interval records ≈ 9 s). The monitor allows friend_connection timers 2 s beyond the tolerance and reports the lateness as this deviation; its next ALIVE deadline runs from the observed send.',
    },
  },
];

/** The resolution of a finding in a scenario, or null when none was written. */
export function resolutionOf(scenario: string, f: Finding): Resolution | null {
  return RESOLUTIONS.find((e) => e.rule === f.rule && e.kind === f.kind && (e.scenario === undefined || e.scenario.test(scenario)))?.resolution ?? null;
}

/** A correction the campaign made to the model: the finding as first seen, and what changed. */
export interface ModelCorrection {
  readonly finding: string;
  readonly seenIn: readonly string[];
  readonly ctoxcore: string;
  readonly change: string;
  readonly rule: string;
  readonly test: string;
}

export const MODEL_CORRECTIONS: readonly ModelCorrection[] = [
  {
    finding:
      "After its friend quit (kill packet) and restarted, a c-toxcore peer took the friend's new DHT key from its DHT-PK and sent cookie requests to it; the model, holding the old key as proven by the ended session's handshake (rank 3), refused a DHT-PK (rank 2) for 122 s and flagged the new cookie request (nc.resend-interval) and the handshake that followed (st.dht-key-change).",
    seenIn: ['ctoxcore-0.2.18-pair-restart', 'ctoxcore-0.2.23-pair-restart', 'toxstate-ctoxcore-0.2.18-restart', 'toxstate-ctoxcore-0.2.23-restart'],
    ctoxcore: 'friend_connection.c dht_pk_callback → change_dht_pk: any new DHT key replaces the old one, in every connection state',
    change:
      "machines/friend-session.ts: when a session or half-open session ends with the key kept (kill, timeout, an attempt that runs out, a stale address), the key's source becomes `pastHandshake`, ranked with a signed DHT-PK; while the session lives the handshake still outranks a DHT-PK. toxstate had the same flaw: a restarted friend's new DHT-PK was ignored until the old key went stale, unless the friend reached us first.",
    rule: 'fc.dht-key-after-session',
    test: "test/machines/seed-scenarios.test.ts “a friend that quits (kill packet) and restarts: its next DHT-PK naming a new key is taken at once”; the friendSession reference model (test/model/oracles/friend-session.oracle.ts, effect keyOfPastSession)",
  },
];

/** How the monitor itself was corrected by the campaign (its reading of the wire, not the model). */
export const MONITOR_CORRECTIONS: readonly string[] = [
  'A restart is any new DHT key at the observer\'s address, seen in any datagram (not only in its friend-connection packets): a restarted c-toxcore peer spends tens of seconds in the DHT before it talks to its friend again.',
  'A cookie response from the friend\'s new DHT key proves the request it answers went to that key: the observer had learnt the new key (by a DHT-PK, not observable) before it.',
  'A cookie request or handshake to another address than the session\'s is never a resend of the current phase (toxstate restarts on a new port).',
  'A handshake that Established ignores, answered by the observer, means its session had ended: the friend\'s last session packet before it was a kill — also when the observer read it late, frozen in between.',
  'Loss: an input is presumed lost only when that removes a violation and brings none earlier; a self-announce round seen only as onion requests (0x80) whose announce request never reached a node counts as lost on its path.',
  'Silence is judged only when the observer sent something from 1 s before the moment a packet was due (a frozen peer sends nothing at all).',
  "friend_connection's timers (ALIVE, the 32 s timeout) may fire up to 2 s beyond the tolerance (c-toxcore counts them in whole seconds); the next deadline runs from the observed send; the lateness is a deviation.",
  'c-toxcore gives up a cookie phase in the loop right after its eighth copy (net_crypto.c kill_timedout) and re-creates the connection at once: recognised as the documented difference st.cookie-exhausted only when the new request comes well before the model\'s phase end (toxstate, whose DHT still knew the address, retries at the phase end by its own rules).',
];
