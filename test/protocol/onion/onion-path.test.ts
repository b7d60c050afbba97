/**
 * onion/onion-request.ts and onion/onion-response.ts: a full walk of the
 * onion (docs/protocol.md §3.3) with real key pairs — client → A (0x80, 226+L)
 * → B (0x81, 218+L) → C (0x82, 210+L) → D ([payload][RETURN_3]) and back
 * D → C (0x8c) → B (0x8d) → A (0x8e) → client (raw R).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex, type Bytes } from '../../../protocol/bytes.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';
import type { IpPort } from '../../../protocol/ip-port.js';
import {
  ANNOUNCE_REQUEST_SIZE_BYTES,
  decodeAnnounceRequestHeader,
  openAnnounceRequest,
  sealAnnounceRequest,
} from '../../../protocol/onion/announce-request.js';
import {
  decodeAnnounceResponseHeader,
  openAnnounceResponse,
  sealAnnounceResponse,
} from '../../../protocol/onion/announce-response.js';
import { ONION_MAX_DATA_SIZE_BYTES } from '../../../protocol/onion/constants.js';
import {
  decodeOnionRequestHeader,
  openOnionLayer,
  relayOnionRequest,
  sealOnionRequest,
  type OnionPath,
} from '../../../protocol/onion/onion-request.js';
import { decodeOnionResponse, encodeOnionResponse, relayOnionResponse } from '../../../protocol/onion/onion-response.js';
import { unwrap } from '../../../protocol/result.js';
import { bytesBetween, expectResult, FUZZ_RUNS, key32, keyPair, nonce24, truncationsAndExtensions } from '../core/arbitraries.js';

const crypto = await loadCrypto();

// Nodes: the client (DHT key), relays A, B, C and announce node D (DHT keys).
const client = keyPair(crypto, 21);
const clientReal = keyPair(crypto, 22);
const A = keyPair(crypto, 23);
const B = keyPair(crypto, 24);
const C = keyPair(crypto, 25);
const D = keyPair(crypto, 26);
const path2 = keyPair(crypto, 27); // the path's random pair for layer 2
const path3 = keyPair(crypto, 28);
const addr = (last: number, port: number): IpPort => ({ family: 'ipv4', ip: `127.0.0.${last}`, port });
const clientAddr = addr(1, 33445);
const aAddr = addr(2, 33446);
const bAddr = addr(3, 33447);
const cAddr: IpPort = { family: 'ipv6', ip: '::1', port: 33448 };
const dAddr = addr(5, 33449);
const relayKey = { A: new Uint8Array(32).fill(0xa1), B: new Uint8Array(32).fill(0xb1), C: new Uint8Array(32).fill(0xc1) };

const path: OnionPath = {
  publicKey1: client.pk,
  sharedKey1: crypto.precompute(A.pk, client.sk),
  ipPort2: bAddr,
  publicKey2: path2.pk,
  sharedKey2: crypto.precompute(B.pk, path2.sk),
  ipPort3: cAddr,
  publicKey3: path3.pk,
  sharedKey3: crypto.precompute(C.pk, path3.sk),
};

/** Relays one request hop as node `me`, asserting the address it goes to. */
function hop(packet: Bytes, me: { sk: Bytes }, key: Bytes, source: IpPort, nonce: Bytes): { next: IpPort; packet: Bytes } {
  const h = unwrap(decodeOnionRequestHeader(packet));
  return unwrap(relayOnionRequest(crypto, { sharedKey: crypto.precompute(h.publicKey, me.sk), returnKey: key, returnNonce: nonce, source }, h));
}

describe('onion request path 0x80 → 0x81 → 0x82 → D', () => {
  it('carries any 0x83/0x85-led payload with the documented sizes and one nonce at every layer', () => {
    fc.assert(
      fc.property(
        nonce24,
        fc.tuple(nonce24, nonce24, nonce24),
        fc.constantFrom(0x83, 0x85),
        bytesBetween(0, 300),
        (nonce, [rn1, rn2, rn3], lead, rest) => {
          const payload = concat(Uint8Array.of(lead), rest);
          const L = payload.length;
          const p0 = sealOnionRequest(crypto, path, nonce, dAddr, payload);
          expect(p0.length).toBe(226 + L);
          expect(p0[0]).toBe(0x80);

          const toB = hop(p0, A, relayKey.A, clientAddr, rn1);
          expect(toB.next).toEqual(bAddr);
          expect(toB.packet.length).toBe(218 + L);
          expect(toB.packet[0]).toBe(0x81);

          const toC = hop(toB.packet, B, relayKey.B, aAddr, rn2);
          expect(toC.next).toEqual(cAddr);
          expect(toC.packet.length).toBe(210 + L);
          expect(toC.packet[0]).toBe(0x82);

          // The same nonce travels in the clear at every hop.
          for (const p of [p0, toB.packet, toC.packet]) expect(toHex(p.subarray(1, 25))).toBe(toHex(nonce));

          const toD = hop(toC.packet, C, relayKey.C, bAddr, rn3);
          expect(toD.next).toEqual(dAddr);
          expect(toD.packet.length).toBe(L + 177);
          expect(toHex(toD.packet.subarray(0, L))).toBe(toHex(payload));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('announce round trip: 0x83 through the onion, 0x84 back through 0x8c/0x8d/0x8e', () => {
    const sendback = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const kClientD = crypto.precompute(D.pk, clientReal.sk);
    const req = sealAnnounceRequest(crypto, kClientD, clientReal.pk, new Uint8Array(24).fill(4), {
      pingId: new Uint8Array(32),
      searchedPk: clientReal.pk,
      dataPk: new Uint8Array(32).fill(9),
      sendback,
    });
    expect(req.length).toBe(ANNOUNCE_REQUEST_SIZE_BYTES);
    const p0 = sealOnionRequest(crypto, path, new Uint8Array(24).fill(5), dAddr, req);
    expect(p0.length).toBe(403); // the 403-byte 0x80 seen from libtoxcore 0.2.18 (docs/protocol.md §3.3)
    const toB = hop(p0, A, relayKey.A, clientAddr, new Uint8Array(24).fill(6));
    const toC = hop(toB.packet, B, relayKey.B, aAddr, new Uint8Array(24).fill(7));
    const toD = hop(toC.packet, C, relayKey.C, bAddr, new Uint8Array(24).fill(8));
    expect(toD.packet.length).toBe(354);

    // D: open the request, answer through the RETURN_3 it came with.
    const h = unwrap(decodeAnnounceRequestHeader(toD.packet));
    const fields = unwrap(openAnnounceRequest(crypto, crypto.precompute(h.senderPk, D.sk), h));
    expect(toHex(fields.sendback)).toBe(toHex(sendback));
    const R = sealAnnounceResponse(crypto, crypto.precompute(h.senderPk, D.sk), fields.sendback, new Uint8Array(24).fill(1), {
      isStored: 0,
      pingIdOrDataPk: new Uint8Array(32).fill(0x33),
      nodes: [{ transport: 'udp', ipPort: dAddr, publicKey: D.pk }],
    });
    const r3 = encodeOnionResponse(3, h.returnBlob!, R);
    expect(r3.length).toBe(1 + 177 + R.length);

    const toBBack = unwrap(relayOnionResponse(crypto, relayKey.C, unwrap(decodeOnionResponse(r3))));
    expect(toBBack.next).toEqual(bAddr);
    expect(toBBack.packet[0]).toBe(0x8d);
    expect(toBBack.packet.length).toBe(1 + 118 + R.length);
    const toABack = unwrap(relayOnionResponse(crypto, relayKey.B, unwrap(decodeOnionResponse(toBBack.packet))));
    expect(toABack.next).toEqual(aAddr);
    expect(toABack.packet[0]).toBe(0x8e);
    expect(toABack.packet.length).toBe(1 + 59 + R.length);
    const toClient = unwrap(relayOnionResponse(crypto, relayKey.A, unwrap(decodeOnionResponse(toABack.packet))));
    expect(toClient.next).toEqual(clientAddr);
    expect(toHex(toClient.packet)).toBe(toHex(R));

    const rh = unwrap(decodeAnnounceResponseHeader(toClient.packet));
    expect(toHex(rh.sendback)).toBe(toHex(sendback));
    const resp = unwrap(openAnnounceResponse(crypto, kClientD, rh));
    expect(resp.isStored).toBe(0);
    expect(resp.nodes).toHaveLength(1);
  });

  it('the exit relay refuses payloads not led by 0x83 or 0x85', () => {
    const p0 = sealOnionRequest(crypto, path, new Uint8Array(24), dAddr, Uint8Array.of(0x87, 1, 2));
    const toB = hop(p0, A, relayKey.A, clientAddr, new Uint8Array(24));
    const toC = hop(toB.packet, B, relayKey.B, aAddr, new Uint8Array(24));
    const h = unwrap(decodeOnionRequestHeader(toC.packet));
    const r = openOnionLayer(crypto, crypto.precompute(h.publicKey, C.sk), h);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/0x87/);
  });

  it('the largest payload, 1174 bytes, makes a 1400-byte 0x80; 1175 or 0 bytes throw', () => {
    expect(ONION_MAX_DATA_SIZE_BYTES).toBe(1174);
    const big = new Uint8Array(1174);
    big[0] = 0x85;
    const p0 = sealOnionRequest(crypto, path, new Uint8Array(24), dAddr, big);
    expect(p0.length).toBe(1400);
    expect(decodeOnionRequestHeader(p0).ok).toBe(true);
    expect(() => sealOnionRequest(crypto, path, new Uint8Array(24), dAddr, new Uint8Array(1175))).toThrow();
    expect(() => sealOnionRequest(crypto, path, new Uint8Array(24), dAddr, new Uint8Array(0))).toThrow();
  });

  it('header size rules: strictly more than 226 / 218 / 210, at most 1400', () => {
    for (const [id, min] of [[0x80, 226], [0x81, 218], [0x82, 210]] as const) {
      expect(decodeOnionRequestHeader(concat(Uint8Array.of(id), new Uint8Array(min - 1))).ok).toBe(false);
      expect(decodeOnionRequestHeader(concat(Uint8Array.of(id), new Uint8Array(min))).ok).toBe(true);
      expect(decodeOnionRequestHeader(concat(Uint8Array.of(id), new Uint8Array(1399))).ok).toBe(true);
      expect(decodeOnionRequestHeader(concat(Uint8Array.of(id), new Uint8Array(1400))).ok).toBe(false);
    }
  });

  it('truncations and extensions at any hop fail to open and never throw', () => {
    const p0 = sealOnionRequest(crypto, path, new Uint8Array(24), dAddr, Uint8Array.of(0x83, 1, 2, 3));
    const toB = hop(p0, A, relayKey.A, clientAddr, new Uint8Array(24));
    const toC = hop(toB.packet, B, relayKey.B, aAddr, new Uint8Array(24));
    for (const [packet, me] of [[p0, A], [toB.packet, B], [toC.packet, C]] as const) {
      for (const t of truncationsAndExtensions(packet)) {
        const h = expectResult(() => decodeOnionRequestHeader(t));
        if (h.ok) expect(expectResult(() => openOnionLayer(crypto, crypto.precompute(h.value.publicKey, me.sk), h.value)).ok).toBe(false);
      }
    }
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(0x80, 0x81, 0x82, 0x8c, 0x8d, 0x8e, 0x00), fc.uint8Array({ maxLength: 1500 }), key32, (id, body, k) => {
        const b = concat(Uint8Array.of(id), body);
        const h = expectResult(() => decodeOnionRequestHeader(b));
        if (h.ok) {
          expectResult(() => openOnionLayer(crypto, k, h.value));
          expectResult(() => relayOnionRequest(crypto, { sharedKey: k, returnKey: k, returnNonce: new Uint8Array(24), source: clientAddr }, h.value));
        }
        const r = expectResult(() => decodeOnionResponse(b));
        if (r.ok) expectResult(() => relayOnionResponse(crypto, k, r.value));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('onion responses 0x8c / 0x8d / 0x8e', () => {
  const ret = (n: number): Bytes => new Uint8Array(n).fill(7);
  it('round-trip encode → decode at every level', () => {
    fc.assert(
      fc.property(fc.constantFrom(1 as const, 2 as const, 3 as const), fc.constantFrom(0x84, 0x86), bytesBetween(0, 500), (level, lead, rest) => {
        const size = { 1: 59, 2: 118, 3: 177 }[level];
        const data = concat(Uint8Array.of(lead), rest);
        const b = encodeOnionResponse(level, ret(size), data);
        expect(b.length).toBe(1 + size + data.length);
        expect(b[0]).toBe({ 1: 0x8e, 2: 0x8d, 3: 0x8c }[level]);
        const r = unwrap(decodeOnionResponse(b));
        expect(r.level).toBe(level);
        expect(toHex(r.data)).toBe(toHex(data));
        expect(toHex(r.returnBlob)).toBe(toHex(ret(size)));
      }),
    );
  });

  it('size rules: more than 1 + RETURN_n, at most 1400; R must start 0x84 / 0x86', () => {
    expect(decodeOnionResponse(concat(Uint8Array.of(0x8c), ret(177))).ok).toBe(false);
    expect(decodeOnionResponse(concat(Uint8Array.of(0x8c), ret(177), Uint8Array.of(0x84))).ok).toBe(true);
    expect(decodeOnionResponse(concat(Uint8Array.of(0x8c), ret(177), Uint8Array.of(0x85))).ok).toBe(false);
    expect(decodeOnionResponse(concat(Uint8Array.of(0x8e), ret(59), Uint8Array.of(0x86), new Uint8Array(1339))).ok).toBe(true);
    expect(decodeOnionResponse(concat(Uint8Array.of(0x8e), ret(59), Uint8Array.of(0x86), new Uint8Array(1340))).ok).toBe(false);
    expect(() => encodeOnionResponse(3, ret(177), Uint8Array.of(0x83))).toThrow();
    expect(() => encodeOnionResponse(3, ret(118), Uint8Array.of(0x84))).toThrow();
  });
});
