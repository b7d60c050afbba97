/**
 * Time to "friend online" from a cold start, side by side: two c-toxcore 0.2.18 peers, toxstate
 * with c-toxcore (each side bootstrapping to the other), and two toxstate peers — all fresh
 * identities on 127.0.0.1, friends on both sides without a request (tox_friend_add_norequest, as
 * docs/protocol.md §10.2 measured). Timed from just before the first peer starts until both
 * report the other online (UDP for c-toxcore). Medians of several trials, with the ratio to the
 * c-toxcore pair. Figures, never assertions.
 */
import { cAvailability, closeEverything, connectPair, medianRows, pairing, sleep, type Pairing } from './pairs.js';
import type { Bench, BenchResult } from './types.js';

const FULL_TRIALS = 7;
/** Pause between trials, so ports and processes of the last one are gone. */
const PAUSE_MS = 300;

const C_PAIR = pairing('c-toxcore ↔ c-toxcore', 'c-toxcore', 'c-toxcore');
const PAIRINGS: readonly Pairing[] = [
  C_PAIR,
  pairing('toxstate → c-toxcore (toxstate bootstraps)', 'c-toxcore', 'toxstate'),
  pairing('c-toxcore → toxstate (c-toxcore bootstraps)', 'toxstate', 'c-toxcore'),
  pairing('toxstate ↔ toxstate', 'toxstate', 'toxstate'),
];

export const timeToOnlineBench: Bench = {
  name: 'time-to-online',
  title: 'Time to friend online from a cold start, on loopback (s)',
  async run({ quick }): Promise<BenchResult> {
    const avail = await cAvailability();
    const trials = quick ? 1 : FULL_TRIALS;
    const notes: string[] = [];
    if (!avail.ok) notes.push(`c-toxcore rows n/a: ${avail.reason}`);
    if (quick) notes.push('quick: one trial each; the c-toxcore pair (~10 s) is skipped, so no ratio');
    const results = new Map<string, number[]>();
    for (const p of PAIRINGS) {
      if (p.needsC && !avail.ok) continue;
      if (quick && p === C_PAIR) continue;
      const times: number[] = [];
      for (let i = 0; i < trials; i++) {
        try {
          const pair = await connectPair(p);
          times.push(pair.onlineAt - pair.startedAt);
          await pair.a.close();
          await pair.b.close();
        } catch (e) {
          // A smoke run must fail loudly; a full run records the failure and goes on.
          if (quick) throw e;
          notes.push(`${p.name}, trial ${i + 1}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
        } finally {
          await closeEverything();
        }
        await sleep(PAUSE_MS);
      }
      results.set(p.name, times);
    }
    const rows = medianRows(PAIRINGS.map((c) => c.name), results, C_PAIR.name);
    notes.push(
      'toxstate runs in this process (Engine + UdpNode): its times exclude starting Node; c-toxcore times include starting cpeer (a few ms). ' +
        'Goals: toxstate pair ≤ 0.1× (< 1 s), toxstate ↔ c-toxcore ≤ 0.4× (< 4 s).',
    );
    notes.push(
      "toxstate ↔ c-toxcore is bounded by c-toxcore's onion start: it first announces ~2-3 s after tox_new (first_run + 3 s in whole seconds, " +
        'docs/protocol.md §3.8); toxstate, its announce node, answers that announce with its DHT-PK along the return path (a local sighting) and lists itself ' +
        'in it, so c-toxcore asks toxstate directly and handshakes within one loop.',
    );
    return { rows, notes };
  },
};
