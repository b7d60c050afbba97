/**
 * Reconnect after a restart, side by side: two friends are online; one of them (B) stops and
 * starts again from its profile — same identity and friends, a new DHT key, a new port — and
 * bootstraps to the other (A), which keeps running. Timed from just before B stops until both
 * report the other online again (UDP for c-toxcore). Pairings: c-toxcore pair, c-toxcore
 * restarting with toxstate waiting, toxstate restarting with c-toxcore waiting, toxstate pair.
 * Medians of several trials; figures, never assertions.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cAvailability, closeEverything, connectPair, pairing, secondsFigure, sleep, startPeer, stats, type BenchPeer, type Kind } from './pairs.js';
import type { Bench, BenchResult } from './types.js';

const FULL_TRIALS = 5;
const PAUSE_MS = 300;
/** Time both stay online before the restart (ALIVE exchanged, profile state settled). */
const SETTLE_MS = 1_000;
const QUICK_SETTLE_MS = 200;

interface Case {
  readonly name: string;
  readonly waiting: Kind;
  readonly restarting: Kind;
}

const CASES: readonly Case[] = [
  { name: 'c-toxcore restarts, c-toxcore waits', waiting: 'c-toxcore', restarting: 'c-toxcore' },
  { name: 'c-toxcore restarts, toxstate waits', waiting: 'toxstate', restarting: 'c-toxcore' },
  { name: 'toxstate restarts, c-toxcore waits', waiting: 'c-toxcore', restarting: 'toxstate' },
  { name: 'toxstate restarts, toxstate waits', waiting: 'toxstate', restarting: 'toxstate' },
];

/** One trial: connect, settle, restart B from its profile, time until both are online again. */
async function trial(c: Case, dir: string, n: number, settleMs: number): Promise<{ ms: number; offlineMs: number | null }> {
  const bProfile = path.join(dir, `b-${n}.tox`);
  const p = pairing(c.name, c.waiting, c.restarting);
  const { a, b } = await connectPair(p, c.restarting === 'c-toxcore' ? { bProfile } : {});
  await sleep(settleMs);
  const since = a.mark();
  const stopAt = performance.now();
  const tProfile = b.profile();
  const oldPort = b.node.port;
  await b.close();
  let b2: BenchPeer;
  if (c.restarting === 'c-toxcore') b2 = await startPeer('c-toxcore', { label: 'B again', cProfile: bProfile, port: oldPort + 1, bootstrap: a.node });
  else b2 = await startPeer('toxstate', { label: 'B again', bootstrap: a.node, ...(tProfile ? { tProfile } : {}) });
  if (b2.pk !== b.pk || b2.node.dhtpk === b.node.dhtpk || b2.node.port === oldPort) throw new Error('the restarted peer must keep its identity and change its DHT key and port');
  const [x, y] = await Promise.all([a.whenOnline(b.pk, since), b2.whenOnline(a.pk)]);
  const offlineMs = offlineSeenAt(a, b.pk, since);
  await a.close();
  await b2.close();
  return { ms: Math.max(x, y) - stopAt, offlineMs: offlineMs === null ? null : offlineMs - stopAt };
}

/** When the waiting side reported B offline (toxstate only; c-toxcore: its friend_connection none). */
function offlineSeenAt(a: BenchPeer, bPk: string, since: number): number | null {
  if (a.t) {
    const i = a.t.events.findIndex((e, k) => k >= since && e.type === 'friend_offline' && e.friend === bPk);
    return i < 0 ? null : (a.t.seenAtMs[i] ?? null);
  }
  if (a.c) {
    const i = a.c.events.findIndex((e, k) => k >= since && e.event === 'friend_connection' && e.pk.toLowerCase() === bPk && e.status === 'none');
    return i < 0 ? null : (a.c.arrivedAtMs[i] ?? performance.timeOrigin) - performance.timeOrigin;
  }
  return null;
}

export const reconnectBench: Bench = {
  name: 'reconnect',
  title: 'Reconnect after the friend restarts from its profile (new DHT key, new port), on loopback (s)',
  async run({ quick }): Promise<BenchResult> {
    const avail = await cAvailability();
    const trials = quick ? 1 : FULL_TRIALS;
    const notes: string[] = [];
    if (!avail.ok) notes.push(`c-toxcore rows n/a: ${avail.reason}`);
    if (quick) notes.push('quick: one trial each; the c-toxcore pair (~10 s to connect first) is skipped, so no ratio');
    const dir = await mkdtemp(path.join(tmpdir(), 'toxstate-bench-reconnect-'));
    const results = new Map<string, Array<{ ms: number; offlineMs: number | null }>>();
    try {
      for (const c of CASES) {
        const needsC = c.waiting === 'c-toxcore' || c.restarting === 'c-toxcore';
        if (needsC && !avail.ok) continue;
        if (quick && c.waiting === 'c-toxcore' && c.restarting === 'c-toxcore') continue;
        const got: Array<{ ms: number; offlineMs: number | null }> = [];
        for (let i = 0; i < trials; i++) {
          try {
            got.push(await trial(c, dir, results.size * 100 + i, quick ? QUICK_SETTLE_MS : SETTLE_MS));
          } catch (e) {
            // A smoke run must fail loudly; a full run records the failure and goes on.
            if (quick) throw e;
            notes.push(`${c.name}, trial ${i + 1}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
          } finally {
            await closeEverything();
          }
          await sleep(PAUSE_MS);
        }
        results.set(c.name, got);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const base = results.get(CASES[0]!.name) ?? [];
    const baseMedian = base.length > 0 ? stats(base.map((r) => r.ms)).median : null;
    const rows = CASES.map((c) => {
      const got = results.get(c.name) ?? [];
      if (got.length === 0) {
        return { restart: c.name, 'median s': 'n/a', 'min s': 'n/a', 'max s': 'n/a', trials: 'n/a', 'waiting side saw it offline after (median s)': 'n/a', 'ratio to c-toxcore pair': 'n/a' };
      }
      const s = stats(got.map((r) => r.ms));
      const off = got.flatMap((r) => (r.offlineMs === null ? [] : [r.offlineMs]));
      return {
        restart: c.name,
        'median s': secondsFigure(s.median),
        'min s': secondsFigure(s.min),
        'max s': secondsFigure(s.max),
        trials: got.length,
        'waiting side saw it offline after (median s)': off.length === got.length ? secondsFigure(stats(off).median) : off.length === 0 ? 'never' : `${off.length}/${got.length} trials`,
        'ratio to c-toxcore pair': baseMedian === null ? 'n/a' : `${(s.median / baseMedian).toFixed(2)}×`,
      };
    });
    notes.push(
      'Timed from just before the restarting side stops. Both send kill packets when they stop (c-toxcore tox_kill, toxstate UdpNode.close → engine.shutdown), ' +
        'so the waiting side sees the friend offline at once; then the restarted side has to be found again.',
    );
    notes.push(
      'What waits on what: a restarted c-toxcore announces at the waiting toxstate (its bootstrap node) 2-3 s after tox_new (its onion start) and toxstate ' +
        'answers with its DHT-PK at once. A restarted toxstate is announced at the waiting c-toxcore within 0.2 s, but c-toxcore announces at the new ' +
        'toxstate (which is what lets toxstate reach it) only when its re-population picks it and a path that does not run through the toxstate that went ' +
        'away: 2-20 s in these runs (c-toxcore keeps such paths until they time out, 4-10 s). Meanwhile c-toxcore searches for its friend at the new ' +
        'toxstate every 3 s; toxstate does not answer "stored here" for its own key, which would tell any searcher that this node is that Tox ID. ' +
        "That wait is c-toxcore's. A c-toxcore pair waits for both onion clients.",
    );
    return { rows, notes };
  },
};
