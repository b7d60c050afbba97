/**
 * onion/onion-data-request.ts (0x85, 153 + L), onion/onion-data-response.ts
 * (0x86, 121 + L) and onion/onion-data-payloads.ts (friend request id 32,
 * DHT-PK id 156) (docs/protocol.md §3.5–§3.7, §7.2; c-toxcore onion_announce.c
 * create_data_request / handle_data_request, onion_client.c send_onion_data /
 * handle_data_response, friend_requests.c friendreq_handlepacket).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex, type Bytes } from '../../../protocol/bytes.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';
import { encodeDhtPkPayload } from '../../../protocol/dht/dht-pk.js';
import {
  ONION_CLIENT_MAX_DATA_SIZE_BYTES,
  ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES,
  ONION_MAX_DATA_SIZE_BYTES,
} from '../../../protocol/onion/constants.js';
import { MAX_FRIEND_REQUEST_MESSAGE_BYTES } from '../../../protocol/messenger/constants.js';
import { decodeFriendRequestPayload, decodeOnionDataPayload, encodeFriendRequestPayload } from '../../../protocol/onion/onion-data-payloads.js';
import {
  decodeOnionDataRequest,
  onionDataResponseFromRequest,
  sealOnionDataRequest,
} from '../../../protocol/onion/onion-data-request.js';
import {
  decodeOnionDataResponse,
  encodeOnionDataResponse,
  openOnionDataInner,
  openOnionDataOuter,
} from '../../../protocol/onion/onion-data-response.js';
import { unwrap } from '../../../protocol/result.js';
import { anyNode, bytesBetween, bytesOf, expectResult, FUZZ_RUNS, key32, keyPair, nonce24, truncationsAndExtensions } from '../core/arbitraries.js';

const crypto = await loadCrypto();
const senderReal = keyPair(crypto, 41);
const destReal = keyPair(crypto, 42);
const destData = keyPair(crypto, 43); // the destination's temp "data" pair, announced at D
const temp = keyPair(crypto, 44); // fresh pair per 0x85

function seal(nonce: Bytes, data: Bytes): Bytes {
  return sealOnionDataRequest(crypto, {
    destRealPk: destReal.pk,
    nonce,
    tempPk: temp.pk,
    outerSharedKey: crypto.precompute(destData.pk, temp.sk),
    senderRealPk: senderReal.pk,
    innerSharedKey: crypto.precompute(destReal.pk, senderReal.sk),
    data,
  });
}

/** The receiving side: both opening steps, keys chosen from what the packet reveals. */
function receive(packet0x86: Bytes): Bytes {
  const h = unwrap(decodeOnionDataResponse(packet0x86));
  const outer = unwrap(openOnionDataOuter(crypto, crypto.precompute(h.tempPk, destData.sk), h));
  expect(toHex(outer.senderRealPk)).toBe(toHex(senderReal.pk));
  return unwrap(openOnionDataInner(crypto, crypto.precompute(outer.senderRealPk, destReal.sk), h.nonce, outer.innerBox));
}

describe('onion data 0x85 → D → 0x86 → two-step open', () => {
  it('round-trips data up to the deliverable maximum; sizes 153 + L and 121 + L', () => {
    fc.assert(
      fc.property(nonce24, bytesBetween(1, ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES), bytesOf(177), (nonce, data, ret) => {
        const req = seal(nonce, data);
        expect(req.length).toBe(153 + data.length);
        expect(req[0]).toBe(0x85);
        // D receives it from exit relay C with RETURN_3 appended.
        const atD = unwrap(decodeOnionDataRequest(concat(req, ret), { withReturn: true }));
        expect(toHex(atD.destRealPk)).toBe(toHex(destReal.pk));
        expect(toHex(atD.returnBlob!)).toBe(toHex(ret));
        const resp = onionDataResponseFromRequest(atD);
        expect(resp.length).toBe(121 + data.length);
        expect(resp[0]).toBe(0x86);
        // 0x86 is 0x85 without the destination key.
        expect(toHex(resp.subarray(1))).toBe(toHex(req.subarray(33)));
        expect(toHex(receive(resp))).toBe(toHex(data));
      }),
      { numRuns: 100 },
    );
  });

  it('the client-built form decodes without a return blob and re-encodes as the same 0x86', () => {
    const req = seal(new Uint8Array(24), Uint8Array.of(32, 1, 2, 3, 4, 5));
    const h = unwrap(decodeOnionDataRequest(req, { withReturn: false }));
    const resp = onionDataResponseFromRequest(h);
    expect(toHex(encodeOnionDataResponse(unwrap(decodeOnionDataResponse(resp))))).toBe(toHex(resp));
  });

  it('c-toxcore senders allow 1021 bytes (0x85 of 1174) but receivers drop 0x86 over 1069, i.e. data over 948', () => {
    expect(ONION_CLIENT_MAX_DATA_SIZE_BYTES).toBe(1021);
    expect(ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES).toBe(948);
    const max = seal(new Uint8Array(24), new Uint8Array(1021).fill(1));
    expect(max.length).toBe(ONION_MAX_DATA_SIZE_BYTES);
    expect(() => seal(new Uint8Array(24), new Uint8Array(1022))).toThrow();
    expect(() => seal(new Uint8Array(24), new Uint8Array(0))).toThrow();
    const ok948 = onionDataResponseFromRequest(unwrap(decodeOnionDataRequest(seal(new Uint8Array(24), new Uint8Array(948).fill(1)), { withReturn: false })));
    expect(ok948.length).toBe(1069);
    expect(decodeOnionDataResponse(ok948).ok).toBe(true);
    const too = onionDataResponseFromRequest(unwrap(decodeOnionDataRequest(seal(new Uint8Array(24), new Uint8Array(949).fill(1)), { withReturn: false })));
    expect(decodeOnionDataResponse(too).ok).toBe(false);
  });

  it('the inner layer authenticates the sender: a wrong inner key fails', () => {
    const h = unwrap(decodeOnionDataResponse(onionDataResponseFromRequest(unwrap(decodeOnionDataRequest(seal(new Uint8Array(24), Uint8Array.of(1)), { withReturn: false })))));
    const outer = unwrap(openOnionDataOuter(crypto, crypto.precompute(h.tempPk, destData.sk), h));
    const impostor = keyPair(crypto, 45);
    expect(openOnionDataInner(crypto, crypto.precompute(impostor.pk, destReal.sk), h.nonce, outer.innerBox).ok).toBe(false);
    expect(openOnionDataOuter(crypto, crypto.precompute(h.tempPk, destReal.sk), h).ok).toBe(false);
  });

  it('size rules: 0x85 at D > 282 and ≤ 1400; 0x86 > 121 and ≤ 1069', () => {
    expect(decodeOnionDataRequest(concat(Uint8Array.of(0x85), new Uint8Array(281)), { withReturn: true }).ok).toBe(false);
    expect(decodeOnionDataRequest(concat(Uint8Array.of(0x85), new Uint8Array(282)), { withReturn: true }).ok).toBe(true);
    expect(decodeOnionDataRequest(concat(Uint8Array.of(0x85), new Uint8Array(1399)), { withReturn: true }).ok).toBe(true);
    expect(decodeOnionDataRequest(concat(Uint8Array.of(0x85), new Uint8Array(1400)), { withReturn: true }).ok).toBe(false);
    expect(decodeOnionDataResponse(concat(Uint8Array.of(0x86), new Uint8Array(120))).ok).toBe(false);
    expect(decodeOnionDataResponse(concat(Uint8Array.of(0x86), new Uint8Array(121))).ok).toBe(true);
    expect(decodeOnionDataResponse(concat(Uint8Array.of(0x86), new Uint8Array(1068))).ok).toBe(true);
    expect(decodeOnionDataResponse(concat(Uint8Array.of(0x86), new Uint8Array(1069))).ok).toBe(false);
  });

  it('truncations / extensions of a 0x86 fail to open; random bytes never throw', () => {
    const resp = onionDataResponseFromRequest(unwrap(decodeOnionDataRequest(seal(new Uint8Array(24), new Uint8Array(40)), { withReturn: false })));
    for (const t of truncationsAndExtensions(resp)) {
      const h = expectResult(() => decodeOnionDataResponse(t));
      if (h.ok) expect(openOnionDataOuter(crypto, crypto.precompute(h.value.tempPk, destData.sk), h.value).ok).toBe(false);
    }
    fc.assert(
      fc.property(fc.constantFrom(0x85, 0x86), fc.uint8Array({ maxLength: 1500 }), key32, fc.boolean(), (id, body, k, withReturn) => {
        const b = concat(Uint8Array.of(id), body);
        expectResult(() => decodeOnionDataRequest(b, { withReturn }));
        const h = expectResult(() => decodeOnionDataResponse(b));
        if (h.ok) {
          const o = expectResult(() => openOnionDataOuter(crypto, k, h.value));
          expect(o.ok).toBe(false);
          expectResult(() => openOnionDataInner(crypto, k, h.value.nonce, h.value.box));
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('onion data payloads', () => {
  it('friend request: [0x20][nospam 4][message 1..1016] round-trips', () => {
    fc.assert(
      fc.property(bytesOf(4), bytesBetween(1, MAX_FRIEND_REQUEST_MESSAGE_BYTES), (nospam, message) => {
        const p = encodeFriendRequestPayload({ nospam, message });
        expect(p.length).toBe(5 + message.length);
        expect(p[0]).toBe(0x20);
        expect(unwrap(decodeFriendRequestPayload(p))).toEqual({ nospam, message });
        expect(unwrap(decodeOnionDataPayload(p))).toEqual({ kind: 'friend_request', value: { nospam, message } });
      }),
      { numRuns: 200 },
    );
  });

  it('friend request limits: message 1..1016 (payload 6..1021)', () => {
    expect(MAX_FRIEND_REQUEST_MESSAGE_BYTES).toBe(1016);
    expect(decodeFriendRequestPayload(Uint8Array.of(0x20, 1, 2, 3, 4)).ok).toBe(false);
    expect(decodeFriendRequestPayload(concat(Uint8Array.of(0x20), new Uint8Array(1020))).ok).toBe(true);
    expect(decodeFriendRequestPayload(concat(Uint8Array.of(0x20), new Uint8Array(1021))).ok).toBe(false);
    expect(() => encodeFriendRequestPayload({ nospam: new Uint8Array(4), message: new Uint8Array(0) })).toThrow();
    expect(() => encodeFriendRequestPayload({ nospam: new Uint8Array(4), message: new Uint8Array(1017) })).toThrow();
  });

  it('a friend request travels end to end through 0x85/0x86', () => {
    const payload = encodeFriendRequestPayload({ nospam: Uint8Array.of(0x4c, 0x76, 0x2c, 0x7d), message: new TextEncoder().encode('hi there') });
    const resp = onionDataResponseFromRequest(unwrap(decodeOnionDataRequest(seal(new Uint8Array(24).fill(2), payload), { withReturn: false })));
    const got = unwrap(decodeOnionDataPayload(receive(resp)));
    expect(got.kind).toBe('friend_request');
    if (got.kind === 'friend_request') {
      expect(toHex(got.value.nospam)).toBe('4c762c7d');
      expect(new TextDecoder().decode(got.value.message)).toBe('hi there');
    }
  });

  it('DHT-PK (156) dispatches; unknown types are errors', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), key32, fc.array(anyNode, { maxLength: 4 }), (noReplay, dhtPk, nodes) => {
        const p = encodeDhtPkPayload({ noReplay, dhtPk, nodes });
        expect(unwrap(decodeOnionDataPayload(p))).toEqual({ kind: 'dht_pk', value: { noReplay, dhtPk, nodes } });
      }),
      { numRuns: 100 },
    );
    expect(decodeOnionDataPayload(Uint8Array.of(33, 1, 2, 3, 4, 5)).ok).toBe(false);
    expect(decodeOnionDataPayload(new Uint8Array(0)).ok).toBe(false);
  });

  it('never throws on random payloads', () => {
    fc.assert(
      fc.property(fc.constantFrom(0x20, 0x9c, 0x00), fc.uint8Array({ maxLength: 1100 }), (t, body) => {
        expectResult(() => decodeOnionDataPayload(concat(Uint8Array.of(t), body)));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
