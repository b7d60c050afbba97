/**
 * sim-size: how big a toxstate network one process can simulate, and how the cost grows with
 * it. N engines on the simulated network (20 ms latency + up to 10 ms jitter; 8 bootstrap nodes,
 * everyone else given one of them), 20% of the nodes in friend pairs befriended at the start,
 * run for 60 s of virtual time (runtime/scenarios/sim-run.ts, the same run as `toxstate sim`).
 * Figures: wall and CPU time, heap after GC, datagrams carried, the fraction of friend pairs
 * Established at the end (with the virtual times by which half and all first were), and CPU per
 * node per virtual second with its ratio to the smallest size (1.0 = linear scaling).
 * Each size runs in its own child process (fresh heap, `--expose-gc`). Figures only.
 */
import { loadCrypto } from '../runtime/adapters/node-crypto.js';
import { runSimulation, type SimSummary } from '../runtime/scenarios/sim-run.js';
import { childCase, reply, runChild } from './child.js';
import type { Bench, BenchResult } from './types.js';

interface Case {
  readonly nodes: number;
  readonly pairs: number;
  readonly seconds: number;
  readonly progress: boolean;
  /** Wall seconds after which the run stops and reports what it reached (partial), or 0: none. */
  readonly wallCapS: number;
}

/** A size is stopped after this much wall time running (the bench is bounded in time); its row says how far it got. */
const WALL_CAP_S = 1_200;

/** The seed the table has always used (node i: seed + i). */
const SEED = 7_000_000;

async function measure(c: Case): Promise<SimSummary> {
  const crypto = await loadCrypto();
  let nextReport = 10;
  const stop = new AbortController();
  return runSimulation(crypto, { nodes: c.nodes, pairs: c.pairs, seconds: c.seconds, seed: SEED, bootstrap: Math.min(8, c.nodes - 2 * c.pairs) }, (p) => {
    if (c.wallCapS > 0 && p.wallS > c.wallCapS) stop.abort();
    if (!c.progress || p.virtualS < nextReport) return;
    nextReport += 10;
    process.stderr.write(`  sim-size ${c.nodes}: ${p.virtualS} s virtual, ${p.wallS.toFixed(0)} s wall, ${p.pairsConnected}/${p.pairs} pairs, heap ${Math.round(p.heapMb)} MB\n`);
  }, stop.signal);
}

const child = childCase<Case>(import.meta.url);
if (child !== null) reply(await measure(child));

const seconds = (s: number | null): string | number => (s === null ? 'not reached' : Number(s.toFixed(1)));

/** CPU milliseconds per node per virtual second. */
export const cpuPerNodeSecond = (r: Pick<SimSummary, 'cpuS' | 'nodes' | 'virtualS'>): number => (1000 * r.cpuS) / (r.nodes * r.virtualS);

export const simSizeBench: Bench = {
  name: 'sim-size',
  title: 'Simulated network size: N nodes for 60 s of virtual time, 20% of nodes in friend pairs',
  async run({ quick }): Promise<BenchResult> {
    const sizes = quick ? [24, 48] : [1_000, 3_000, 10_000];
    const virtualSeconds = quick ? 5 : 60;
    const rows: Array<Record<string, string | number>> = [];
    const notes: string[] = [
      'one child process per size (fresh heap, --expose-gc, --max-semi-space-size=64); heap is measured after GC at the end of the run; the same run as `toxstate sim --nodes N --pairs N/10 --seconds 60`',
      'latency 20 ms + uniform jitter < 10 ms, no loss; 8 bootstrap nodes; pairs befriended at virtual time 0',
      '"half by" / "all by": virtual time by which half / all of the pairs had first been Established on both sides',
      '"CPU ms / node·s": CPU time per node per virtual second; "× first" is its ratio to the first row (1.0: cost grows linearly with N; more: faster than linearly)',
    ];
    let base: number | null = null;
    for (const nodes of sizes) {
      const pairs = Math.floor(nodes / 10);
      const r = runChild<SimSummary>(import.meta.url, { nodes, pairs, seconds: virtualSeconds, progress: !quick, wallCapS: quick ? 0 : WALL_CAP_S } satisfies Case, {
        maxOldSpaceMb: nodes > 2_000 ? 16_384 : 4_096,
        // Measured: at 1,000 nodes a 64 MiB young generation cut GC time by a quarter (CPU 73.6 → 69.3 s).
        maxSemiSpaceMb: 64,
        progress: !quick,
      });
      if (r instanceof Error) {
        const na = 'n/a';
        rows.push({ nodes, 'friend pairs': pairs, 'virtual s': virtualSeconds, 'setup s': na, 'wall s': na, 'CPU s': na, 'CPU ms / node·s': na, '× first': na, 'heap MB': na, datagrams: na, connected: na, 'half by (s)': na, 'all by (s)': na });
        notes.push(`${nodes} nodes failed: ${r.message}`);
        continue;
      }
      const perNode = cpuPerNodeSecond(r);
      base ??= perNode;
      rows.push({
        nodes: r.nodes,
        'friend pairs': r.pairs,
        'virtual s': r.virtualS,
        'setup s': Number(r.setupS.toFixed(1)),
        'wall s': Number(r.wallS.toFixed(1)),
        'CPU s': Number(r.cpuS.toFixed(1)),
        'CPU ms / node·s': Number(perNode.toFixed(3)),
        '× first': Number((perNode / base).toFixed(2)),
        'heap MB': Math.round(r.heapMb),
        datagrams: r.datagrams,
        connected: r.pairs === 0 ? 'n/a' : `${((100 * r.pairsConnected) / r.pairs).toFixed(1)}%`,
        'half by (s)': seconds(r.halfByS),
        'all by (s)': seconds(r.allByS),
      });
      if (r.partial) notes.push(`${nodes} nodes: stopped after ${WALL_CAP_S} s of wall time at ${r.virtualS} virtual s of ${virtualSeconds} (partial row: its figures cover the virtual time reached)`);
      if (r.handlerErrors > 0) notes.push(`${nodes} nodes: ${r.handlerErrors} handler errors (error.handler)`);
    }
    return { rows, notes };
  },
};
