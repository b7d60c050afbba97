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
];

/** The resolution of a finding in a scenario, or null when none was written. */
export function resolutionOf(scenario: string, f: Finding): Resolution | null {
  return RESOLUTIONS.find((e) => e.rule === f.rule && e.kind === f.kind && (e.scenario === undefined || e.scenario.test(scenario)))?.resolution ?? null;
}
