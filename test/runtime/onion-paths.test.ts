/**
 * Onion paths of the client (runtime/onion/paths.ts, tox-protocol.md §3.3): built from the
 * DHT's good nodes with replacement, layer 1 under our DHT key; a path that never answered
 * dies 4 s after its 4th unanswered use (it starts at 2), one that answered after 10 s, and
 * every path after 1200 s; ids keep their slot.
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
import { PathSet } from '../../runtime/onion/paths.js';
import { hostKey } from '../../runtime/dht/hosts.js';
import { addr, keyPair, onionEngine } from './onion-helpers.js';

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
    const set = new PathSet(engine, 'test');
    const p = set.use(null)!;
    expect(p.hops.map((h) => toHex(h.pk))).toEqual([good[0]!.pkHex, good[0]!.pkHex, good[0]!.pkHex]);
    expect(equalBytes(p.codec.publicKey1, engine.keys.dht.publicKey)).toBe(true);
    expect(equalBytes(p.codec.sharedKey1, engine.keys.dhtShared(good[0]!.pk))).toBe(true);
    expect(equalBytes(p.codec.publicKey2, p.codec.publicKey3)).toBe(false);
    good = [];
    expect(new PathSet(engine, 'empty').use(null)).toBeNull();
  });

  it('a path that never answers dies 4 s after its second use; one that answered, 10 s after its fourth unanswered use', () => {
    const set = new PathSet(engine, 'test');
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
    const set = new PathSet(engine, 'test');
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
});
