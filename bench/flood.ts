/**
 * Flood benchmark: 13 kinds of unauthenticated or forged packets from 20,000 source addresses
 * at one engine that is Established with a friend on the simulated network (scenario in
 * harness/reliability/flood.ts, whose outcomes test/reliability/flood.test.ts asserts). Figures:
 * packets absorbed per second (wall clock, one core, crypto included), bytes answered per kind,
 * memory before and after, tables at their largest. A full run also refreshes the flood section
 * of docs/reliability.md. Purely in memory: nothing touches a socket.
 */
import { loadCrypto } from '../runtime/adapters/node-crypto.js';
import type { TableStats } from '../harness/fuzz/engine-target.js';
import { FLOOD_KINDS, runFlood } from '../harness/reliability/flood.js';
import { renderFlood, writeSection } from '../harness/reliability/report.js';
import type { Bench, BenchResult } from './types.js';

export const floodBench: Bench = {
  name: 'flood',
  title: 'Flood at an Established node: unauthenticated packets absorbed, bytes answered, memory and tables',
  async run({ quick }): Promise<BenchResult> {
    const f = runFlood({ crypto: await loadCrypto(), packets: quick ? 100 * FLOOD_KINDS.length : 10_000 * FLOOD_KINDS.length, sources: 20_000 });
    const rows = FLOOD_KINDS.map((k) => {
      const b = f.byKind[k]!;
      return { kind: k, sent: b.sent, 'bytes in': b.requestBytes, answers: b.answers, 'bytes out': b.answerBytes, 'out / in': b.requestBytes ? (b.answerBytes / b.requestBytes).toFixed(2) : '—' };
    });
    const largest = (Object.keys(f.max) as Array<keyof TableStats>).map((k) => `${k} ${f.max[k]}/${f.limits[k].limit}`).join(', ');
    const notes = [
      `${f.packets.toLocaleString('en-US')} packets from ${f.sources.toLocaleString('en-US')} addresses: ${f.packetsPerSecond.toLocaleString('en-US')} packets/s absorbed (${(f.virtualMs / 1000).toFixed(1)} s of virtual time)`,
      `session with the friend Established throughout: ${f.establishedThroughout ? 'yes' : 'NO'}; handler errors ${f.errorHandler}`,
      `heap ${f.memoryBefore.heapUsedMb} → ${f.memoryAfter.heapUsedMb} MB, RSS ${f.memoryBefore.rssMb} → ${f.memoryAfter.rssMb} MB`,
      `tables at their largest (limit): ${largest}`,
    ];
    if (!quick) writeSection('flood', renderFlood(f));
    return { rows, notes };
  },
};
