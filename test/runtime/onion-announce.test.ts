/**
 * The announce node (runtime/onion/announce-server.ts), fed 354-byte announce requests as exit
 * relay C delivers them: every is_stored case of docs/protocol.md §3.4, the ping_id window and
 * its binding to the source, the 160-entry store and its replacement rule, expiry at 300 s,
 * and 0x85 data requests turned into 0x86 along the stored return path.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { equalIpPort, type IpPort } from '../../protocol/ip-port.js';
import { xorDistanceCompare } from '../../protocol/keys.js';
import {
  decodeAnnounceResponseHeader,
  decodeOnionResponse,
  openAnnounceResponse,
  sealAnnounceRequest,
  sealOnionDataRequest,
  type AnnounceResponse,
} from '../../protocol/onion/index.js';
import { ONION_ANNOUNCE_MAX_ENTRIES, ONION_ANNOUNCE_TIMEOUT_MS } from '../../runtime/onion/constants.js';
import { generateKeyPair, type KeyPair } from '../../runtime/keys.js';
import { hostKey } from '../../runtime/dht/hosts.js';
import { seededRandom } from '../../runtime/random.js';
import { addr, hand, onionEngine, type TestNode } from './onion-helpers.js';

let crypto: Crypto;
const C1 = addr(11);
const C2 = addr(12);
const ZERO = new Uint8Array(32);

beforeAll(async () => {
  crypto = await loadCrypto();
});

interface Announce {
  sender: KeyPair;
  searched: Bytes;
  dataPk: Bytes;
  pingId?: Bytes;
  from?: IpPort;
  ret?: Bytes;
}

/** Sends one announce request into D as C delivers it and opens D's 0x84. */
function announce(D: TestNode, now: number, a: Announce): AnnounceResponse & { to: IpPort; ret: Bytes } {
  const from = a.from ?? C1;
  const ret = a.ret ?? new Uint8Array(177).fill(0x33);
  const shared = crypto.precompute(D.engine.keys.dht.publicKey, a.sender.secretKey);
  const req = sealAnnounceRequest(crypto, shared, a.sender.publicKey, D.engine.random.bytes(24), {
    pingId: a.pingId ?? ZERO,
    searchedPk: a.searched,
    dataPk: a.dataPk,
    sendback: Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1),
  });
  const out = hand(D, now, from, concat(req, ret));
  expect(out).toHaveLength(1);
  const r = decodeOnionResponse(out[0]!.data);
  if (!r.ok) throw new Error(r.error);
  expect(r.value.level).toBe(3);
  expect(equalBytes(r.value.returnBlob, ret)).toBe(true);
  const h = decodeAnnounceResponseHeader(r.value.data);
  if (!h.ok) throw new Error(h.error);
  expect(equalBytes(h.value.sendback, Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1))).toBe(true);
  const res = openAnnounceResponse(crypto, shared, h.value);
  if (!res.ok) throw new Error(res.error);
  return { ...res.value, to: out[0]!.to, ret };
}

/** Announces with a fresh ping_id: ask for one, then announce with it. */
function store(D: TestNode, now: number, sender: KeyPair, dataPk: Bytes, from: IpPort = C1): AnnounceResponse {
  const first = announce(D, now, { sender, searched: sender.publicKey, dataPk, from });
  return announce(D, now, { sender, searched: sender.publicKey, dataPk, from, pingId: first.pingIdOrDataPk });
}

async function pairs(n: number, seed: number): Promise<KeyPair[]> {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => generateKeyPair(crypto, random));
}

describe('announce node', () => {
  it('answers every is_stored case of §3.4', async () => {
    const D = await onionEngine(500, addr(5));
    const [alice, bob] = await pairs(2, 501);
    const dataA = new Uint8Array(32).fill(0xa1);

    // No entry: 0 and a ping_id, answered to C.
    const r0 = announce(D, 0, { sender: alice!, searched: alice!.publicKey, dataPk: dataA });
    expect(r0.isStored).toBe(0);
    expect(equalIpPort(r0.to, C1)).toBe(true);
    expect(equalBytes(r0.pingIdOrDataPk, ZERO)).toBe(false);

    // Valid ping_id: stored, 2 and a ping_id.
    const r2 = announce(D, 1000, { sender: alice!, searched: alice!.publicKey, dataPk: dataA, pingId: r0.pingIdOrDataPk });
    expect(r2.isStored).toBe(2);
    expect(D.engine.announceServer.entry(toHex(alice!.publicKey))).toBeDefined();

    // Own entry, no ping_id, same data key: 2 (the lookup by searched key finds our entry).
    expect(announce(D, 2000, { sender: alice!, searched: alice!.publicKey, dataPk: dataA }).isStored).toBe(2);
    // Own entry, different data key: 0 with a ping_id.
    const rd = announce(D, 3000, { sender: alice!, searched: alice!.publicKey, dataPk: new Uint8Array(32).fill(0xa2) });
    expect(rd.isStored).toBe(0);
    expect(equalBytes(rd.pingIdOrDataPk, r0.pingIdOrDataPk)).toBe(true);

    // Someone else searching alice: 1 and alice's data key.
    const r1 = announce(D, 4000, { sender: bob!, searched: alice!.publicKey, dataPk: ZERO });
    expect(r1.isStored).toBe(1);
    expect(equalBytes(r1.pingIdOrDataPk, dataA)).toBe(true);
    // Searching someone not announced: 0.
    expect(announce(D, 5000, { sender: bob!, searched: bob!.publicKey, dataPk: ZERO }).isStored).toBe(0);
  });

  it('answers with the nodes its DHT gives as closest to the searched key (4, LAN allowed for a LAN source)', async () => {
    const D = await onionEngine(510, addr(5));
    const [alice] = await pairs(1, 511);
    const known = await pairs(4, 512);
    const asked: Array<{ target: string; count: number; lan: boolean | undefined }> = [];
    const dht = D.engine.dht;
    dht.closest = (target, count, opts = {}) => {
      asked.push({ target: toHex(target), count, lan: opts.lan });
      return known.map((k, i) => ({ pk: k.publicKey, pkHex: toHex(k.publicKey), ipPort: addr(60 + i), host: hostKey(addr(60 + i)), lastHeard: 0, lastAsked: 0, addedAt: 0 }));
    };
    const r = announce(D, 0, { sender: alice!, searched: alice!.publicKey, dataPk: ZERO });
    expect(asked).toEqual([{ target: toHex(alice!.publicKey), count: 4, lan: true }]);
    expect(r.nodes.map((n) => toHex(n.publicKey))).toEqual(known.map((k) => toHex(k.publicKey)));
    expect(r.nodes.every((n, i) => n.transport === 'udp' && equalIpPort(n.ipPort, addr(60 + i)))).toBe(true);
  });

  it('accepts a ping_id in its own and the next 300 s window, only from the source it was given to', async () => {
    const D = await onionEngine(520, addr(5));
    const [p, q, r] = await pairs(3, 521);
    const dataPk = new Uint8Array(32).fill(1);
    const pingP = announce(D, 0, { sender: p!, searched: p!.publicKey, dataPk }).pingIdOrDataPk;
    const pingQ = announce(D, 0, { sender: q!, searched: q!.publicKey, dataPk }).pingIdOrDataPk;
    const pingR = announce(D, 0, { sender: r!, searched: r!.publicKey, dataPk }).pingIdOrDataPk;
    // Window 0 is [0, 300 s); its ping_id is still good in window 1, [300 s, 600 s).
    expect(announce(D, 599_999, { sender: p!, searched: p!.publicKey, dataPk, pingId: pingP }).isStored).toBe(2);
    const late = announce(D, 600_000, { sender: q!, searched: q!.publicKey, dataPk, pingId: pingQ });
    expect(late.isStored).toBe(0);
    expect(equalBytes(late.pingIdOrDataPk, pingQ)).toBe(false);
    // Bound to C's address: through another exit relay it is not valid.
    expect(announce(D, 1000, { sender: r!, searched: r!.publicKey, dataPk, pingId: pingR, from: C2 }).isStored).toBe(0);
    expect(D.engine.announceServer.entry(toHex(r!.publicKey))).toBeUndefined();
  });

  it('keeps at most 160 entries; when full a new one replaces the farthest only if closer to its DHT key', async () => {
    const D = await onionEngine(530, addr(5));
    const own = D.engine.keys.dht.publicKey;
    const all = (await pairs(ONION_ANNOUNCE_MAX_ENTRIES + 20, 531)).sort((a, b) => xorDistanceCompare(own, a.publicKey, b.publicKey));
    const closest = all[0]!;
    const farthest = all[all.length - 1]!;
    const stored = all.slice(10, 10 + ONION_ANNOUNCE_MAX_ENTRIES);
    const dataPk = new Uint8Array(32).fill(2);
    for (const k of stored) expect(store(D, 0, k, dataPk).isStored).toBe(2);
    expect(D.engine.announceServer.size).toBe(ONION_ANNOUNCE_MAX_ENTRIES);

    expect(store(D, 1000, farthest, dataPk).isStored).toBe(0);
    expect(D.engine.counters.get('announce.store_full')).toBe(1);
    expect(D.engine.announceServer.entry(toHex(farthest.publicKey))).toBeUndefined();

    expect(store(D, 2000, closest, dataPk).isStored).toBe(2);
    expect(D.engine.counters.get('announce.store_replaced')).toBe(1);
    expect(D.engine.announceServer.size).toBe(ONION_ANNOUNCE_MAX_ENTRIES);
    expect(D.engine.announceServer.entry(toHex(stored[stored.length - 1]!.publicKey))).toBeUndefined();
    expect(D.engine.announceServer.entry(toHex(stored[0]!.publicKey))).toBeDefined();
  });

  it('forgets an entry 300 s after its last announce, on its own timer', async () => {
    const D = await onionEngine(540, addr(5));
    const [alice, bob] = await pairs(2, 541);
    const dataPk = new Uint8Array(32).fill(3);
    store(D, 10_000, alice!, dataPk);
    expect(D.engine.nextDeadline()).toEqual({ at: 10_000 + ONION_ANNOUNCE_TIMEOUT_MS, reason: 'announce entry expires (300 s)' });
    D.engine.handleTimeout(10_000 + ONION_ANNOUNCE_TIMEOUT_MS - 1);
    expect(announce(D, 10_000 + ONION_ANNOUNCE_TIMEOUT_MS - 1, { sender: bob!, searched: alice!.publicKey, dataPk: ZERO }).isStored).toBe(1);
    D.engine.handleTimeout(10_000 + ONION_ANNOUNCE_TIMEOUT_MS);
    expect(D.engine.announceServer.size).toBe(0);
    expect(D.engine.counters.get('announce.expired')).toBe(1);
    expect(D.engine.nextDeadline()).toBeNull();
    expect(announce(D, 10_000 + ONION_ANNOUNCE_TIMEOUT_MS, { sender: bob!, searched: alice!.publicKey, dataPk: ZERO }).isStored).toBe(0);
  });

  it('forwards a 0x85 for a stored key as 0x86 along the stored return path, and drops others', async () => {
    const D = await onionEngine(550, addr(5));
    const [alice, bob, alicesData, temp] = await pairs(4, 551);
    const ret = new Uint8Array(177).fill(0x44);
    const first = announce(D, 0, { sender: alice!, searched: alice!.publicKey, dataPk: alicesData!.publicKey, from: C2, ret });
    announce(D, 0, { sender: alice!, searched: alice!.publicKey, dataPk: alicesData!.publicKey, from: C2, ret, pingId: first.pingIdOrDataPk });

    const nonce = new Uint8Array(24).fill(5);
    const req = sealOnionDataRequest(crypto, {
      destRealPk: alice!.publicKey,
      nonce,
      tempPk: temp!.publicKey,
      outerSharedKey: crypto.precompute(alicesData!.publicKey, temp!.secretKey),
      senderRealPk: bob!.publicKey,
      innerSharedKey: crypto.precompute(alice!.publicKey, bob!.secretKey),
      data: Uint8Array.of(0x20, 1, 2, 3, 4, 0x68, 0x69),
    });
    const out = hand(D, 1000, C1, concat(req, new Uint8Array(177).fill(0x55)));
    expect(out).toHaveLength(1);
    expect(equalIpPort(out[0]!.to, C2)).toBe(true);
    const r = decodeOnionResponse(out[0]!.data);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(equalBytes(r.value.returnBlob, ret)).toBe(true);
    expect(r.value.data[0]).toBe(0x86);
    expect(equalBytes(r.value.data.subarray(1), req.subarray(33))).toBe(true);

    const toNobody = sealOnionDataRequest(crypto, {
      destRealPk: bob!.publicKey,
      nonce,
      tempPk: temp!.publicKey,
      outerSharedKey: crypto.precompute(alicesData!.publicKey, temp!.secretKey),
      senderRealPk: alice!.publicKey,
      innerSharedKey: crypto.precompute(bob!.publicKey, alice!.secretKey),
      data: Uint8Array.of(0x20, 1, 2, 3, 4, 0x68),
    });
    expect(hand(D, 1000, C1, concat(toNobody, new Uint8Array(177)))).toEqual([]);
    expect(D.engine.counters.get('drop.announce.data_no_entry')).toBe(1);
  });

  it('drops a request it accepted before (a replay, here with another return path): the entry keeps its return path and age', async () => {
    const D = await onionEngine(570, addr(5));
    const [alice, alicesData] = await pairs(2, 571);
    const first = announce(D, 0, { sender: alice!, searched: alice!.publicKey, dataPk: alicesData!.publicKey });
    const shared = crypto.precompute(D.engine.keys.dht.publicKey, alice!.secretKey);
    const req = sealAnnounceRequest(crypto, shared, alice!.publicKey, new Uint8Array(24).fill(9), {
      pingId: first.pingIdOrDataPk,
      searchedPk: alice!.publicKey,
      dataPk: alicesData!.publicKey,
      sendback: new Uint8Array(8),
    });
    const realRet = new Uint8Array(177).fill(0x61);
    expect(hand(D, 1000, C1, concat(req, realRet))).toHaveLength(1);
    const entry = D.engine.announceServer.entry(toHex(alice!.publicKey))!;
    expect(equalBytes(entry.ret, realRet)).toBe(true);
    // The same request again, from the same exit relay (its ping_id is still valid), with the attacker's return path.
    expect(hand(D, 2000, C1, concat(req, new Uint8Array(177).fill(0x66)))).toEqual([]);
    expect(D.engine.counters.get('drop.announce.request_replayed')).toBe(1);
    expect(equalBytes(entry.ret, realRet)).toBe(true);
    expect(entry.announcedAt).toBe(1000);
    // A new request with the same ping_id (what the announcer sends next) refreshes the entry.
    const next = announce(D, 3000, { sender: alice!, searched: alice!.publicKey, dataPk: alicesData!.publicKey, pingId: first.pingIdOrDataPk, ret: new Uint8Array(177).fill(0x62) });
    expect(next.isStored).toBe(2);
    expect(entry.ret[0]).toBe(0x62);
    expect(entry.announcedAt).toBe(3000);
  });

  it('counts and drops malformed and unauthenticated announce requests', async () => {
    const D = await onionEngine(560, addr(5));
    const [alice] = await pairs(1, 561);
    const req = sealAnnounceRequest(crypto, crypto.precompute(D.engine.keys.dht.publicKey, alice!.secretKey), alice!.publicKey, new Uint8Array(24), {
      pingId: ZERO,
      searchedPk: alice!.publicKey,
      dataPk: ZERO,
      sendback: new Uint8Array(8),
    });
    expect(hand(D, 0, C1, req)).toEqual([]); // 177 bytes: no return path (0.2.18 needs the 354-byte form)
    expect(hand(D, 0, C1, concat(req, new Uint8Array(176)))).toEqual([]);
    const bad = concat(req, new Uint8Array(177));
    bad[120]! ^= 0xff;
    expect(hand(D, 0, C1, bad)).toEqual([]);
    expect(hand(D, 0, C1, Uint8Array.of(0x85, 1, 2))).toEqual([]);
    expect(D.engine.counters.get('drop.announce.request_without_return')).toBe(1);
    expect(D.engine.counters.get('drop.announce.request_malformed')).toBe(1);
    expect(D.engine.counters.get('drop.announce.request_invalid')).toBe(1);
    expect(D.engine.counters.get('drop.announce.data_malformed')).toBe(1);
    expect(D.engine.counters.get('error.handler')).toBe(0);
  });
});
