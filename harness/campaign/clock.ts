/**
 * The campaign's wall clock: Unix time in microseconds on the same clock as the loopback shim's
 * log lines (gettimeofday, i.e. CLOCK_REALTIME), so datagrams the toxstate peer sends (stamped
 * here) and datagrams c-toxcore sends (stamped by the shim) merge into one capture in true order.
 *
 * Node has no microsecond CLOCK_REALTIME, so the clock is anchored once: it spins (≤ 1 ms) until
 * `Date.now()` (CLOCK_REALTIME, whole ms) ticks over and pairs that instant with
 * `performance.now()` (monotonic, sub-µs); later readings are the anchor plus monotonic time
 * elapsed. Re-anchor per scenario (a new clock) so NTP slewing cannot accumulate over a campaign.
 */

export interface RealtimeClock {
  /** Unix time now, µs. */
  nowUs(): bigint;
  /** Unix time (µs) of a `performance.now()` reading taken in this process. */
  fromPerf(perfMs: number): bigint;
}

export function realtimeClock(): RealtimeClock {
  const start = Date.now();
  let perf = performance.now();
  let wall = Date.now();
  // The first reading of a new millisecond: the tick happened between the previous reading and this one.
  while (wall === start) {
    perf = performance.now();
    wall = Date.now();
  }
  const anchorUs = wall * 1000;
  const fromPerf = (perfMs: number): bigint => BigInt(anchorUs + Math.round((perfMs - perf) * 1000));
  return { nowUs: () => fromPerf(performance.now()), fromPerf };
}
