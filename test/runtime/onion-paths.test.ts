/**
 * Onion paths of the client (runtime/onion/paths.ts, docs/protocol.md §3.3): built from the
 * DHT's good nodes (keys repeat only when there are fewer hosts than hops), layer 1 under our
 * DHT key; a path that never answered dies 4 s after its 4th unanswered use (it starts at 2),
 * one that answered after 10 s, and every path after 1200 s; ids keep their slot. Path nodes:
 * drawn host first from 3 distinct hosts, proven relays preferred, a path that died unanswered
 * blamed on its unproven hosts only when the nodes it asked do answer.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { equalBytes, toHex } from '../../protocol/bytes.js';
import type { DhtNode } from '../../runtime/dht/dht.js';
import type { Engine } from '../../runtime/engine.js';
import {
  ONION_PATH_FIRST_TIMEOUT_MS,
  ONION_PATH_MAX_LIFETIME_MS,
  ONION_PATH_TIMEOUT_MS,
  ONION_PATHS_PER_SET,
} from '../../runtime/onion/constants.js';
import { PathSet, RelayRecord, type Path } from '../../runtime/onion/paths.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { hostKey } from '../../runtime/dht/hosts.js';
import { addr, keyPair, onionEngine } from './onion-helpers.js';

async function dhtNode(seed: number, ipPort: IpPort): Promise<DhtNode> {
  const k = await keyPair(seed);
  return { pk: k.publicKey, pkHex: toHex(k.publicKey), ipPort, host: hostKey(ipPort), lastHeard: 0, lastAsked: 0, addedAt: 0 };
}

/** Builds `n` paths in slot 0 (each one left to die unanswered, 4 s after its second use, before the next). */
function buildPaths(set: PathSet, n: number): Path[] {
  const out: Path[] = [];
  for (let i = 0; i < n; i++) {
    engine.now += ONION_PATH_FIRST_TIMEOUT_MS;
    const p = set.use(0)!;
    set.use(0);
    out.push(p);
  }
  return out;
}

let engine: Engine;
let good: DhtNode[];

beforeEach(async () => {
  engine = (await onionEngine(700, addr(70))).engine;
  const k = await keyPair(701);
  good = [{ pk: k.publicKey, pkHex: toHex(k.publicKey), ipPort: addr(71), host: hostKey(addr(71)), lastHeard: 0, lastAsked: 0, addedAt: 0 }];
  engine.dht.goodNodes = () => good;
});

describe('onion paths', () => {
  it('are built from the good DHT nodes with replacement, layer 1 under our DHT key, and not without nodes', () => {
    const set = new PathSet(engine.onion.ctx, 'test');
    const p = set.use(null)!;
    expect(p.hops.map((h) => toHex(h.pk))).toEqual([good[0]!.pkHex, good[0]!.pkHex, good[0]!.pkHex]);
    expect(equalBytes(p.codec.publicKey1, engine.keys.dht.publicKey)).toBe(true);
    expect(equalBytes(p.codec.sharedKey1, engine.keys.dhtShared(good[0]!.pk))).toBe(true);
    expect(equalBytes(p.codec.publicKey2, p.codec.publicKey3)).toBe(false);
    good = [];
    expect(new PathSet(engine.onion.ctx, 'empty').use(null)).toBeNull();
  });

  it('a path that never answers dies 4 s after its second use; one that answered, 10 s after its fourth unanswered use', () => {
    const set = new PathSet(engine.onion.ctx, 'test');
    engine.now = 1000;
    const p = set.use(0)!;
    expect(set.use(0)).toBe(p); // second use: 4 unanswered (a new path starts at 2)
    expect(set.nextExpiry()).toBe(1000 + ONION_PATH_FIRST_TIMEOUT_MS);
    engine.now = 1000 + ONION_PATH_FIRST_TIMEOUT_MS - 1;
    expect(set.live(engine.now)).toEqual([p]);
    engine.now = 1000 + ONION_PATH_FIRST_TIMEOUT_MS;
    set.expire(engine.now);
    expect(set.live(engine.now)).toEqual([]);
    expect(engine.counters.get('onion.path_expired')).toBe(1);

    const q = set.use(0)!;
    expect(q.id % ONION_PATHS_PER_SET).toBe(0);
    expect(q.id).not.toBe(p.id);
    expect(set.succeeded(q.id)).toBe(q.id);
    expect(set.succeeded(p.id)).toBeNull();
    for (let i = 0; i < 4; i++) set.use(q.id);
    const lastUse = engine.now;
    engine.now = lastUse + ONION_PATH_TIMEOUT_MS - 1;
    expect(set.use(q.id)).toBe(q); // a fifth use does not move the deadline
    expect(set.nextExpiry()).toBe(lastUse + ONION_PATH_TIMEOUT_MS);
    engine.now = lastUse + ONION_PATH_TIMEOUT_MS;
    expect(set.use(q.id)).not.toBe(q);
  });

  it('every path dies 1200 s after it was made, even when it answers', () => {
    const set = new PathSet(engine.onion.ctx, 'test');
    engine.now = 0;
    const p = set.use(3)!;
    engine.now = ONION_PATH_MAX_LIFETIME_MS - 1;
    set.succeeded(p.id);
    expect(set.use(3)).toBe(p);
    expect(set.nextExpiry()).toBe(ONION_PATH_MAX_LIFETIME_MS);
    engine.now = ONION_PATH_MAX_LIFETIME_MS;
    const q = set.use(3)!;
    expect(q).not.toBe(p);
    expect(q.id % ONION_PATHS_PER_SET).toBe(3);
  });

  it('draws 3 distinct hosts when there are 3, host first: 20 keys on one IP are one host among 4', async () => {
    const oneIp = await Promise.all(Array.from({ length: 20 }, (_, i) => dhtNode(710 + i, { family: 'ipv4', ip: '203.0.113.7', port: 40_000 + i })));
    const others = await Promise.all([72, 73, 74].map((i) => dhtNode(700 + i, addr(i))));
    good = [...oneIp, ...others];
    const paths = buildPaths(new PathSet(engine.onion.ctx, 'test'), 200);
    for (const p of paths) expect(new Set(p.hops.map((h) => hostKey(h.ipPort))).size).toBe(3);
    // Uniform by key, 87% of hops would be on that IP; by host, a quarter (3 of 4 hosts per path: 1 in 4 hops).
    const onIp = paths.flatMap((p) => p.hops).filter((h) => h.ipPort.ip === '203.0.113.7').length;
    expect(onIp / (3 * paths.length)).toBeGreaterThan(0.2);
    expect(onIp / (3 * paths.length)).toBeLessThan(0.4);
  });

  it('prefers relays that carried a response; a path that dies asking nodes that answer is blamed on its unproven hosts', async () => {
    const nodes = await Promise.all([80, 81, 82, 83, 84, 85, 86, 87].map((i) => dhtNode(700 + i, addr(i))));
    good = nodes;
    const relays = new RelayRecord(engine.onion.ctx);
    const set = new PathSet(engine.onion.ctx, 'test', relays);
    const proven = nodes.slice(0, 3);
    relays.proved(proven);
    // 3 draws in 4 take a proven relay while one is left: most hops are proven ones.
    const hops = buildPaths(set, 100).flatMap((p) => p.hops);
    const provenShare = hops.filter((h) => proven.some((n) => equalBytes(n.pk, h.pk))).length / hops.length;
    expect(provenShare).toBeGreaterThan(0.6);

    // A path with 1 unproven hop asks a proven node twice and never hears back: blame on that hop's host.
    engine.now += ONION_PATH_FIRST_TIMEOUT_MS;
    let p = set.use(1)!;
    while (p.hops.filter((h) => !relays.isProven(toHex(h.pk))).length !== 1) {
      set.use(1);
      engine.now += ONION_PATH_FIRST_TIMEOUT_MS;
      p = set.use(1)!;
    }
    p.unansweredBy.add(proven[0]!.pkHex);
    set.use(1, { asking: proven[0]!.pkHex });
    engine.now += ONION_PATH_FIRST_TIMEOUT_MS;
    set.expire(engine.now);
    const culprit = p.hops.find((h) => !relays.isProven(toHex(h.pk)))!;
    expect(relays.failuresOf(hostKey(culprit.ipPort))).toBe(1);
    expect(relays.stats().failedHosts).toBe(1);
    expect(engine.counters.get('onion.path_failed')).toBe(1);

    // A path that dies asking a node that never answered anyone is not blamed (the silence may be that node's).
    const stranger = nodes[7]!;
    set.use(2, { asking: stranger.pkHex });
    set.use(2, { asking: stranger.pkHex });
    engine.now += ONION_PATH_FIRST_TIMEOUT_MS;
    set.expire(engine.now);
    expect(engine.counters.get('onion.path_failed')).toBe(1);
  });

  it('a failed host is drawn last: only when no proven or untried host is left', async () => {
    const nodes = await Promise.all([90, 91, 92, 93].map((i) => dhtNode(700 + i, addr(i))));
    good = nodes;
    const relays = new RelayRecord(engine.onion.ctx);
    relays.failed([nodes[3]!]);
    const paths = buildPaths(new PathSet(engine.onion.ctx, 'test', relays), 50);
    for (const p of paths) expect(p.hops.some((h) => equalBytes(h.pk, nodes[3]!.pk))).toBe(false);
    good = nodes.slice(2); // two hosts left, one of them failed: it is used (distinct hosts first), keys repeat after
    const few = buildPaths(new PathSet(engine.onion.ctx, 'test', relays), 10);
    for (const p of few) expect(p.hops.some((h) => equalBytes(h.pk, nodes[3]!.pk))).toBe(true);
  });
});
