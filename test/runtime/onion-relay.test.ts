/**
 * The onion relay (runtime/onion/relay.ts) walked hop by hop: a client-built 0x80 through
 * relays A → B → C to announce node D and D's answer back to the client; the exit rule; the
 * size rules; unauthenticated layers and blobs; the 2 h return-key renewal.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, equalBytes, type Bytes } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { equalIpPort, formatIpPort } from '../../protocol/ip-port.js';
import {
  decodeAnnounceResponseHeader,
  encodeOnionResponse,
  openAnnounceResponse,
  sealAnnounceRequest,
  sealOnionRequest,
  type OnionPath,
} from '../../protocol/onion/index.js';
import { ONION_KEY_REFRESH_INTERVAL_MS } from '../../runtime/onion/constants.js';
import type { KeyPair } from '../../runtime/keys.js';
import { addr, hand, keyPair, onionEngine, type TestNode } from './onion-helpers.js';

let crypto: Crypto;
let A: TestNode, B: TestNode, C: TestNode, D: TestNode;
let clientDht: KeyPair, announcer: KeyPair, pair2: KeyPair, pair3: KeyPair;
const client = addr(200);

beforeAll(async () => {
  crypto = await loadCrypto();
  const n = await Promise.all([1, 2, 3, 4].map((i) => onionEngine(100 + i, addr(i))));
  [A, B, C, D] = [n[0]!, n[1]!, n[2]!, n[3]!];
  const k = await Promise.all([201, 202, 203, 204].map((s) => keyPair(s)));
  [clientDht, announcer, pair2, pair3] = [k[0]!, k[1]!, k[2]!, k[3]!];
});

function path(): OnionPath {
  return {
    publicKey1: clientDht.publicKey,
    sharedKey1: crypto.precompute(A.engine.keys.dht.publicKey, clientDht.secretKey),
    ipPort2: B.address,
    publicKey2: pair2.publicKey,
    sharedKey2: crypto.precompute(B.engine.keys.dht.publicKey, pair2.secretKey),
    ipPort3: C.address,
    publicKey3: pair3.publicKey,
    sharedKey3: crypto.precompute(C.engine.keys.dht.publicKey, pair3.secretKey),
  };
}

const SENDBACK = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

function announceRequest(): Bytes {
  return sealAnnounceRequest(crypto, crypto.precompute(D.engine.keys.dht.publicKey, announcer.secretKey), announcer.publicKey, new Uint8Array(24).fill(9), {
    pingId: new Uint8Array(32),
    searchedPk: announcer.publicKey,
    dataPk: new Uint8Array(32).fill(7),
    sendback: SENDBACK,
  });
}

function only(out: { to: { ip: string; port: number; family: 'ipv4' | 'ipv6' }; data: Bytes }[]): { to: string; data: Bytes } {
  expect(out).toHaveLength(1);
  return { to: formatIpPort(out[0]!.to), data: out[0]!.data };
}

describe('onion relay', () => {
  it('carries an announce request through 3 hops to D and D’s answer back to the client as a raw 0x84', () => {
    const req = announceRequest();
    const p0 = sealOnionRequest(crypto, path(), new Uint8Array(24).fill(3), D.address, req);
    expect(p0.length).toBe(226 + req.length);

    const p1 = only(hand(A, 0, client, p0));
    expect(p1.to).toBe(formatIpPort(B.address));
    expect(p1.data[0]).toBe(0x81);
    expect(p1.data.length).toBe(218 + req.length);

    const p2 = only(hand(B, 10, A.address, p1.data));
    expect(p2.to).toBe(formatIpPort(C.address));
    expect(p2.data[0]).toBe(0x82);
    expect(p2.data.length).toBe(210 + req.length);

    const exit = only(hand(C, 20, B.address, p2.data));
    expect(exit.to).toBe(formatIpPort(D.address));
    expect(exit.data.length).toBe(354);
    expect(equalBytes(exit.data.subarray(0, req.length), req)).toBe(true);

    const r3 = only(hand(D, 30, C.address, exit.data));
    expect(r3.to).toBe(formatIpPort(C.address));
    expect(r3.data[0]).toBe(0x8c);
    const r2 = only(hand(C, 40, D.address, r3.data));
    expect(r2.to).toBe(formatIpPort(B.address));
    expect(r2.data[0]).toBe(0x8d);
    const r1 = only(hand(B, 50, C.address, r2.data));
    expect(r1.to).toBe(formatIpPort(A.address));
    expect(r1.data[0]).toBe(0x8e);
    const raw = only(hand(A, 60, B.address, r1.data));
    expect(raw.to).toBe(formatIpPort(client));
    expect(raw.data[0]).toBe(0x84);

    const h = decodeAnnounceResponseHeader(raw.data);
    expect(h.ok).toBe(true);
    if (!h.ok) return;
    expect(equalBytes(h.value.sendback, SENDBACK)).toBe(true);
    const res = openAnnounceResponse(crypto, crypto.precompute(D.engine.keys.dht.publicKey, announcer.secretKey), h.value);
    expect(res.ok && res.value.isStored).toBe(0);
    for (const n of [A, B, C]) expect(n.engine.counters.sum('drop.')).toBe(0);
    expect(A.engine.counters.get('onion.relayed_request_0')).toBeGreaterThanOrEqual(1);
    expect(C.engine.counters.get('onion.relayed_request_2')).toBeGreaterThanOrEqual(1);
  });

  it('the exit relay forwards only 0x83 and 0x85 payloads', () => {
    const payload = concat(Uint8Array.of(0x84), new Uint8Array(100));
    const p0 = sealOnionRequest(crypto, path(), new Uint8Array(24).fill(4), D.address, payload);
    const p1 = only(hand(A, 0, client, p0));
    const p2 = only(hand(B, 0, A.address, p1.data));
    expect(hand(C, 0, B.address, p2.data)).toEqual([]);
    expect(C.engine.counters.get('drop.onion.exit_payload_refused')).toBe(1);
  });

  it('drops packets outside the size rules and layers or blobs that do not authenticate, counting each', async () => {
    const R = await onionEngine(300, addr(30));
    expect(hand(R, 0, client, new Uint8Array(226).fill(0x80).fill(0, 1))).toEqual([]); // not more than 226
    expect(hand(R, 0, client, concat(Uint8Array.of(0x80), new Uint8Array(1400)))).toEqual([]); // over 1400
    expect(R.engine.counters.get('drop.onion.request_malformed')).toBe(2);

    const good = sealOnionRequest(crypto, path(), new Uint8Array(24).fill(5), D.address, announceRequest());
    // R is not A: its DHT key does not open layer 1.
    expect(hand(R, 0, client, good)).toEqual([]);
    const flipped = good.slice();
    flipped[100]! ^= 1;
    expect(hand(A, 0, client, flipped)).toEqual([]);
    expect(R.engine.counters.get('drop.onion.request_invalid')).toBe(1);
    expect(A.engine.counters.get('drop.onion.request_invalid')).toBe(1);

    expect(hand(R, 0, client, concat(Uint8Array.of(0x8e), new Uint8Array(59)))).toEqual([]); // not more than 60
    const forged = encodeOnionResponse(3, new Uint8Array(177).fill(1), concat(Uint8Array.of(0x84), new Uint8Array(90)));
    expect(hand(R, 0, client, forged)).toEqual([]);
    const wrongPayload = concat(Uint8Array.of(0x8d), new Uint8Array(118), Uint8Array.of(0x83), new Uint8Array(10));
    expect(hand(R, 0, client, wrongPayload)).toEqual([]);
    expect(R.engine.counters.get('drop.onion.response_malformed')).toBe(2);
    expect(R.engine.counters.get('drop.onion.response_invalid')).toBe(1);
    expect(R.engine.counters.get('error.handler')).toBe(0);
  });

  it('a return blob stays valid across one 2 h key renewal, not two', async () => {
    const R = await onionEngine(400, addr(40));
    const p0 = sealOnionRequest(
      crypto,
      { ...path(), sharedKey1: crypto.precompute(R.engine.keys.dht.publicKey, clientDht.secretKey) },
      new Uint8Array(24).fill(6),
      D.address,
      announceRequest(),
    );
    const p1 = only(hand(R, 0, client, p0));
    const return1 = p1.data.subarray(p1.data.length - 59);
    const answer = encodeOnionResponse(1, return1, concat(Uint8Array.of(0x84), new Uint8Array(81)));

    const back = hand(R, 1000, B.address, answer);
    expect(back).toHaveLength(1);
    expect(equalIpPort(back[0]!.to, client)).toBe(true);

    const afterOne = hand(R, ONION_KEY_REFRESH_INTERVAL_MS + 1, B.address, answer);
    expect(afterOne).toHaveLength(1);
    expect(R.engine.counters.get('onion.relay_key_renewed')).toBe(1);

    expect(hand(R, 2 * ONION_KEY_REFRESH_INTERVAL_MS + 2, B.address, answer)).toEqual([]);
    expect(R.engine.counters.get('onion.relay_key_renewed')).toBe(2);
    expect(R.engine.counters.get('drop.onion.response_invalid')).toBe(1);
  });
});
