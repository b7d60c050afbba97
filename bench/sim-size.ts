/**
 * sim-size: how big a toxstate network one process can simulate. N engines on the simulated
 * network (20 ms latency + up to 10 ms jitter; 8 bootstrap nodes, everyone else given one of
 * them), 20% of the nodes in friend pairs befriended at the start, run for 60 s of virtual
 * time. Figures: wall and CPU time, heap after GC, datagrams carried, and the fraction of friend
 * pairs Established at the end (with the virtual times by which half and all first were).
 * Each size runs in its own child process (fresh heap, `--expose-gc`). Figures only.
 */
import { loadCrypto } from '../runtime/adapters/node-crypto.js';
import { befriend, createLargeNetwork, handlerErrors, pairUp, PairWatch } from '../runtime/scenarios/large-network.js';
import { childCase, cpuMs, heapUsedAfterGc, reply, runChild } from './child.js';
import type { Bench, BenchResult } from './types.js';

interface Case {
  readonly nodes: number;
  /** Fraction of nodes in friend pairs. */
  readonly paired: number;
  readonly virtualSeconds: number;
  readonly progress: boolean;
}

interface Figures {
  readonly nodes: number;
  readonly pairs: number;
  readonly setupS: number;
  readonly wallS: number;
  readonly cpuS: number;
  readonly heapMb: number;
  readonly datagrams: number;
  readonly connected: number;
  readonly halfBy: number | null;
  readonly allBy: number | null;
  readonly errors: number;
}

const BOOTSTRAP_NODES = 8;

async function measure(c: Case): Promise<Figures> {
  const crypto = await loadCrypto();
  const w0 = performance.now();
  const net = createLargeNetwork({ crypto, nodes: c.nodes, seedBase: 7_000_000, bootstrapPool: BOOTSTRAP_NODES });
  const { sim, nodes } = net;
  const pairCount = Math.floor((c.nodes * c.paired) / 2);
  const pairs = pairUp(nodes, pairCount, Math.min(BOOTSTRAP_NODES, nodes.length - 2 * pairCount));
  for (const [a, b] of pairs) befriend(sim, a, b);
  const watch = new PairWatch(sim, pairs);
  const setupS = (performance.now() - w0) / 1000;
  const c0 = cpuMs();
  const w1 = performance.now();
  for (let s = 10; s <= c.virtualSeconds; s += 10) {
    sim.runUntil(Math.min(s, c.virtualSeconds) * 1000);
    if (c.progress) {
      const mb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
      process.stderr.write(`  sim-size ${c.nodes}: ${s} s virtual, ${((performance.now() - w1) / 1000).toFixed(0)} s wall, ${watch.count()}/${pairs.length} pairs, heap ${mb} MB\n`);
    }
  }
  sim.runUntil(c.virtualSeconds * 1000);
  const wallS = (performance.now() - w1) / 1000;
  const cpuS = (cpuMs() - c0) / 1000;
  return {
    nodes: c.nodes,
    pairs: pairs.length,
    setupS,
    wallS,
    cpuS,
    heapMb: heapUsedAfterGc() / 2 ** 20,
    datagrams: sim.stats.sent,
    connected: pairs.length === 0 ? 0 : watch.count() / pairs.length,
    halfBy: watch.firstOnlineQuantile(0.5),
    allBy: watch.firstOnlineQuantile(1),
    errors: handlerErrors(nodes),
  };
}

const child = childCase<Case>(import.meta.url);
if (child !== null) reply(await measure(child));

const seconds = (ms: number | null): string | number => (ms === null ? 'not reached' : Number((ms / 1000).toFixed(1)));

export const simSizeBench: Bench = {
  name: 'sim-size',
  title: 'Simulated network size: N nodes for 60 s of virtual time, 20% of nodes in friend pairs',
  async run({ quick }): Promise<BenchResult> {
    const sizes = quick ? [24] : [1_000, 10_000];
    const virtualSeconds = quick ? 10 : 60;
    const rows: Array<Record<string, string | number>> = [];
    const notes: string[] = [
      'one child process per size (fresh heap, --expose-gc); heap is measured after GC at the end of the run',
      'latency 20 ms + uniform jitter < 10 ms, no loss; 8 bootstrap nodes; pairs befriended at virtual time 0',
      '"half by" / "all by": virtual time by which half / all of the pairs had first been Established on both sides',
    ];
    for (const nodes of sizes) {
      const r = runChild<Figures>(import.meta.url, { nodes, paired: 0.2, virtualSeconds, progress: !quick } satisfies Case, {
        maxOldSpaceMb: nodes > 2_000 ? 16_384 : 4_096,
      });
      if (r instanceof Error) {
        rows.push({ nodes, 'friend pairs': Math.floor(nodes / 10), 'virtual s': virtualSeconds, 'wall s': 'n/a', 'CPU s': 'n/a', 'heap MB': 'n/a', datagrams: 'n/a', connected: 'n/a', 'half by (s)': 'n/a', 'all by (s)': 'n/a' });
        notes.push(`${nodes} nodes failed: ${r.message}`);
        continue;
      }
      rows.push({
        nodes: r.nodes,
        'friend pairs': r.pairs,
        'virtual s': virtualSeconds,
        'setup s': Number(r.setupS.toFixed(1)),
        'wall s': Number(r.wallS.toFixed(1)),
        'CPU s': Number(r.cpuS.toFixed(1)),
        'heap MB': Math.round(r.heapMb),
        datagrams: r.datagrams,
        connected: `${(100 * r.connected).toFixed(1)}%`,
        'half by (s)': seconds(r.halfBy),
        'all by (s)': seconds(r.allBy),
      });
      if (r.errors > 0) notes.push(`${nodes} nodes: ${r.errors} handler errors (error.handler)`);
    }
    return { rows, notes };
  },
};
