/**
 * onion/onion-request-tcp.ts (docs/protocol.md §14.7; c-toxcore onion.c create_onion_packet_tcp):
 * the ONION_REQUEST body a client sends its TCP relay is the 0x80 it would send a UDP first hop
 * with layer 1 taken off — the nonce, then exactly what relay A finds inside layer 1 — so the relay,
 * acting as hop 1, sends B the same 0x81 either way, and B and C peel it as usual. 177 + L bytes;
 * the TCP packet codec frames it (id 8) and a relay reads it back unchanged.
 */
import { describe, expect, it } from 'vitest';
import { concat } from '../../../protocol/bytes.js';
import type { IpPort } from '../../../protocol/ip-port.js';
import { encodeOnionIpPort } from '../../../protocol/ip-port.js';
import { ONION_MAX_DATA_SIZE_BYTES } from '../../../protocol/onion/constants.js';
import { ONION_REQUEST_TCP_OVERHEAD_BYTES, sealOnionRequestTcp } from '../../../protocol/onion/onion-request-tcp.js';
import { decodeOnionRequestHeader, openOnionLayer, sealOnionRequest, type OnionPath } from '../../../protocol/onion/onion-request.js';
import { unwrap } from '../../../protocol/result.js';
import { decodeTcpPacket, encodeTcpPacket } from '../../../protocol/tcp/index.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';
import { keyPair } from '../core/arbitraries.js';

const crypto = await loadCrypto();
const client = keyPair(crypto, 31);
const A = keyPair(crypto, 32);
const B = keyPair(crypto, 33);
const C = keyPair(crypto, 34);
const p2 = keyPair(crypto, 35);
const p3 = keyPair(crypto, 36);
const addr = (last: number, port: number): IpPort => ({ family: 'ipv4', ip: `127.0.0.${last}`, port });
const dest = addr(9, 33449);
const path: OnionPath = {
  publicKey1: client.pk,
  sharedKey1: crypto.precompute(A.pk, client.sk),
  ipPort2: addr(3, 33447),
  publicKey2: p2.pk,
  sharedKey2: crypto.precompute(B.pk, p2.sk),
  ipPort3: { family: 'ipv6', ip: '::1', port: 33448 },
  publicKey3: p3.pk,
  sharedKey3: crypto.precompute(C.pk, p3.sk),
};
const nonce = new Uint8Array(24).fill(7);

describe('ONION_REQUEST body (create_onion_packet_tcp)', () => {
  it('is the nonce and what relay A finds in layer 1 of the UDP 0x80 (same nonce, same keys)', () => {
    const payload = Uint8Array.from({ length: 100 }, (_, i) => (i * 7) & 255);
    const body = sealOnionRequestTcp(crypto, path, nonce, dest, payload);
    expect(body.length).toBe(ONION_REQUEST_TCP_OVERHEAD_BYTES + payload.length);
    const udp = sealOnionRequest(crypto, path, nonce, dest, payload);
    const layer1 = unwrap(openOnionLayer(crypto, crypto.precompute(client.pk, A.sk), unwrap(decodeOnionRequestHeader(udp))));
    expect(layer1.next).toEqual(path.ipPort2);
    expect(layer1.publicKey).toEqual(p2.pk);
    expect(body).toEqual(concat(nonce, encodeOnionIpPort(path.ipPort2), p2.pk, layer1.inner));
  });

  it('B opens layer 2 under its own key and finds C; the TCP frame carries the body unchanged', () => {
    const body = sealOnionRequestTcp(crypto, path, nonce, dest, Uint8Array.of(0x83, 1, 2, 3));
    const layer2 = crypto.open(crypto.precompute(p2.pk, B.sk), nonce, body.subarray(24 + 19 + 32));
    expect(layer2).not.toBeNull();
    expect(layer2!.subarray(0, 19)).toEqual(encodeOnionIpPort(path.ipPort3));
    expect(layer2!.subarray(19, 51)).toEqual(p3.pk);
    const layer3 = crypto.open(crypto.precompute(p3.pk, C.sk), nonce, layer2!.subarray(51));
    expect(layer3).toEqual(concat(encodeOnionIpPort(dest), Uint8Array.of(0x83, 1, 2, 3)));
    const framed = unwrap(decodeTcpPacket(encodeTcpPacket({ type: 'onionRequest', data: body }), 'server'));
    expect(framed).toEqual({ type: 'onionRequest', data: body });
  });

  it('refuses an empty payload and one over ONION_MAX_DATA_SIZE, as create_onion_packet_tcp does', () => {
    expect(() => sealOnionRequestTcp(crypto, path, nonce, dest, new Uint8Array(0))).toThrow(/payload/);
    expect(() => sealOnionRequestTcp(crypto, path, nonce, dest, new Uint8Array(ONION_MAX_DATA_SIZE_BYTES + 1))).toThrow(/payload/);
    expect(sealOnionRequestTcp(crypto, path, nonce, dest, new Uint8Array(ONION_MAX_DATA_SIZE_BYTES)).length).toBe(ONION_REQUEST_TCP_OVERHEAD_BYTES + ONION_MAX_DATA_SIZE_BYTES);
  });
});
