/**
 * scale: what idle friend sessions cost in one process.
 *
 *   profiles     one engine ("hub") with F friends that exist only as profiles (no node behind
 *                them: their sessions wait for a DHT key and the dhtkey tasks search the onion
 *                for them, backing off), on a 16-node simulated network.
 *   established  one hub with F friends that are Established with their own peer engines (F
 *                peers + 16 bootstrap nodes on the simulated network).
 *
 * Memory per friend: heap used after GC with the friends, minus the same network before they
 * were added, divided by F (for `established` that includes the peer's side of each session and
 * its engine's share of friend state, not the peer engine itself, which exists in both
 * measurements). CPU: process CPU time per second of virtual time — during the first 60 s after
 * the friends were added (searches start), and in the steady state after that — for the whole
 * simulation (hub, peers, DHT nodes), so the "0 friends" row is the baseline to subtract.
 * Each case runs in its own child process (fresh heap, `--expose-gc`). Figures only.
 */
import { loadCrypto } from '../runtime/adapters/node-crypto.js';
import type { SimNode } from '../runtime/adapters/sim-network.js';
import { generateKeyPair } from '../runtime/keys.js';
import { seededRandom } from '../runtime/random.js';
import { befriend, createLargeNetwork, handlerErrors, isEstablished } from '../runtime/scenarios/large-network.js';
import { childCase, cpuMs, heapUsedAfterGc, reply, runChild } from './child.js';
import type { Bench, BenchResult } from './types.js';

interface Case {
  readonly kind: 'profiles' | 'established';
  readonly friends: number;
  /** Virtual seconds measured right after the friends are added, and then in the steady state. */
  readonly warmupS: number;
  readonly steadyS: number;
  readonly progress: boolean;
}

interface Figures {
  readonly heapBeforeMb: number;
  readonly heapAfterMb: number;
  readonly addMs: number;
  readonly warmupCpuMsPerS: number;
  readonly steadyCpuMsPerS: number;
  readonly hubDatagramsPerS: number;
  readonly established: number;
  readonly allEstablishedAfterS: number | null;
  readonly errors: number;
}

const DHT_NODES = 16;
const FORMATION_MS = 20_000;

async function measure(c: Case): Promise<Figures> {
  const crypto = await loadCrypto();
  const peers = c.kind === 'established' ? c.friends : 0;
  const net = createLargeNetwork({ crypto, nodes: DHT_NODES + 1 + peers, seedBase: 5_000_000, bootstrapPool: DHT_NODES });
  const { sim, nodes } = net;
  const hub = nodes[DHT_NODES]!;
  const others = nodes.slice(DHT_NODES + 1);
  const say = (s: string): void => void (c.progress && process.stderr.write(`  scale ${c.kind} ${c.friends}: ${s}\n`));
  sim.runUntil(FORMATION_MS);
  say('network formed');
  const heapBefore = heapUsedAfterGc();

  // Keys are made before the clock starts: adding is what is timed.
  const keys = c.kind === 'profiles' ? Array.from({ length: c.friends }, (_, i) => generateKeyPair(crypto, seededRandom(9_000_000 + i)).publicKey) : [];
  const w0 = performance.now();
  if (c.kind === 'profiles') {
    for (const pk of keys) hub.engine.addFriend(sim.now, pk);
    sim.flush([hub]);
  } else {
    for (const p of others) befriend(sim, hub, p);
  }
  const addMs = performance.now() - w0;

  const tx0 = hub.engine.counters.get('tx.datagrams') + hub.engine.counters.get('rx.datagrams');
  let cpu0 = cpuMs();
  const start = sim.now;
  let allAt: number | null = null;
  const allEstablished = (): boolean => others.every((p: SimNode) => isEstablished(hub, p));
  for (let s = 10; s <= c.warmupS; s += 10) {
    sim.runUntil(start + s * 1000);
    if (allAt === null && peers > 0 && allEstablished()) allAt = sim.now - start;
    say(`${s} s after adding, ${others.filter((p) => isEstablished(hub, p)).length}/${peers} established, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MB`);
  }
  const warmupCpuMsPerS = (cpuMs() - cpu0) / c.warmupS;
  const heapAfter = heapUsedAfterGc();

  cpu0 = cpuMs();
  const t1 = hub.engine.counters.get('tx.datagrams') + hub.engine.counters.get('rx.datagrams');
  sim.runUntil(sim.now + c.steadyS * 1000);
  const steadyCpuMsPerS = (cpuMs() - cpu0) / c.steadyS;
  const t2 = hub.engine.counters.get('tx.datagrams') + hub.engine.counters.get('rx.datagrams');
  say(`steady state measured (${tx0} → ${t2} hub datagrams)`);
  return {
    heapBeforeMb: heapBefore / 2 ** 20,
    heapAfterMb: heapAfter / 2 ** 20,
    addMs,
    warmupCpuMsPerS,
    steadyCpuMsPerS,
    hubDatagramsPerS: (t2 - t1) / c.steadyS,
    established: others.filter((p) => isEstablished(hub, p)).length,
    allEstablishedAfterS: allAt === null ? null : allAt / 1000,
    errors: handlerErrors(nodes),
  };
}

const child = childCase<Case>(import.meta.url);
if (child !== null) reply(await measure(child));

const fixed = (v: number, d = 1): number => Number(v.toFixed(d));

export const scaleBench: Bench = {
  name: 'scale',
  title: 'Idle friend sessions in one engine: memory per friend and CPU per second of virtual time',
  async run({ quick }): Promise<BenchResult> {
    const cases: Array<Pick<Case, 'kind' | 'friends'>> = quick
      ? [
          { kind: 'profiles', friends: 0 },
          { kind: 'profiles', friends: 40 },
          { kind: 'established', friends: 4 },
        ]
      : [
          { kind: 'profiles', friends: 0 },
          { kind: 'profiles', friends: 1_000 },
          { kind: 'profiles', friends: 10_000 },
          { kind: 'established', friends: 1_000 },
        ];
    const warmupS = quick ? 10 : 60;
    const steadyS = quick ? 10 : 120;
    const rows: Array<Record<string, string | number>> = [];
    const notes: string[] = [
      `network: ${DHT_NODES} DHT nodes + the hub (+ one peer engine per friend for "established"), 20 ms latency + < 10 ms jitter; formed for ${FORMATION_MS / 1000} s before the friends are added`,
      'KB per friend = (heap after GC with the friends − heap after GC before) / friends; "established" counts both ends of each session',
      `CPU is the whole process (all engines) per virtual second: the first ${warmupS} s after adding, then ${steadyS} s of steady state; the 0-friend row is the baseline`,
      'target: 10,000 friends under 200 MB',
    ];
    for (const k of cases) {
      const r = runChild<Figures>(import.meta.url, { ...k, warmupS, steadyS, progress: !quick } satisfies Case, { maxOldSpaceMb: 8_192 });
      if (r instanceof Error) {
        rows.push({ kind: k.kind, friends: k.friends, 'heap MB': 'n/a', 'KB per friend': 'n/a', 'add ms': 'n/a', 'CPU ms/s first': 'n/a', 'CPU ms/s steady': 'n/a', 'hub datagrams/s': 'n/a', established: 'n/a' });
        notes.push(`${k.kind} ${k.friends} failed: ${r.message}`);
        continue;
      }
      rows.push({
        kind: k.kind,
        friends: k.friends,
        'heap MB': Math.round(r.heapAfterMb),
        'KB per friend': k.friends === 0 ? 'n/a' : fixed(((r.heapAfterMb - r.heapBeforeMb) * 1024) / k.friends),
        'add ms': fixed(r.addMs, 0),
        'CPU ms/s first': fixed(r.warmupCpuMsPerS),
        'CPU ms/s steady': fixed(r.steadyCpuMsPerS),
        'hub datagrams/s': fixed(r.hubDatagramsPerS),
        established: k.kind === 'established' ? `${r.established}/${k.friends}${r.allEstablishedAfterS !== null ? ` (all by ${r.allEstablishedAfterS} s)` : ''}` : 'n/a',
      });
      if (r.errors > 0) notes.push(`${k.kind} ${k.friends}: ${r.errors} handler errors (error.handler)`);
    }
    return { rows, notes };
  },
};
