/**
 * Profiling driver for large simulated networks (issue 18 goal 2): N engines on the simulated
 * network, set up as bench/sim-size.ts does (8 bootstrap nodes, 20% of nodes in friend pairs
 * befriended at virtual time 0), run for S virtual seconds. Prints wall time, heap, datagrams,
 * pairs connected and the cost per node-second; with `--hash` also a hash of every datagram
 * (time, sender, receiver, bytes) so two builds can be compared for determinism.
 *
 *   node --expose-gc --import tsx scripts/sim-profile.ts [--nodes N] [--seconds S] [--every s] [--hash] [--counters]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx scripts/sim-profile.ts --nodes 300
 *   node --import tsx scripts/sim-profile.ts --summarize /tmp/prof/X.cpuprofile   (top self time)
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadCrypto } from '../runtime/adapters/node-crypto.js';
import { befriend, createLargeNetwork, handlerErrors, pairUp, PairWatch } from '../runtime/scenarios/large-network.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Top functions of a .cpuprofile by self time. */
function summarize(file: string, top = 40): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const dt = p.timeDeltas[i] ?? 0;
    const f = n.callFrame;
    const name = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/main\//, '')}:${f.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
}

async function main(): Promise<void> {
  const s = process.argv.indexOf('--summarize');
  if (s >= 0) return summarize(process.argv[s + 1]!, arg('top', 40));
  const nodesN = arg('nodes', 1000);
  const seconds = arg('seconds', 20);
  const hash = process.argv.includes('--hash');
  const crypto = await loadCrypto();
  const w0 = performance.now();
  const net = createLargeNetwork({ crypto, nodes: nodesN, seedBase: 7_000_000, bootstrapPool: 8 });
  const { sim, nodes } = net;
  const pairCount = Math.floor((nodesN * 0.2) / 2);
  const pairs = pairUp(nodes, pairCount, Math.min(8, nodes.length - 2 * pairCount));
  for (const [a, b] of pairs) befriend(sim, a, b);
  const watch = new PairWatch(sim, pairs);
  const h = createHash('sha256');
  if (hash) {
    // Every delivered datagram, via a tap on each engine's input.
    for (const n of nodes) {
      const e = n.engine;
      const orig = e.handleDatagram.bind(e);
      e.handleDatagram = (now, from, data) => {
        h.update(`${now} ${n.id} ${from.ip}:${from.port} `);
        h.update(data);
        return orig(now, from, data);
      };
    }
  }
  const setupS = (performance.now() - w0) / 1000;
  const w1 = performance.now();
  const c1 = process.cpuUsage();
  const every = arg('every', 10); // virtual seconds between progress lines (a run cut short still reports)
  for (let t = every; t < seconds + every; t += every) {
    sim.runUntil(Math.min(t, seconds) * 1000);
    const mb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
    process.stderr.write(`  ${nodesN} nodes: ${Math.min(t, seconds)} s virtual, ${((performance.now() - w1) / 1000).toFixed(1)} s wall, ${(process.cpuUsage(c1).user / 1e6).toFixed(1)} s CPU, heap ${mb} MB, ${sim.stats.sent} datagrams, ${watch.count()}/${pairs.length} pairs\n`);
  }
  const wallS = (performance.now() - w1) / 1000;
  const cu = process.cpuUsage(c1);
  const cpuS = (cu.user + cu.system) / 1e6;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  const snap = process.argv.indexOf('--snapshot');
  if (snap >= 0) (await import('node:v8')).writeHeapSnapshot(process.argv[snap + 1]);
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  const arrayBuffersMb = process.memoryUsage().arrayBuffers / 2 ** 20;
  const out = {
    nodes: nodesN,
    virtualS: seconds,
    setupS: Number(setupS.toFixed(1)),
    wallS: Number(wallS.toFixed(1)),
    cpuS: Number(cpuS.toFixed(1)),
    cpuUsPerNodeSecond: Number(((cpuS * 1e6) / (nodesN * seconds)).toFixed(1)),
    heapMb: Math.round(heapMb),
    rssMb: Math.round(rssMb),
    arrayBuffersMb: Math.round(arrayBuffersMb),
    datagrams: sim.stats.sent,
    steps: sim.stats.steps,
    pairs: `${watch.count()}/${pairs.length}`,
    errors: handlerErrors(nodes),
    ...(hash ? { hash: h.digest('hex').slice(0, 16) } : {}),
  };
  console.log(JSON.stringify(out));
  if (process.argv.includes('--counters')) {
    // Engine counters summed over nodes, per node: a count that grows with N shows protocol work
    // per node growing (not only the cost of each piece of work).
    const sum = new Map<string, number>();
    for (const n of nodes) for (const [k, v] of Object.entries(n.engine.counters.toJSON())) sum.set(k, (sum.get(k) ?? 0) + v);
    const rows = [...sum].sort((a, b) => b[1] - a[1]).slice(0, arg('top', 40));
    for (const [k, v] of rows) console.log(`${(v / nodesN).toFixed(1).padStart(10)}  ${k}`);
  }
}

await main();
