/**
 * One run of a large simulated network, as `toxstate sim` and the sim-size benchmark do it: N
 * engines on the simulated network (large-network.ts: a few bootstrap nodes, everyone else given
 * one of them), P friend pairs befriended at virtual time 0, run for S seconds of virtual time,
 * then a summary: wall and CPU time, heap, datagrams carried, pairs Established at the end and
 * the virtual times by which half and all of them first were.
 *
 * The friend sessions are c-toxcore's friend_connection.c / net_crypto.c model (Established on
 * both sides = both have seen `friend_online`); this file only drives and measures.
 *
 * The run advances in small slices of virtual time and yields to the event loop between them,
 * so a caller can report progress and stop it early (`signal`); a stopped run's summary says
 * `partial: true`. The same options (seed included) give the same datagrams and times.
 */
import type { Crypto } from '../../protocol/crypto.js';
import { befriend, createLargeNetwork, handlerErrors, pairUp, PairWatch } from './large-network.js';

export interface SimRunOptions {
  readonly nodes: number;
  readonly pairs: number;
  /** Virtual seconds to run. */
  readonly seconds: number;
  /** Datagram loss, percent (0–100). Default 0. */
  readonly lossPct?: number | undefined;
  /** One-way base latency, ms. Default 20. */
  readonly latencyMs?: number | undefined;
  /** Extra uniform random latency in [0, jitterMs), ms. Default 10. */
  readonly jitterMs?: number | undefined;
  /** Node i's keys and randomness come from seed + i; the network's from seed. Default 7000000. */
  readonly seed?: number | undefined;
  /** Bootstrap nodes (the first ones; pairs are made among the nodes after them). Default min(8, ⌈nodes / 10⌉). */
  readonly bootstrap?: number | undefined;
}

/** Options with every default filled in. */
export type CheckedSimOptions = { readonly [K in keyof SimRunOptions]-?: number };

/** What a run measured. Times in seconds; `null`: not reached. */
export interface SimSummary {
  readonly nodes: number;
  readonly pairs: number;
  readonly bootstrapNodes: number;
  readonly seed: number;
  readonly lossPct: number;
  readonly latencyMs: number;
  readonly jitterMs: number;
  /** Virtual seconds asked for. */
  readonly seconds: number;
  /** Virtual seconds actually run (less than `seconds` only when stopped early). */
  readonly virtualS: number;
  /** Stopped before `seconds` of virtual time. */
  readonly partial: boolean;
  /** Wall time building the network (keys, engines, bootstrap) and befriending. */
  readonly setupS: number;
  /** Wall time running it. */
  readonly wallS: number;
  /** CPU time (user + system) of this process while running it. */
  readonly cpuS: number;
  /** Heap used at the end (after a full collection when `gc` is exposed), MiB. */
  readonly heapMb: number;
  readonly heapAfterGc: boolean;
  /** Datagrams sent on the simulated network (lost ones included). */
  readonly datagrams: number;
  /** Pairs Established on both sides at the end. */
  readonly pairsConnected: number;
  /** Pairs that were Established on both sides at some point. */
  readonly pairsEverConnected: number;
  /** Virtual time by which half of the pairs had first been Established. */
  readonly halfByS: number | null;
  /** Virtual time by which all of the pairs had first been Established. */
  readonly allByS: number | null;
  /** Exceptions engines' handlers caught (`error.handler`); 0 in a healthy run. */
  readonly handlerErrors: number;
}

/** Reported after every slice of virtual time. */
export interface SimProgress {
  readonly virtualS: number;
  readonly seconds: number;
  readonly wallS: number;
  readonly pairsConnected: number;
  readonly pairs: number;
  readonly datagrams: number;
  readonly heapMb: number;
}

/** Bounds that keep a run finite and the table sizes sane. */
export const SIM_LIMITS = { maxNodes: 1_000_000, maxSeconds: 86_400, maxLatencyMs: 60_000, maxSeed: 0xffff_ffff } as const;

/** Virtual time between progress reports / chances to stop. */
const SLICE_MS = 250;

export const DEFAULT_SIM_SEED = 7_000_000;

/** A problem with the options, naming the option; thrown by `checkSimOptions`. */
export class SimOptionError extends RangeError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'SimOptionError';
  }
}

const isInt = (n: number): boolean => Number.isSafeInteger(n);

export function defaultBootstrap(nodes: number): number {
  return Math.max(1, Math.min(8, Math.ceil(nodes / 10)));
}

/** Checks every option and fills in the defaults; throws SimOptionError naming the bad one. */
export function checkSimOptions(o: SimRunOptions): CheckedSimOptions {
  if (!isInt(o.nodes) || o.nodes < 2 || o.nodes > SIM_LIMITS.maxNodes) throw new SimOptionError('nodes', `nodes must be a whole number from 2 to ${SIM_LIMITS.maxNodes}, got ${o.nodes}`);
  const bootstrap = o.bootstrap ?? defaultBootstrap(o.nodes);
  if (!isInt(bootstrap) || bootstrap < 1 || bootstrap > o.nodes) throw new SimOptionError('bootstrap', `bootstrap must be a whole number from 1 to the number of nodes (${o.nodes}), got ${bootstrap}`);
  const maxPairs = Math.floor((o.nodes - bootstrap) / 2);
  if (!isInt(o.pairs) || o.pairs < 0 || o.pairs > maxPairs) {
    throw new SimOptionError('pairs', `pairs must be a whole number from 0 to ${maxPairs} (half of the ${o.nodes - bootstrap} nodes that are not bootstrap nodes), got ${o.pairs}`);
  }
  if (!Number.isFinite(o.seconds) || o.seconds <= 0 || o.seconds > SIM_LIMITS.maxSeconds) throw new SimOptionError('seconds', `seconds must be more than 0 and at most ${SIM_LIMITS.maxSeconds}, got ${o.seconds}`);
  const lossPct = o.lossPct ?? 0;
  if (!Number.isFinite(lossPct) || lossPct < 0 || lossPct > 100) throw new SimOptionError('loss', `loss must be a percentage from 0 to 100, got ${lossPct}`);
  const latencyMs = o.latencyMs ?? 20;
  if (!Number.isFinite(latencyMs) || latencyMs < 0 || latencyMs > SIM_LIMITS.maxLatencyMs) throw new SimOptionError('latency', `latency must be from 0 to ${SIM_LIMITS.maxLatencyMs} ms, got ${latencyMs}`);
  const jitterMs = o.jitterMs ?? 10;
  if (!Number.isFinite(jitterMs) || jitterMs < 0 || jitterMs > SIM_LIMITS.maxLatencyMs) throw new SimOptionError('jitter', `jitter must be from 0 to ${SIM_LIMITS.maxLatencyMs} ms, got ${jitterMs}`);
  const seed = o.seed ?? DEFAULT_SIM_SEED;
  // Node i uses seed + i, which must stay a 32-bit seed.
  if (!isInt(seed) || seed < 0 || seed + o.nodes > SIM_LIMITS.maxSeed) throw new SimOptionError('seed', `seed must be a whole number from 0 to ${SIM_LIMITS.maxSeed - o.nodes} (seed + nodes fits 32 bits), got ${seed}`);
  return { nodes: o.nodes, pairs: o.pairs, seconds: o.seconds, lossPct, latencyMs, jitterMs, seed, bootstrap };
}

function heapMb(collect: boolean): { mb: number; gc: boolean } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (collect && gc) {
    gc();
    gc();
  }
  return { mb: process.memoryUsage().heapUsed / 2 ** 20, gc: collect && gc !== undefined };
}

function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Builds the network, befriends the pairs and runs it. `onProgress` is called after every
 * slice (250 ms of virtual time); when `signal` aborts, the run stops after the current slice.
 */
export async function runSimulation(crypto: Crypto, options: SimRunOptions, onProgress?: (p: SimProgress) => void, signal?: AbortSignal): Promise<SimSummary> {
  const o = checkSimOptions(options);
  const w0 = performance.now();
  const { sim, nodes } = createLargeNetwork({
    crypto,
    nodes: o.nodes,
    seedBase: o.seed,
    bootstrapPool: o.bootstrap,
    latencyMs: o.latencyMs,
    jitterMs: o.jitterMs,
    loss: o.lossPct / 100,
  });
  const pairs = pairUp(nodes, o.pairs, o.bootstrap);
  for (const [a, b] of pairs) befriend(sim, a, b);
  const watch = new PairWatch(sim, pairs);
  const setupS = (performance.now() - w0) / 1000;
  const c0 = cpuMs();
  const w1 = performance.now();
  const endMs = o.seconds * 1000;
  let t = sim.now;
  while (t < endMs && !signal?.aborted) {
    t = Math.min(endMs, t + SLICE_MS);
    sim.runUntil(t);
    if (onProgress) {
      onProgress({
        virtualS: t / 1000,
        seconds: o.seconds,
        wallS: (performance.now() - w1) / 1000,
        pairsConnected: watch.count(),
        pairs: pairs.length,
        datagrams: sim.stats.sent,
        heapMb: heapMb(false).mb,
      });
    }
    await yieldToLoop();
  }
  const wallS = (performance.now() - w1) / 1000;
  const cpuS = (cpuMs() - c0) / 1000;
  const heap = heapMb(true);
  const secondsOf = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
  const summary: SimSummary = {
    nodes: o.nodes,
    pairs: pairs.length,
    bootstrapNodes: o.bootstrap,
    seed: o.seed,
    lossPct: o.lossPct,
    latencyMs: o.latencyMs,
    jitterMs: o.jitterMs,
    seconds: o.seconds,
    virtualS: t / 1000,
    partial: t < endMs,
    setupS,
    wallS,
    cpuS,
    heapMb: heap.mb,
    heapAfterGc: heap.gc,
    datagrams: sim.stats.sent,
    pairsConnected: watch.count(),
    pairsEverConnected: watch.firstOnlineAt.filter((x) => x !== null).length,
    halfByS: pairs.length === 0 ? null : secondsOf(watch.firstOnlineQuantile(0.5)),
    allByS: pairs.length === 0 ? null : secondsOf(watch.firstOnlineQuantile(1)),
    handlerErrors: handlerErrors(nodes),
  };
  watch.dispose();
  return summary;
}
