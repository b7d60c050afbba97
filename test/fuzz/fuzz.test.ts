/**
 * The bounded fuzz smoke run of `npm test` (the full run is `npm run fuzz`, scripts/fuzz.ts):
 * 20,000 mutated datagrams and payloads into every decoder (keyed) and into Alice's engine while
 * Alice and Bob are Established on the simulated network.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { buildCorpus, type Corpus } from '../../harness/fuzz/corpus.js';
import { MUTATORS } from '../../harness/fuzz/mutators.js';
import { runFuzz, type FuzzReport } from '../../harness/fuzz/runner.js';
import type { TableStats } from '../../harness/fuzz/engine-target.js';

const SMOKE_INPUTS = 20_000;
let corpus: Corpus;
let report: FuzzReport;

beforeAll(async () => {
  const crypto = await loadCrypto();
  corpus = buildCorpus(crypto);
  report = runFuzz({ crypto, inputs: SMOKE_INPUTS, seed: 7, corpus });
});

describe('fuzz smoke run (20,000 inputs)', () => {
  it('the corpus holds c-toxcore packets, toxstate packets of every kind toxstate sends, and their plaintexts', () => {
    expect(report.corpus.golden).toBe(1118);
    expect(report.corpus.toxstate).toBeGreaterThan(1000);
    const ids = new Set(corpus.datagrams.filter((d) => d.source !== 'c-toxcore').map((d) => d.data[0]));
    for (const id of [0x00, 0x01, 0x02, 0x04, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x8c, 0x8d, 0x8e]) {
      expect(ids.has(id), `toxstate seed for id 0x${id.toString(16)}`).toBe(true);
    }
    for (const kind of ['messenger', 'request', 'onionDataPayload', 'savedata'] as const) expect(corpus.payloads.get(kind)?.length ?? 0).toBeGreaterThan(0);
  });

  it('feeds every input family and every mutator', () => {
    expect(report.inputs).toBe(SMOKE_INPUTS);
    for (const n of Object.values(report.byFamily)) expect(n).toBeGreaterThan(500);
    for (const m of MUTATORS) expect(report.byMutator[m]).toBeGreaterThan(500);
  });

  it('no decoder throws or returns anything but a Result', () => {
    expect(report.crashSamples).toEqual([]);
    expect(report.crashes).toBe(0);
    expect(report.contractViolations).toBe(0);
  });

  it('real keys open the valid seeds: the code behind the MAC checks is reached', () => {
    expect(report.opened).toBeGreaterThan(200);
    const oks = Object.fromEntries(report.targets.map((t) => [t.target, t.oks]));
    for (const opener of ['openNodesRequest', 'openNodesResponse', 'openOnionLayer', 'openAnnounceRequest', 'openAnnounceResponse', 'openCryptoData', 'relayOnionResponse']) {
      expect(oks[opener] ?? 0, opener).toBeGreaterThan(0);
    }
  });

  it("Alice's engine never throws, stays Established with Bob, and keeps every table within its limit", () => {
    const e = report.engine;
    expect(e.lastError).toBeNull();
    expect(e.errorHandler).toBe(0);
    expect(e.establishedThroughout).toBe(true);
    expect(e.offlineEvents).toBe(0);
    expect(e.injected).toBeGreaterThan(5_000);
    expect(e.fromPeer).toBeGreaterThan(1_000);
    expect(e.fromRandom).toBeGreaterThan(500);
    // Almost every input is dropped as malformed or unauthenticated; what is not was a valid
    // seed (a replayed cookie request gets its cookie, an announce request its answer).
    expect(e.dropped).toBeGreaterThan(e.injected * 0.6);
    for (const k of Object.keys(e.max) as Array<keyof TableStats>) expect(e.max[k], k).toBeLessThanOrEqual(report.limits[k].limit);
    // Garbage leaves no state: no new friend, connection, search, announce entry or cached key.
    expect(e.after.friends).toBe(e.before.friends);
    expect(e.after.netCryptoConnections).toBe(e.before.netCryptoConnections);
    expect(e.after.dhtSearches).toBe(e.before.dhtSearches);
    expect(e.after.sharedKeys).toBeLessThanOrEqual(e.before.sharedKeys + 16);
    expect(e.max.announceEntries).toBeLessThanOrEqual(e.before.announceEntries + 8);
  });
});
