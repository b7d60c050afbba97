/**
 * The pure dissector on packets built with our own codecs: every kind in PACKET_ID is named and
 * valid with its clear header fields; wrong sizes are invalid with the decoder's reason; unknown
 * ids are `unknown` with their first byte; what a profile's real key can open opens (handshake,
 * self-announce request and its response), learning the announce node's DHT key from the
 * capture; and no input bytes make it throw.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, toHex, type Bytes } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { sealDhtRequest } from '../../protocol/dht/dht-request.js';
import { sealNodesRequest } from '../../protocol/dht/nodes-request.js';
import { sealNodesResponse } from '../../protocol/dht/nodes-response.js';
import { sealPingRequest, sealPingResponse } from '../../protocol/dht/ping.js';
import { dissectDatagram, dissectDatagrams, type DissectInput, type DissectProfile, type JsonObject } from '../../protocol/dissect/index.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { sealCookie } from '../../protocol/net-crypto/cookie.js';
import { sealCookieRequest } from '../../protocol/net-crypto/cookie-request.js';
import { sealCookieResponse } from '../../protocol/net-crypto/cookie-response.js';
import { sealCryptoData } from '../../protocol/net-crypto/crypto-data.js';
import { sealHandshake } from '../../protocol/net-crypto/handshake.js';
import { addToNonce } from '../../protocol/nonce.js';
import { sealAnnounceRequest } from '../../protocol/onion/announce-request.js';
import { sealAnnounceResponse } from '../../protocol/onion/announce-response.js';
import { sealOnionDataRequest } from '../../protocol/onion/onion-data-request.js';
import { encodeOnionDataResponse } from '../../protocol/onion/onion-data-response.js';
import { decodeOnionRequestHeader, relayOnionRequest, sealOnionRequest, type OnionPath } from '../../protocol/onion/onion-request.js';
import { encodeOnionResponse } from '../../protocol/onion/onion-response.js';
import { PACKET_ID, type PacketKind } from '../../protocol/packet-ids.js';
import { unwrap } from '../../protocol/result.js';

let crypto: Crypto;
const fill = (n: number, v: number): Bytes => new Uint8Array(n).fill(v);
const H = (b: Bytes): string => toHex(b).toUpperCase();
interface Pair {
  pk: Bytes;
  sk: Bytes;
}
const pair = (seed: number): Pair => {
  const sk = fill(32, seed);
  return { pk: crypto.publicKeyFromSecret(sk), sk };
};
const addr = (port: number): IpPort => ({ family: 'ipv4', ip: '127.0.0.1', port });

let alice: Pair; // real keys
let bob: Pair;
let aliceDht: Pair;
let bobDht: Pair;
let samples: Record<PacketKind, Bytes>;

beforeAll(async () => {
  crypto = await loadCrypto();
  alice = pair(1);
  bob = pair(2);
  aliceDht = pair(3);
  bobDht = pair(4);
  const dhtShared = crypto.precompute(bobDht.pk, aliceDht.sk);
  const n = fill(24, 9);
  const cookie = sealCookie(crypto, fill(32, 5), fill(24, 6), { time: 1n, realPk: alice.pk, dhtPk: aliceDht.pk });
  const path: OnionPath = {
    publicKey1: aliceDht.pk,
    sharedKey1: crypto.precompute(bobDht.pk, aliceDht.sk),
    ipPort2: addr(2),
    publicKey2: pair(11).pk,
    sharedKey2: crypto.precompute(bobDht.pk, pair(11).sk),
    ipPort3: addr(2),
    publicKey3: pair(12).pk,
    sharedKey3: crypto.precompute(bobDht.pk, pair(12).sk),
  };
  const announce = sealAnnounceRequest(crypto, crypto.precompute(bobDht.pk, alice.sk), alice.pk, n, {
    pingId: fill(32, 0),
    searchedPk: alice.pk,
    dataPk: fill(32, 7),
    sendback: fill(8, 8),
  });
  const r0 = sealOnionRequest(crypto, path, n, addr(2), announce);
  const relay = (b: Bytes) => {
    const h = unwrap(decodeOnionRequestHeader(b));
    return unwrap(relayOnionRequest(crypto, { sharedKey: crypto.precompute(h.publicKey, bobDht.sk), returnKey: fill(32, 13), returnNonce: fill(24, 14), source: addr(1) }, h)).packet;
  };
  const r1 = relay(r0);
  const r2 = relay(r1);
  const exit = relay(r2); // [0x83…][RETURN_3]
  const announceResponse = sealAnnounceResponse(crypto, crypto.precompute(alice.pk, bobDht.sk), fill(8, 8), n, {
    isStored: 0,
    pingIdOrDataPk: fill(32, 15),
    nodes: [{ transport: 'udp', ipPort: addr(2), publicKey: bobDht.pk }],
  });
  const dataRequest = sealOnionDataRequest(crypto, {
    destRealPk: bob.pk,
    nonce: n,
    tempPk: pair(16).pk,
    outerSharedKey: crypto.precompute(pair(17).pk, pair(16).sk),
    senderRealPk: alice.pk,
    innerSharedKey: crypto.precompute(bob.pk, alice.sk),
    data: Uint8Array.of(0x20, 1, 2, 3, 4, 0x68, 0x69),
  });
  const dataResponse = encodeOnionDataResponse({ nonce: n, tempPk: pair(16).pk, box: dataRequest.subarray(89) });
  const dhtFrame = (id: number, plain: number) => concat(Uint8Array.of(id), aliceDht.pk, n, crypto.seal(dhtShared, n, fill(plain, 1)));
  samples = {
    ping_request: sealPingRequest(crypto, dhtShared, aliceDht.pk, n, { pingId: fill(8, 1) }),
    ping_response: sealPingResponse(crypto, dhtShared, bobDht.pk, n, { pingId: fill(8, 1) }),
    nodes_request: sealNodesRequest(crypto, dhtShared, aliceDht.pk, n, { searchedPk: bobDht.pk, pingId: fill(8, 1) }),
    nodes_response: sealNodesResponse(crypto, dhtShared, bobDht.pk, n, { nodes: [{ transport: 'udp', ipPort: addr(1), publicKey: aliceDht.pk }], pingId: fill(8, 1) }),
    cookie_request: sealCookieRequest(crypto, dhtShared, aliceDht.pk, n, { realPk: alice.pk, echoId: fill(8, 2) }),
    cookie_response: sealCookieResponse(crypto, dhtShared, n, { cookie, echoId: fill(8, 2) }),
    handshake: sealHandshake(crypto, crypto.precompute(bob.pk, alice.sk), n, { cookie, baseNonce: fill(24, 20), sessionPk: pair(21).pk, otherCookie: cookie }),
    crypto_data: sealCryptoData(crypto, fill(32, 22), fill(24, 20), { bufferStart: 0, packetNumber: 0, payload: Uint8Array.of(0x18) }),
    dht_request: sealDhtRequest(crypto, dhtShared, bobDht.pk, aliceDht.pk, n, { requestId: 254, data: fill(9, 0) }),
    lan_discovery: concat(Uint8Array.of(0x21), aliceDht.pk),
    onion_request_0: r0,
    onion_request_1: r1,
    onion_request_2: r2,
    announce_request: exit,
    announce_response: announceResponse,
    onion_data_request: concat(dataRequest, fill(177, 3)),
    onion_data_response: dataResponse,
    announce_request_new: concat(Uint8Array.of(0x87), n, alice.pk, fill(120, 1), fill(177, 3)),
    announce_response_new: concat(Uint8Array.of(0x88), fill(8, 8), n, fill(50, 1)),
    onion_response_3: encodeOnionResponse(3, fill(177, 3), announceResponse),
    onion_response_2: encodeOnionResponse(2, fill(118, 3), announceResponse),
    onion_response_1: encodeOnionResponse(1, fill(59, 3), dataResponse),
    forward_request: concat(Uint8Array.of(0x90), bobDht.pk, fill(40, 1)),
    forwarding: concat(Uint8Array.of(0x91, 3), fill(3, 1), fill(40, 1)),
    forward_reply: concat(Uint8Array.of(0x92, 40), fill(40, 1), fill(10, 1)),
    data_search_request: dhtFrame(0x93, 40),
    data_search_response: dhtFrame(0x94, 75),
    data_retrieve_request: dhtFrame(0x95, 73),
    data_retrieve_response: dhtFrame(0x96, 50),
    store_announce_request: dhtFrame(0x97, 100),
    store_announce_response: dhtFrame(0x98, 41),
    bootstrap_info: concat(Uint8Array.of(0xf0, 0, 0, 0, 7), new TextEncoder().encode('hello\0\0')),
  };
});

describe('every packet kind c-toxcore 0.2.18 sends', () => {
  it('has a sample here (this list follows PACKET_ID)', () => {
    expect(Object.keys(samples).sort()).toEqual(Object.keys(PACKET_ID).sort());
  });

  it('is named, valid, and sized', () => {
    for (const [kind, bytes] of Object.entries(samples)) {
      const d = dissectDatagram(bytes);
      expect({ kind: d.kind, valid: d.valid, error: d.error }).toEqual({ kind, valid: true, error: undefined });
      expect(d.size).toBe(bytes.length);
    }
  });

  it('shows the clear header fields', () => {
    const d = (k: PacketKind) => dissectDatagram(samples[k]);
    expect(d('nodes_request')).toMatchObject({ sender_pk: H(aliceDht.pk), nonce: H(fill(24, 9)), box_size: 56 });
    expect(d('nodes_response')).toMatchObject({ sender_pk: H(bobDht.pk), nodes_bytes: 39 });
    expect(d('cookie_request')).toMatchObject({ sender_pk: H(aliceDht.pk), box_size: 88 });
    expect(d('cookie_response')).toMatchObject({ nonce: H(fill(24, 9)), box_size: 136 });
    expect(d('handshake')).toMatchObject({ cookie: H(samples.handshake.subarray(1, 113)), box_size: 248 });
    expect(d('crypto_data')).toMatchObject({ nonce_tail: '1414', box_size: 29, padded_payload_size: 5 });
    expect(d('dht_request')).toMatchObject({ receiver_pk: H(bobDht.pk), sender_pk: H(aliceDht.pk) });
    expect(d('lan_discovery')).toMatchObject({ sender_pk: H(aliceDht.pk) });
    // A 177-byte announce payload: the boxes around it are 212 (layer 3), 279 (2), 346 (1).
    expect(d('onion_request_0')).toMatchObject({ sender_pk: H(aliceDht.pk), layer_sizes: [346, 279, 212], payload_size: 177 });
    expect(d('onion_request_1')).toMatchObject({ path_pk: H(pair(11).pk), layer_sizes: [279, 212], payload_size: 177, return_size: 59 });
    expect(d('onion_request_2')).toMatchObject({ path_pk: H(pair(12).pk), layer_sizes: [212], payload_size: 177, return_size: 118 });
    expect(d('announce_request')).toMatchObject({ sender_pk: H(alice.pk), box_size: 120, return_size: 177 });
    expect(d('announce_response')).toMatchObject({ sendback: H(fill(8, 8)), box_size: 88, nodes_bytes: 39 });
    expect(d('onion_data_request')).toMatchObject({ dest_pk: H(bob.pk), temp_pk: H(pair(16).pk), data_size: 7, return_size: 177 });
    expect(d('onion_data_response')).toMatchObject({ temp_pk: H(pair(16).pk), data_size: 7 });
    expect(d('onion_response_3')).toMatchObject({ return_size: 177, payload_size: 121, payload: { kind: 'announce_response', valid: true, sendback: H(fill(8, 8)) } });
    expect(d('onion_response_1')).toMatchObject({ return_size: 59, payload: { kind: 'onion_data_response', data_size: 7 } });
    expect(d('forward_request')).toMatchObject({ dest_pk: H(bobDht.pk), data_size: 40 });
    expect(d('forwarding')).toMatchObject({ sendback_size: 3, data_size: 40 });
    expect(d('bootstrap_info')).toMatchObject({ form: 'response', version: 7, motd: 'hello' });
    expect(dissectDatagram(concat(Uint8Array.of(0xf0), fill(77, 0)))).toMatchObject({ form: 'request', valid: true });
  });

  it('marks wrong sizes invalid with the decoder’s reason', () => {
    const cut = (k: PacketKind, drop = 1) => dissectDatagram(samples[k].subarray(0, samples[k].length - drop));
    for (const k of ['ping_request', 'nodes_request', 'cookie_request', 'cookie_response', 'handshake', 'lan_discovery', 'announce_request'] as const) {
      const d = cut(k);
      expect(d.kind).toBe(k);
      expect(d.valid).toBe(false);
      expect(typeof d.error).toBe('string');
    }
    expect(cut('nodes_response', 5).error).toMatch(/cannot be 0\.\.4 packed nodes/);
    expect(dissectDatagram(samples.announce_request.subarray(0, 200)).error).toMatch(/expected 177 or 354/);
    expect(dissectDatagram(samples.onion_data_request.subarray(0, 200)).error).toMatch(/too short/);
    expect(dissectDatagram(Uint8Array.of(0x1b, 1, 2)).error).toMatch(/below the minimum/);
    expect(dissectDatagram(concat(Uint8Array.of(0x8e), fill(59, 0), Uint8Array.of(0x83, 1))).error).toMatch(/not 0x84 or 0x86/);
    expect(dissectDatagram(Uint8Array.of(0x91, 250, 1)).error).toMatch(/cannot hold/);
  });

  it('calls every other first byte unknown, with that byte; an empty datagram too', () => {
    const known = new Set<number>(Object.values(PACKET_ID));
    for (let id = 0; id < 256; id++) {
      if (known.has(id)) continue;
      const d = dissectDatagram(Uint8Array.of(id, 1, 2, 3));
      expect(d).toMatchObject({ kind: 'unknown', first_byte: id, size: 4, valid: false });
    }
    expect(dissectDatagram(new Uint8Array(0))).toMatchObject({ kind: 'unknown', first_byte: null, size: 0, valid: false, error: 'empty datagram' });
  });

  it('reports a datagram the capture cut short, without guessing its contents', () => {
    const [d] = dissectDatagrams([{ payload: samples.onion_response_3.subarray(0, 100), size: samples.onion_response_3.length }]);
    expect(d).toMatchObject({ kind: 'onion_response_3', size: 299, captured_size: 100, valid: false });
    expect(d!.error).toMatch(/cut short by the capture: 100 of 299/);
    expect(d!.payload).toBeUndefined();
  });
});

describe('opening with profile keys', () => {
  const profiles = (): DissectProfile[] => [
    { label: 'alice.tox', publicKey: alice.pk, secretKey: alice.sk, friendPks: [pair(40).pk, bob.pk] },
  ];

  it('opens a handshake with (own real sk, friend real pk) and checks the cookie hash', () => {
    const [d] = dissectDatagrams([{ payload: samples.handshake }], { crypto, profiles: profiles() });
    expect(d!.decrypted).toMatchObject({
      profile: 'alice.tox',
      between: [H(alice.pk), H(bob.pk)],
      base_nonce: H(fill(24, 20)),
      session_pk: H(pair(21).pk),
      cookie_hash_ok: true,
    });
    // Swap the outer cookie: the box still opens, the hash no longer matches.
    const swapped = new Uint8Array(samples.handshake);
    swapped[5]! ^= 1;
    const [e] = dissectDatagrams([{ payload: swapped }], { crypto, profiles: profiles() });
    expect((e!.decrypted as JsonObject).cookie_hash_ok).toBe(false);
    // Not a friend: nothing opens, and it says so.
    const [f] = dissectDatagrams([{ payload: samples.handshake }], { crypto, profiles: [{ ...profiles()[0]!, friendPks: [pair(40).pk] }] });
    expect(f!.decrypted).toBeUndefined();
    expect(f!.decrypt_error).toMatch(/no \(profile, friend\) key pair/);
  });

  it('opens a self-announce request with the DHT key learnt for its destination, and the response by its sendback', () => {
    const learn: DissectInput = { payload: samples.nodes_response, src: addr(2), dst: addr(1) }; // bob's DHT key, from bob's address
    const req: DissectInput = { payload: samples.announce_request, src: addr(2), dst: addr(2) };
    const resp: DissectInput = { payload: samples.announce_response, src: addr(2), dst: addr(1) };
    const nested: DissectInput = { payload: samples.onion_response_3, src: addr(2), dst: addr(2) };
    const [, a, b, c] = dissectDatagrams([learn, req, resp, nested], { crypto, profiles: profiles() });
    expect(a!.decrypted).toMatchObject({
      profile: 'alice.tox',
      announce_node_pk: H(bobDht.pk),
      announce: 'self',
      first_request: true,
      searched_pk: H(alice.pk),
      data_pk: H(fill(32, 7)),
      sendback: H(fill(8, 8)),
    });
    expect(b!.decrypted).toMatchObject({
      announce_node_pk: H(bobDht.pk),
      is_stored: 0,
      ping_id: H(fill(32, 15)),
      nodes: [{ transport: 'udp', address: '127.0.0.1:2', pk: H(bobDht.pk) }],
    });
    expect((c!.payload as JsonObject).decrypted).toMatchObject({ is_stored: 0 });
  });

  it('falls back to every learnt DHT key when the destination is unknown, and says why when none opens', () => {
    const learn: DissectInput = { payload: samples.nodes_response };
    const [, a] = dissectDatagrams([learn, { payload: samples.announce_request }], { crypto, profiles: profiles() });
    expect((a!.decrypted as JsonObject).announce_node_pk).toBe(H(bobDht.pk));
    const [b] = dissectDatagrams([{ payload: samples.announce_request, dst: addr(2) }], { crypto, profiles: profiles() });
    expect(b!.decrypted).toBeUndefined();
    expect(b!.decrypt_error).toMatch(/no DHT key was learnt for 127\.0\.0\.1:2/);
    // Someone else's announce request is not tried at all.
    const [c] = dissectDatagrams([learn, { payload: samples.announce_request }], { crypto, profiles: [{ label: 'x', publicKey: bob.pk, secretKey: bob.sk, friendPks: [] }] });
    expect(c!.decrypted).toBeUndefined();
    expect(c!.decrypt_error).toBeUndefined();
  });

  it('recovers the full nonce of crypto data from the base nonce of its sender’s handshake', () => {
    const session = fill(32, 22);
    const base = fill(24, 20);
    const data = [0, 1, 30_000, 50_000, 70_000].map((i) => sealCryptoData(crypto, session, addToNonce(base, i), { bufferStart: 0, packetNumber: i, payload: Uint8Array.of(0x10) }));
    const inputs: DissectInput[] = [
      { payload: samples.handshake, src: addr(1), dst: addr(2) },
      ...data.map((payload) => ({ payload, src: addr(1), dst: addr(2) })),
      { payload: data[0]!, src: addr(2), dst: addr(1) }, // other direction: no handshake from there
    ];
    const out = dissectDatagrams(inputs, { crypto, profiles: profiles() });
    // Only 16 nonce bits travel; the receiver moves its stored nonce on by 21845 after a packet
    // more than 43690 ahead (§4.3). Without that rule the last packet would read as 4464.
    expect(out.slice(1, 6).map((o) => (o.derived as JsonObject).nonce_index)).toEqual([0, 1, 30_000, 50_000, 70_000]);
    expect((out[5]!.derived as JsonObject).nonce).toBe(H(addToNonce(base, 70_000)));
    expect((out[2]!.derived as JsonObject).base_nonce).toBe(H(base));
    expect(out[6]!.derived).toBeUndefined();
  });

  it('needs crypto for profiles', () => {
    expect(() => dissectDatagrams([], { profiles: profiles() })).toThrow(/crypto/);
  });
});

describe('robustness', () => {
  it('never throws on random datagrams, keyless or with keys', () => {
    const p: DissectProfile[] = [{ label: 'a', publicKey: alice.pk, secretKey: alice.sk, friendPks: [bob.pk] }];
    const firstBytes = [...Object.values(PACKET_ID), 0x42, 0xff];
    const datagram = fc.tuple(fc.constantFrom(...firstBytes), fc.uint8Array({ maxLength: 500 })).map(([id, rest]) => Uint8Array.of(id, ...rest));
    const sized = fc.record({ payload: datagram, src: fc.constant(addr(1)), dst: fc.constantFrom(addr(1), addr(2)) });
    fc.assert(
      fc.property(fc.array(sized, { maxLength: 6 }), (inputs) => {
        const out = dissectDatagrams(inputs, { crypto, profiles: p });
        expect(out.length).toBe(inputs.length);
        for (const o of out) expect(typeof o.valid).toBe('boolean');
        for (const i of inputs) JSON.stringify(dissectDatagram(i.payload));
      }),
      { numRuns: 400 },
    );
  });

  it('keeps valid packets valid when their box bytes are random (only sizes and ids are checked)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(PACKET_ID) as PacketKind[])), fc.integer({ min: 0, max: 2 ** 31 }), (kind, seed) => {
        const s = samples[kind];
        const noisy = new Uint8Array(s);
        // Flip a byte well inside the box of packets whose boxes start after 57 bytes.
        if (s.length > 120 && !kind.startsWith('onion_response') && kind !== 'bootstrap_info' && !kind.startsWith('forward')) noisy[100 + (seed % 10)]! ^= 0xff;
        expect(dissectDatagram(noisy)).toMatchObject({ kind, valid: true });
      }),
      { numRuns: 300 },
    );
  });
});
