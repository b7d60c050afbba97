/**
 * Behaviour unchanged, proven: two fixed-seed simulations — the demo network and a 200-node
 * network with 40 friend pairs — hashed step by step (test/golden/recorder.ts) must give the
 * hashes recorded in golden-journals.json. A refactor that changes one machine step or one
 * datagram fails here, naming the first checkpoint that differs.
 *
 * Updating the golden is a decision, never a reflex: `TOXSTATE_UPDATE_GOLDEN="<why>" npx vitest
 * run test/golden` rewrites the file and records the reason next to the hashes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { createDemoNetwork } from '../../runtime/scenarios/demo-network.js';
import { befriend, createLargeNetwork, pairUp } from '../../runtime/scenarios/large-network.js';
import { GoldenRecorder, type GoldenRecord } from './recorder.js';

const GOLDEN_PATH = join(import.meta.dirname, 'golden-journals.json');

interface GoldenFile {
  readonly [scenario: string]: GoldenRecord & { readonly reason: string; readonly recorded: string };
}

const SCENARIOS = {
  /** `npm start`'s network (seed 2026): Bob's friend request, acceptance, messages; 60 s of virtual time. */
  'demo network, seed 2026, 60 s': async () => {
    const demo = createDemoNetwork({ crypto: await loadCrypto(), seed: 2026 });
    const rec = new GoldenRecorder(demo.sim, demo.nodes.map((n) => n.node));
    demo.sim.runFor(60_000);
    return rec.finish();
  },
  /** 200 engines, 40 pairs befriended at once (as test/scenarios/many-engines.test.ts); 20 s of virtual time. */
  '200 nodes, 40 pairs, seed 7100, 20 s': async () => {
    const net = createLargeNetwork({ crypto: await loadCrypto(), nodes: 200, seedBase: 7100, engineOptions: { journalContext: true } });
    const pairs = pairUp(net.nodes, 40, 4);
    const rec = new GoldenRecorder(net.sim, net.nodes);
    for (const [a, b] of pairs) befriend(net.sim, a, b);
    net.sim.runFor(20_000);
    return rec.finish();
  },
} satisfies Record<string, () => Promise<GoldenRecord>>;

const update = process.env['TOXSTATE_UPDATE_GOLDEN'];
const golden: GoldenFile = JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as GoldenFile;
const updated: Record<string, GoldenFile[string]> = { ...golden };

describe('golden journals: the same seed gives the same steps and datagrams', () => {
  for (const [name, run] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const got = await run();
      expect(got.machineSteps, 'the scenario journaled no machine step').toBeGreaterThan(0);
      expect(got.datagrams, 'the scenario sent no datagram').toBeGreaterThan(0);
      if (update) {
        updated[name] = { ...got, reason: update, recorded: new Date().toISOString().slice(0, 10) };
        writeFileSync(GOLDEN_PATH, `${JSON.stringify(updated, null, 1)}\n`);
        return;
      }
      const want = golden[name];
      expect(want, `no golden for "${name}" (record it with TOXSTATE_UPDATE_GOLDEN="<reason>")`).toBeDefined();
      const firstDiff = got.checkpoints.findIndex((c, i) => c !== want!.checkpoints[i]);
      const where = firstDiff < 0 ? 'after the last checkpoint' : `between records ${firstDiff * 5_000} and ${(firstDiff + 1) * 5_000}`;
      expect({ records: got.records, machineSteps: got.machineSteps, datagrams: got.datagrams, final: got.final }, `the run differs ${where}`).toEqual({
        records: want!.records,
        machineSteps: want!.machineSteps,
        datagrams: want!.datagrams,
        final: want!.final,
      });
    }, 300_000);
  }
});
