/**
 * The flood scenario (used by test/reliability/flood.test.ts for the outcomes and bench/flood.ts
 * for the figures): Alice and Bob Established on the simulated demo network, and a flood at
 * Alice from many source addresses of
 *   cookie requests (from strangers, and claiming to be Bob), handshakes (garbage), nodes and
 *   ping requests (valid, from 64 attacker keys), onion requests 0x80 (valid layers, forwarded
 *   to random next hops) and 0x81/0x82 (garbage), onion responses 0x8c–0x8e (forged return
 *   blobs), announce requests 0x83 (valid, 354-byte form), and crypto data (garbage) from Bob's
 *   own address,
 * while virtual time runs on (ALIVE, DHT rounds, announces). Recorded: packets absorbed per
 * second (wall clock), what Alice sent back to the flood's sources (count, bytes), what she
 * forwarded elsewhere, every table before/after/at its largest, memory, and whether the session
 * with Bob stayed up.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import { ipPortKey, type IpPort } from '../../protocol/ip-port.js';
import { seededRandom } from '../../runtime/random.js';
import { maxStats, tableLimits, tableStats, type TableStats } from '../fuzz/engine-target.js';
import { Attacker, bothEstablished, establishedDemo, memory, offlineEvents, randomAddress, type MemoryFigures } from './lib.js';

export const FLOOD_KINDS = [
  'cookie_request (stranger)',
  'cookie_request (claims Bob)',
  'handshake (garbage)',
  'nodes_request',
  'ping_request',
  'onion_request_0 (valid layer)',
  'onion_request_1 (garbage)',
  'onion_request_2 (garbage)',
  'onion_response_3 (forged)',
  'onion_response_2 (forged)',
  'onion_response_1 (forged)',
  'announce_request',
  'crypto_data (garbage, from Bob)',
] as const;
export type FloodKind = (typeof FLOOD_KINDS)[number];

export interface FloodOptions {
  readonly crypto: Crypto;
  readonly packets: number;
  /** Distinct source addresses. */
  readonly sources?: number;
  /** Flood rate in virtual time (packets per virtual second). */
  readonly perVirtualSecond?: number;
  readonly seed?: number;
}

export interface FloodFigures {
  packets: number;
  sources: number;
  byKind: Record<string, { sent: number; requestBytes: number; answers: number; answerBytes: number }>;
  elapsedMs: number;
  packetsPerSecond: number;
  virtualMs: number;
  requestBytes: number;
  answersToSources: { count: number; bytes: number };
  forwardedElsewhere: { count: number; bytes: number };
  before: TableStats;
  after: TableStats;
  max: TableStats;
  limits: ReturnType<typeof tableLimits>;
  memoryBefore: MemoryFigures;
  memoryAfter: MemoryFigures;
  establishedThroughout: boolean;
  offlineEvents: number;
  errorHandler: number;
  drops: Array<[string, number]>;
}

const POOL = 64;

export function runFlood(o: FloodOptions): FloodFigures {
  const { crypto } = o;
  const seed = o.seed ?? 9;
  const r = seededRandom(seed);
  const demo = establishedDemo(crypto);
  const { sim } = demo;
  const alice = demo.alice.node;
  const bob = demo.bob.node;
  const A = alice.engine;
  const attackers = Array.from({ length: 8 }, (_, i) => new Attacker(crypto, A, seed * 1000 + i));
  const pick = <T>(xs: readonly T[]): T => xs[r.int(xs.length)]!;
  const sourceCount = o.sources ?? 20_000;
  const sources = Array.from({ length: sourceCount }, () => randomAddress(r));
  const sourceKeys = new Set(sources.map(ipPortKey));
  const elsewhere = randomAddress(r);

  // Pools of packets per kind (valid packets may be replayed: nothing in these kinds is replay-protected).
  const bobPk = bob.engine.keys.real.publicKey;
  const garbage = (id: number, size: number): Bytes => {
    const b = r.bytes(size);
    b[0] = id;
    return b;
  };
  const pools: Record<FloodKind, Bytes[]> = {
    'cookie_request (stranger)': [],
    'cookie_request (claims Bob)': [],
    'handshake (garbage)': [],
    nodes_request: [],
    ping_request: [],
    'onion_request_0 (valid layer)': [],
    'onion_request_1 (garbage)': [],
    'onion_request_2 (garbage)': [],
    'onion_response_3 (forged)': [],
    'onion_response_2 (forged)': [],
    'onion_response_1 (forged)': [],
    announce_request: [],
    'crypto_data (garbage, from Bob)': [],
  };
  for (let i = 0; i < POOL; i++) {
    const a = attackers[i % attackers.length]!;
    pools['cookie_request (stranger)'].push(a.cookieRequest());
    pools['cookie_request (claims Bob)'].push(a.cookieRequest(bobPk));
    pools['handshake (garbage)'].push(garbage(0x1a, 385));
    pools.nodes_request.push(a.nodesRequest());
    pools.ping_request.push(a.pingRequest());
    pools['onion_request_0 (valid layer)'].push(a.onionRequest(elsewhere));
    pools['onion_request_1 (garbage)'].push(garbage(0x81, 218 + 177));
    pools['onion_request_2 (garbage)'].push(garbage(0x82, 210 + 177));
    pools['onion_response_3 (forged)'].push(a.forgedOnionResponse(3));
    pools['onion_response_2 (forged)'].push(a.forgedOnionResponse(2));
    pools['onion_response_1 (forged)'].push(a.forgedOnionResponse(1));
    pools.announce_request.push(a.announceRequest());
    pools['crypto_data (garbage, from Bob)'].push(garbage(0x1b, 100 + r.int(200)));
  }

  // Tap what Alice sends: answers to the flood's sources, forwards elsewhere.
  let current: FloodKind | null = null;
  const byKind: FloodFigures['byKind'] = Object.fromEntries(FLOOD_KINDS.map((k) => [k, { sent: 0, requestBytes: 0, answers: 0, answerBytes: 0 }]));
  const answersToSources = { count: 0, bytes: 0 };
  const forwardedElsewhere = { count: 0, bytes: 0 };
  const orig = A.send.bind(A);
  A.send = (to: IpPort, data: Bytes) => {
    if (current !== null) {
      if (sourceKeys.has(ipPortKey(to))) {
        answersToSources.count++;
        answersToSources.bytes += data.length;
        byKind[current]!.answers++;
        byKind[current]!.answerBytes += data.length;
      } else if (ipPortKey(to) === ipPortKey(elsewhere)) {
        forwardedElsewhere.count++;
        forwardedElsewhere.bytes += data.length;
      }
    }
    orig(to, data);
  };

  const before = tableStats(A);
  let max = before;
  const offline0 = offlineEvents(alice, bob);
  const drops0 = A.counters.toJSON();
  const memoryBefore = memory();
  const perVirtualSecond = o.perVirtualSecond ?? 10_000;
  const batch = 200;
  const batchMs = Math.max(1, Math.round((batch * 1000) / perVirtualSecond));
  let established = bothEstablished(demo);
  let requestBytes = 0;
  let virtualMs = 0;
  const started = performance.now();
  for (let i = 0; i < o.packets; i++) {
    const kind = FLOOD_KINDS[i % FLOOD_KINDS.length]!;
    const data = pick(pools[kind]);
    const from = kind === 'crypto_data (garbage, from Bob)' ? bob.address : pick(sources);
    current = kind;
    A.handleDatagram(sim.now, from, data);
    current = null;
    byKind[kind]!.sent++;
    byKind[kind]!.requestBytes += data.length;
    requestBytes += data.length;
    sim.flush([alice]);
    if ((i + 1) % batch === 0) {
      sim.runFor(batchMs);
      virtualMs += batchMs;
      if (!bothEstablished(demo)) established = false;
      max = maxStats(max, tableStats(A));
    }
  }
  const elapsedMs = performance.now() - started;
  sim.runFor(1_000);
  virtualMs += 1_000;
  if (!bothEstablished(demo)) established = false;
  const after = tableStats(A);
  max = maxStats(max, after);
  A.send = orig;
  const drops: Array<[string, number]> = Object.entries(A.counters.toJSON())
    .filter(([k]) => k.startsWith('drop.'))
    .map(([k, v]): [string, number] => [k, v - (drops0[k] ?? 0)])
    .filter(([, v]) => v > 0)
    .sort((x, y) => y[1] - x[1]);
  return {
    packets: o.packets,
    sources: sourceCount,
    byKind,
    elapsedMs,
    packetsPerSecond: Math.round(o.packets / (elapsedMs / 1000)),
    virtualMs,
    requestBytes,
    answersToSources,
    forwardedElsewhere,
    before,
    after,
    max,
    limits: tableLimits(A),
    memoryBefore,
    memoryAfter: memory(),
    establishedThroughout: established,
    offlineEvents: offlineEvents(alice, bob) - offline0,
    errorHandler: A.counters.get('error.handler') + bob.engine.counters.get('error.handler'),
    drops,
  };
}
