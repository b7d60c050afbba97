/**
 * The fuzz runner: `runFuzz({ inputs, seed })` feeds `inputs` mutated datagrams and payloads to
 * the decoders (targets.ts) and to a live engine (engine-target.ts), and returns the figures.
 * Used by the smoke test in `npm test` (test/fuzz/fuzz.test.ts, 20,000 inputs) and by
 * `npm run fuzz` (scripts/fuzz.ts, at least 1,000,000 inputs, writes docs/reliability.md).
 *
 * Input mix (each input counted once):
 *   ≈ 41 %  a datagram → the decoders, keyed as its receiver would be (2 % of them pure noise)
 *   ≈ 35 %  a datagram → Alice's engine.handleDatagram (Alice–Bob Established on the simulated network)
 *   ≈ 10 %  a plaintext → the payload decoders (messenger, request, DHT-PK, onion data, nodes, Tox ID, savedata)
 *   ≈ 14 %  batches of 16 golden-capture datagrams, mutated → the dissector with both peers' profiles
 * Seeds are the golden c-toxcore capture, toxstate's own demo-run capture and a few synthetic
 * packets (corpus.ts); mutators are in mutators.ts.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import { seededRandom } from '../../runtime/random.js';
import { buildCorpus, type Corpus, type PayloadKind, type SeedDatagram } from './corpus.js';
import { EngineTarget, tableLimits, type EngineFuzzFigures, type TableStats } from './engine-target.js';
import { Mutator, MUTATORS, type MutatorName } from './mutators.js';
import { Targets, type Crash } from './targets.js';

export interface FuzzOptions {
  readonly crypto: Crypto;
  readonly inputs: number;
  readonly seed?: number;
  /** Reuse a corpus (the demo network in it moves on). */
  readonly corpus?: Corpus;
  /** Called every `progressEvery` inputs. */
  readonly onProgress?: (done: number, elapsedMs: number) => void;
  readonly progressEvery?: number;
}

export interface MemoryFigures {
  heapUsedMb: number;
  rssMb: number;
}

export interface FuzzReport {
  inputs: number;
  seed: number;
  elapsedMs: number;
  inputsPerSecond: number;
  byFamily: Record<'decoders' | 'engine' | 'payloads' | 'dissector', number>;
  byMutator: Record<MutatorName, number>;
  corpus: Corpus['counts'] & { payloads: number };
  decoderCalls: number;
  decoderOks: number;
  opened: number;
  crashes: number;
  crashSamples: Crash[];
  contractViolations: number;
  targets: Array<{ target: string; calls: number; oks: number }>;
  engine: EngineFuzzFigures;
  limits: Record<keyof TableStats, { limit: number; constant: string; where: string }>;
  memoryBefore: MemoryFigures;
  memoryAfter: MemoryFigures;
  /** Heap after a collection at every progress point (flat = nothing grows with the inputs). */
  memorySamples: Array<{ inputs: number; heapUsedMb: number }>;
}

function memory(): MemoryFigures {
  const g = globalThis as { gc?: () => void };
  g.gc?.();
  const m = process.memoryUsage();
  return { heapUsedMb: Math.round((m.heapUsed / 2 ** 20) * 10) / 10, rssMb: Math.round((m.rss / 2 ** 20) * 10) / 10 };
}

export function runFuzz(o: FuzzOptions): FuzzReport {
  const seed = o.seed ?? 1;
  const corpus = o.corpus ?? buildCorpus(o.crypto);
  const r = seededRandom(seed);
  const m = new Mutator(r);
  const targets = new Targets(o.crypto);
  targets.warmUp(corpus.datagrams);
  const engine = new EngineTarget(corpus.demo, seededRandom(seed + 17));
  const memoryBefore = memory();
  const seeds = corpus.datagrams.filter((d) => d.data.length > 0);
  const payloadKinds = [...corpus.payloads.keys()];
  const byFamily = { decoders: 0, engine: 0, payloads: 0, dissector: 0 };
  const byMutator = Object.fromEntries(MUTATORS.map((k) => [k, 0])) as Record<MutatorName, number>;
  const every = o.progressEvery ?? 100_000;
  const memorySamples: FuzzReport['memorySamples'] = [];

  const mutateDatagram = (): { data: Bytes; seed: SeedDatagram } => {
    const s = m.pick(seeds);
    const name = m.pick(MUTATORS);
    byMutator[name]++;
    const partner = m.pick(corpus.byId.get(s.data[0]!) ?? seeds).data;
    return { data: m.mutate(name, s.data, partner), seed: s };
  };

  const started = performance.now();
  let done = 0;
  let nextProgress = every;
  while (done < o.inputs) {
    const k = r.int(100);
    if (k < 45) {
      const { data, seed: s } = mutateDatagram();
      targets.datagram(data, s.keys);
      byFamily.decoders++;
      done++;
    } else if (k < 85) {
      const { data } = mutateDatagram();
      engine.inject(data);
      byFamily.engine++;
      done++;
    } else if (k < 97) {
      const kind: PayloadKind = m.pick(payloadKinds);
      const list = corpus.payloads.get(kind)!;
      const name = m.pick(MUTATORS);
      byMutator[name]++;
      targets.payload(kind, name === 'randomBehindId' ? r.bytes(r.int(300)) : m.mutate(name, m.pick(list), m.pick(list)));
      byFamily.payloads++;
      done++;
    } else if (k < 98) {
      const n = Math.min(16, o.inputs - done);
      const batch = [];
      for (let i = 0; i < n; i++) {
        const g = m.pick(corpus.golden);
        const name = m.pick(MUTATORS);
        byMutator[name]++;
        batch.push({ ...g, payload: m.mutate(name, g.payload, m.pick(corpus.golden).payload) });
      }
      targets.dissectBatch(batch, corpus.profiles);
      byFamily.dissector += n;
      done += n;
    } else {
      // Whole random datagrams of any length, no seed at all.
      const data = r.bytes(r.int(1600));
      targets.datagram(data, m.pick(seeds).keys);
      byFamily.decoders++;
      done++;
    }
    if (done >= nextProgress) {
      nextProgress += every;
      memorySamples.push({ inputs: done, heapUsedMb: memory().heapUsedMb });
      o.onProgress?.(done, performance.now() - started);
    }
  }
  engine.advance();
  const elapsedMs = performance.now() - started;
  const memoryAfter = memory();
  const s = targets.stats;
  return {
    inputs: done,
    seed,
    elapsedMs,
    inputsPerSecond: Math.round(done / (elapsedMs / 1000)),
    byFamily,
    byMutator,
    corpus: { ...corpus.counts, payloads: [...corpus.payloads.values()].reduce((a, l) => a + l.length, 0) },
    decoderCalls: s.calls,
    decoderOks: s.oks,
    opened: s.opened,
    crashes: s.crashCount,
    crashSamples: s.crashes,
    contractViolations: s.contractViolations,
    targets: [...s.byTarget].map(([target, v]) => ({ target, ...v })).sort((a, b) => a.target.localeCompare(b.target)),
    engine: engine.figures,
    limits: tableLimits(engine.alice.engine),
    memoryBefore,
    memoryAfter,
    memorySamples,
  };
}
