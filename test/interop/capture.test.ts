/**
 * Checks the committed golden capture (test/fixtures/captures/, made by make-golden-capture.ts) is
 * what its README says: a well-formed loopback-only pcap of the scenario, consistent with the
 * peers' events and savedata. Needs no c-toxcore, so it runs everywhere.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { LINKTYPE_IPV4, parseIpv4Udp, readPcap } from './pcap-writer.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'captures');
const PREFIX = 'ctoxcore-0.2.18';
const MAX_CAPTURE_BYTES = 1_100_000;

interface Datagram {
  timeUs: bigint;
  src: { ip: string; port: number };
  dst: { ip: string; port: number };
  payload: Uint8Array;
}
interface EventLine {
  at: number;
  peer: string;
  event: string;
  [k: string]: unknown;
}
interface Keys {
  pk: Uint8Array;
  sk: Uint8Array;
  name: string;
}

/** Minimal walk of c-toxcore savedata (docs/protocol.md §8): NOSPAMKEYS (1) and NAME (4). */
function savedataKeys(file: Uint8Array): Keys {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  expect(v.getUint32(0, true)).toBe(0);
  expect(v.getUint32(4, true)).toBe(0x15ed1b1f);
  let o = 8;
  let keys: { pk: Uint8Array; sk: Uint8Array } | undefined;
  let name = '';
  while (o + 8 <= file.length) {
    const len = v.getUint32(o, true);
    const type = v.getUint16(o + 4, true);
    expect(v.getUint16(o + 6, true)).toBe(0x01ce);
    const body = file.subarray(o + 8, o + 8 + len);
    if (type === 1) keys = { pk: body.slice(4, 36), sk: body.slice(36, 68) };
    if (type === 4) name = Buffer.from(body).toString('utf8');
    if (type === 255) break;
    o += 8 + len;
  }
  if (keys === undefined) throw new Error('no NOSPAMKEYS section');
  return { ...keys, name };
}

let datagrams: Datagram[] = [];
let fileSize = 0;
let linktype = 0;
let events: EventLine[] = [];
let alice: Keys;
let bob: Keys;
let crypto: Crypto;

function identity(peer: string): EventLine {
  const e = events.find((x) => x.peer === peer && x.event === 'ready');
  if (e === undefined) throw new Error(`no ready event for ${peer}`);
  return e;
}

beforeAll(async () => {
  const file = new Uint8Array(await readFile(path.join(DIR, `${PREFIX}-loopback.pcap`)));
  fileSize = file.length;
  const r = readPcap(file);
  if (!r.ok) throw new Error(r.error);
  linktype = r.value.linktype;
  datagrams = r.value.records.map((rec) => {
    const p = parseIpv4Udp(rec.data);
    if (!p.ok) throw new Error(p.error);
    return { timeUs: rec.timeUs, ...p.value };
  });
  const text = await readFile(path.join(DIR, `${PREFIX}-loopback.events.jsonl`), 'utf8');
  events = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EventLine);
  alice = savedataKeys(new Uint8Array(await readFile(path.join(DIR, `${PREFIX}-alice.tox`))));
  bob = savedataKeys(new Uint8Array(await readFile(path.join(DIR, `${PREFIX}-bob.tox`))));
  crypto = await loadCrypto();
});

describe('golden capture ctoxcore-0.2.18-loopback', () => {
  it('is a small LINKTYPE_IPV4 pcap of checksummed loopback UDP, in time order, each datagram once', () => {
    expect(linktype).toBe(LINKTYPE_IPV4);
    expect(fileSize).toBeLessThanOrEqual(MAX_CAPTURE_BYTES);
    expect(datagrams.length).toBeGreaterThan(100);
    const ports = new Set([identity('alice')['port'], identity('bob')['port']]);
    const seen = new Set<string>();
    let last = 0n;
    for (const d of datagrams) {
      expect(d.src.ip).toBe('127.0.0.1');
      expect(d.dst.ip).toBe('127.0.0.1');
      expect(ports.has(d.src.port)).toBe(true);
      expect(d.timeUs >= last).toBe(true);
      last = d.timeUs;
      const key = `${d.timeUs}|${d.src.port}|${d.dst.port}|${toHex(d.payload)}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  });

  it('holds every stage of the scenario: DHT, onion announce and data, cookie, handshake, crypto data', () => {
    const ids = new Set(datagrams.map((d) => d.payload[0]));
    for (const id of [0x02, 0x04, 0x83, 0x84, 0x85, 0x86, 0x18, 0x19, 0x1a, 0x1b]) expect(ids.has(id), `0x${id.toString(16)}`).toBe(true);
    // Fixed sizes from docs/protocol.md §2.2 and §4.2.
    for (const d of datagrams) {
      if (d.payload[0] === 0x02) expect(d.payload.length).toBe(113);
      if (d.payload[0] === 0x00 || d.payload[0] === 0x01) expect(d.payload.length).toBe(82);
      if (d.payload[0] === 0x1a) expect(d.payload.length).toBe(385);
    }
  });

  it('carries each peer’s DHT key (from its ready event) as the sender key of its DHT packets', () => {
    for (const peer of ['alice', 'bob']) {
      const id = identity(peer);
      const dht = datagrams.filter((d) => d.src.port === id['port'] && (d.payload[0] === 0x02 || d.payload[0] === 0x04));
      expect(dht.length).toBeGreaterThan(0);
      for (const d of dht) expect(toHex(d.payload.subarray(1, 33)).toUpperCase()).toBe(id['dhtpk']);
    }
  });

  it('comes with savedata whose secret keys match the peers’ Tox IDs', () => {
    expect(toHex(crypto.publicKeyFromSecret(alice.sk))).toBe(toHex(alice.pk));
    expect(toHex(crypto.publicKeyFromSecret(bob.sk))).toBe(toHex(bob.pk));
    expect(toHex(alice.pk).toUpperCase()).toBe(identity('alice')['pk']);
    expect(toHex(bob.pk).toUpperCase()).toBe(identity('bob')['pk']);
    expect(alice.name).toBe('Alice (renamed)');
    expect(bob.name).toBe('Bob');
  });

  it('lets the savedata open every handshake (real-key box, SHA-512 of the outer cookie inside)', () => {
    const shared = crypto.precompute(bob.pk, alice.sk); // symmetric: shared(A sk, B pk) = shared(B sk, A pk)
    const handshakes = datagrams.filter((d) => d.payload[0] === 0x1a);
    expect(handshakes.length).toBeGreaterThanOrEqual(2);
    for (const h of handshakes) {
      const cookie = h.payload.subarray(1, 113);
      const nonce = h.payload.subarray(113, 137);
      const plain = crypto.open(shared, nonce, h.payload.subarray(137));
      expect(plain).not.toBeNull();
      expect(plain?.length).toBe(24 + 32 + 64 + 112);
      expect(toHex(plain!.subarray(56, 120))).toBe(toHex(crypto.sha512(cookie)));
    }
  });

  it('agrees with the recorded events: request, both sides online over UDP, messages, rename, Bob leaving', () => {
    const has = (peer: string, pred: (e: EventLine) => boolean): boolean => events.some((e) => e.peer === peer && pred(e));
    expect(has('alice', (e) => e.event === 'friend_request' && e['message'] === 'Hello Alice, this is Bob')).toBe(true);
    expect(has('alice', (e) => e.event === 'friend_connection' && e['status'] === 'udp')).toBe(true);
    expect(has('bob', (e) => e.event === 'friend_connection' && e['status'] === 'udp')).toBe(true);
    expect(has('alice', (e) => e.event === 'message' && e['text'] === 'Hi Alice!')).toBe(true);
    expect(has('bob', (e) => e.event === 'message' && e['text'] === 'Hi Bob!')).toBe(true);
    expect(has('alice', (e) => e.event === 'message' && e['text'] === 'waves' && e['type'] === 'action')).toBe(true);
    expect(has('bob', (e) => e.event === 'friend_name' && e['name'] === 'Alice (renamed)')).toBe(true);
    expect(has('alice', (e) => e.event === 'friend_connection' && e['status'] === 'none')).toBe(true);
    // Handshakes happen around the time both sides report the friend online.
    const online = events.find((e) => e.peer === 'bob' && e.event === 'friend_connection' && e['status'] === 'udp');
    const firstHandshake = datagrams.find((d) => d.payload[0] === 0x1a);
    const t0 = datagrams[0]!.timeUs;
    expect(Math.abs(Number(firstHandshake!.timeUs - t0) / 1e6 - (online?.at ?? -100))).toBeLessThan(1);
  });
});
