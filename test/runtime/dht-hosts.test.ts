/**
 * Keys per host (runtime/dht/hosts.ts, issue 13 item 4): what one IP address with many DHT keys
 * can take in the DHT's close list and search lists, in the nodes we hand out, and in the onion
 * client's announce lists; loopback addresses count per IP and port; a new key answering from a
 * known node's address replaces it (c-toxcore's one key per IP:port).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex, type Bytes } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { decodeDhtHeader, openNodesRequest, sealNodesResponse } from '../../protocol/dht/index.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { bucketIndex } from '../../protocol/keys.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import { SimNetwork } from '../../runtime/adapters/sim-network.js';
import {
  DHT_KEYS_PER_HOST_CLOSE,
  DHT_KEYS_PER_HOST_PER_BUCKET,
  DHT_KEYS_PER_HOST_PER_SEARCH,
} from '../../runtime/dht/dht.js';
import { hostKey } from '../../runtime/dht/hosts.js';
import type { Engine } from '../../runtime/engine.js';
import { generateKeyPair, type KeyPair } from '../../runtime/keys.js';
import { ONION_NODES_PER_HOST } from '../../runtime/onion/constants.js';
import { seededRandom } from '../../runtime/random.js';
import { makeEngine } from './helpers.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const at = (ip: string, port: number): IpPort => ({ family: ip.includes(':') ? 'ipv6' : 'ipv4', ip, port });

/** `key` at `from` answers a nodes request of `e` (asked now), naming `nodes`. */
function answer(e: Engine, key: KeyPair, from: IpPort, nodes: PackedNode[] = [], target: Bytes = e.keys.dht.publicKey): void {
  e.dht.sendNodesRequest(key.publicKey, from, target);
  const req = e.takeTransmits().at(-1)!;
  const h = decodeDhtHeader(req.data);
  if (!h.ok) throw new Error(h.error);
  const shared = crypto.precompute(e.keys.dht.publicKey, key.secretKey);
  const q = openNodesRequest(crypto, shared, h.value);
  if (!q.ok) throw new Error(q.error);
  const r = seededRandom(key.publicKey[0]!);
  e.handleDatagram(e.now, from, sealNodesResponse(crypto, shared, key.publicKey, r.bytes(24), { nodes, pingId: q.value.pingId }));
  e.takeTransmits();
}

function keys(n: number, seed: number): KeyPair[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => generateKeyPair(crypto, r));
}

describe('hosts', () => {
  it('a host is the IP (IPv4-mapped folded), or the IP and port on loopback', () => {
    expect(hostKey(at('203.0.113.7', 1))).toBe(hostKey(at('203.0.113.7', 2)));
    expect(hostKey(at('::ffff:203.0.113.7', 3))).toBe(hostKey(at('203.0.113.7', 4)));
    expect(hostKey(at('2001:db8::1', 1))).toBe(hostKey(at('2001:db8::1', 2)));
    expect(hostKey(at('2001:db8::1', 1))).not.toBe(hostKey(at('2001:db8::2', 1)));
    expect(hostKey(at('127.0.0.1', 1))).not.toBe(hostKey(at('127.0.0.1', 2)));
    expect(hostKey(at('::1', 1))).not.toBe(hostKey(at('::1', 2)));
  });
});

describe('DHT keys per host', () => {
  it(`30 keys answering from one IP take at most ${DHT_KEYS_PER_HOST_PER_BUCKET} places per bucket and ${DHT_KEYS_PER_HOST_CLOSE} in the close list`, async () => {
    const e = await makeEngine(9100);
    e.start(0);
    e.takeTransmits();
    const many = keys(30, 9101);
    many.forEach((k, i) => answer(e, k, at('203.0.113.7', 40_000 + i)));
    const close = e.dht.closeNodes();
    expect(close).toHaveLength(DHT_KEYS_PER_HOST_CLOSE);
    const perBucket = new Map<number, number>();
    for (const n of close) perBucket.set(bucketIndex(e.keys.dht.publicKey, n.pk), (perBucket.get(bucketIndex(e.keys.dht.publicKey, n.pk)) ?? 0) + 1);
    expect(Math.max(...perBucket.values())).toBeLessThanOrEqual(DHT_KEYS_PER_HOST_PER_BUCKET);
    expect(e.counters.get('dht.host_limit')).toBeGreaterThan(0);
    // Other hosts still get in.
    const other = keys(1, 9102)[0]!;
    answer(e, other, at('198.51.100.1', 33445));
    expect(e.dht.findClose(toHex(other.publicKey))).toBeDefined();
  });

  it('keys on 127.0.0.1 at distinct ports are distinct hosts (every local test network)', async () => {
    const e = await makeEngine(9110);
    e.start(0);
    const many = keys(12, 9111);
    many.forEach((k, i) => answer(e, k, at('127.0.0.1', 40_000 + i)));
    // Only the buckets' own bound (8) applies: keys in bucket 0 beyond 8 are refused.
    const inBucket0 = many.filter((k) => bucketIndex(e.keys.dht.publicKey, k.publicKey) === 0).length;
    expect(e.dht.closeNodes().length).toBe(12 - Math.max(0, inBucket0 - 8));
    expect(e.counters.get('dht.host_limit')).toBe(0);
  });

  it('a nodes answer naming port 0 (no address, c-toxcore ipport_isset) is dropped: the node is never asked', async () => {
    const e = await makeEngine(9115);
    e.start(0);
    e.takeTransmits();
    const [asker, named] = keys(2, 9116);
    answer(e, asker!, at('127.0.0.1', 40_100), [{ transport: 'udp', ipPort: at('127.0.0.1', 0), publicKey: named!.publicKey }]);
    expect(e.counters.get('drop.dht.node_port_zero')).toBe(1);
    expect(e.takeTransmits().filter((t) => t.to.port === 0)).toHaveLength(0);
    expect(e.dht.findAny(toHex(named!.publicKey))).toBeUndefined();
  });

  it('a new key answering from the address of a close-list node replaces it', async () => {
    const e = await makeEngine(9120);
    e.start(0);
    const [old, fresh] = keys(2, 9121);
    const addr = at('127.0.0.1', 40_100);
    answer(e, old!, addr);
    expect(e.dht.findClose(toHex(old!.publicKey))).toBeDefined();
    answer(e, fresh!, addr);
    expect(e.dht.findClose(toHex(old!.publicKey))).toBeUndefined();
    expect(e.dht.findClose(toHex(fresh!.publicKey))).toBeDefined();
    expect(e.counters.get('dht.address_new_key')).toBe(1);
  });

  it(`a search list holds at most ${DHT_KEYS_PER_HOST_PER_SEARCH} keys of one host, the closest to the searched key`, async () => {
    const e = await makeEngine(9130);
    e.start(0);
    const target = keys(1, 9131)[0]!.publicKey;
    e.dht.search('aa'.repeat(32), toHex(target));
    e.takeTransmits();
    const many = keys(10, 9132);
    many.forEach((k, i) => answer(e, k, at('203.0.113.8', 40_000 + i), [], target));
    const inList = e.dht.searchNodes(toHex(target));
    expect(inList).toHaveLength(DHT_KEYS_PER_HOST_PER_SEARCH);
    const byDistance = [...many].sort((a, b) => compare(target, a.publicKey, b.publicKey)).slice(0, DHT_KEYS_PER_HOST_PER_SEARCH);
    expect(inList.map((n) => n.pkHex).sort()).toEqual(byDistance.map((k) => toHex(k.publicKey)).sort());
  });

  it('the nodes we hand out hold one key per host', async () => {
    const e = await makeEngine(9140);
    e.start(0);
    keys(6, 9141).forEach((k, i) => answer(e, k, at('127.0.0.1', 41_000 + i)));
    keys(10, 9142).forEach((k, i) => answer(e, k, at('203.0.113.9', 40_000 + i)));
    for (const target of keys(8, 9143)) {
      const out = e.dht.closest(target.publicKey, 4);
      expect(out).toHaveLength(4);
      expect(new Set(out.map((n) => n.host)).size).toBe(4);
    }
  });
});

describe('onion announce lists per host', () => {
  it(`the keys of one IP (full toxstate nodes that answer announces) take at most ${ONION_NODES_PER_HOST} places in the self-announce list`, async () => {
    const sim = new SimNetwork({ seed: 9150, latencyMs: 10 });
    const honest = [];
    for (let i = 0; i < 5; i++) honest.push(sim.add(await makeEngine(9150 + i)));
    const sameIp = [];
    for (let i = 0; i < 10; i++) sameIp.push(sim.add(await makeEngine(9160 + i), at('203.0.113.10', 40_000 + i)));
    const first = honest[0]!;
    for (const n of [...honest.slice(1), ...sameIp]) n.engine.bootstrap(sim.now, first.address, first.engine.keys.dht.publicKey);
    sim.flush();
    sim.runFor(120_000);
    // Without the bound they took 3 to 5 of the 7 to 10 places (seeded run).
    const ofTheIp = honest.map((n) => n.engine.onion.selfNodes().filter((x) => x.ipPort.ip === '203.0.113.10').length);
    expect(ONION_NODES_PER_HOST).toBe(2);
    expect(Math.max(...ofTheIp)).toBe(2);
    for (const n of honest) {
      expect(n.engine.onion.selfNodes().length).toBeGreaterThanOrEqual(4);
      expect(n.engine.counters.get('error.handler')).toBe(0);
    }
  });
});

function compare(target: Bytes, a: Bytes, b: Bytes): number {
  for (let i = 0; i < 32; i++) {
    const da = target[i]! ^ a[i]!;
    const db = target[i]! ^ b[i]!;
    if (da !== db) return da - db;
  }
  return 0;
}
