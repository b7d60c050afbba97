/**
 * Onion requests through the TCP relay server: a client's ONION_REQUEST (the onion packet without
 * its first layer, c-toxcore onion_client.c over TCP) leaves the relay as a 0x81 to hop 2; the
 * announce node's answer comes back C → B → relay as a 0x8e whose return blob names the client
 * connection, and reaches the client as ONION_RESPONSE (c-toxcore TCP_server.c
 * handle_onion_recv_1). Also the pseudo-address that names a client (runtime/tcp/onion-source.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, equalBytes, type Bytes } from '../../protocol/bytes.js';
import { encodeOnionIpPort, formatIpPort, type IpPort } from '../../protocol/ip-port.js';
import {
  decodeAnnounceResponseHeader,
  decodeOnionRequestHeader,
  openAnnounceResponse,
  sealAnnounceRequest,
  sealOnionRequest,
  type OnionPath,
} from '../../protocol/onion/index.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import type { KeyPair } from '../../runtime/keys.js';
import { tcpOnionSource, tcpOnionStream } from '../../runtime/tcp/onion-source.js';
import { addr, hand, keyPair, onionEngine, type TestNode } from './onion-helpers.js';
import { Relay } from './tcp-server-helpers.js';

let crypto: Crypto;
let B: TestNode, C: TestNode, D: TestNode;
let clientDht: KeyPair, announcer: KeyPair, pair2: KeyPair, pair3: KeyPair;

beforeAll(async () => {
  crypto = await loadCrypto();
  const n = await Promise.all([2, 3, 4].map((i) => onionEngine(600 + i, addr(i))));
  [B, C, D] = [n[0]!, n[1]!, n[2]!];
  const k = await Promise.all([611, 612, 613, 614].map((s) => keyPair(s)));
  [clientDht, announcer, pair2, pair3] = [k[0]!, k[1]!, k[2]!, k[3]!];
});

const SENDBACK = Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1);

/** The ONION_REQUEST body for a path relay → B → C → D: nonce ‖ the relay's layer, opened. */
function tcpOnionBody(relayPk: Bytes): Bytes {
  const path: OnionPath = {
    publicKey1: clientDht.publicKey,
    sharedKey1: crypto.precompute(relayPk, clientDht.secretKey),
    ipPort2: B.address,
    publicKey2: pair2.publicKey,
    sharedKey2: crypto.precompute(B.engine.keys.dht.publicKey, pair2.secretKey),
    ipPort3: C.address,
    publicKey3: pair3.publicKey,
    sharedKey3: crypto.precompute(C.engine.keys.dht.publicKey, pair3.secretKey),
  };
  const req = sealAnnounceRequest(crypto, crypto.precompute(D.engine.keys.dht.publicKey, announcer.secretKey), announcer.publicKey, new Uint8Array(24).fill(9), {
    pingId: new Uint8Array(32),
    searchedPk: announcer.publicKey,
    dataPk: new Uint8Array(32).fill(7),
    sendback: SENDBACK,
  });
  const p0 = sealOnionRequest(crypto, path, new Uint8Array(24).fill(3), D.address, req);
  const h = decodeOnionRequestHeader(p0);
  if (!h.ok) throw new Error(h.error);
  // Over TCP the first layer is left off: the TCP session protects it (plain = IP_Port 2 ‖ pk 2 ‖ layer 2).
  const plain = crypto.open(path.sharedKey1, h.value.nonce, h.value.box)!;
  return concat(h.value.nonce, plain);
}

function only(out: Array<{ to: IpPort; data: Bytes }>): { to: string; data: Bytes } {
  expect(out).toHaveLength(1);
  return { to: formatIpPort(out[0]!.to), data: out[0]!.data };
}

describe('TCP relay server: the onion', () => {
  it('relays a client’s onion request as the first hop and brings the announce answer back over TCP', async () => {
    const node = await onionEngine(610, addr(1), { tcpServer: true });
    const r = new Relay(node.engine, crypto);
    const client = r.connect(clientDht);
    client.send({ type: 'onionRequest', data: tcpOnionBody(node.engine.keys.dht.publicKey) });
    const p1 = only(node.engine.takeTransmits());
    expect(p1.to).toBe(formatIpPort(B.address));
    expect(p1.data[0]).toBe(0x81);
    const p2 = only(hand(B, 10, node.address, p1.data));
    const exit = only(hand(C, 20, B.address, p2.data));
    expect(exit.to).toBe(formatIpPort(D.address));
    const r3 = only(hand(D, 30, C.address, exit.data));
    const r2 = only(hand(C, 40, D.address, r3.data));
    const r1 = only(hand(B, 50, C.address, r2.data));
    expect(r1.to).toBe(formatIpPort(node.address));
    expect(r1.data[0]).toBe(0x8e);
    // Nothing goes out by UDP: the answer is the client's, over its TCP connection.
    expect(hand(node, 60, B.address, r1.data)).toEqual([]);
    r.pump();
    const [resp] = client.take('onionResponse');
    expect(resp).toBeDefined();
    expect(resp!.data[0]).toBe(0x84);
    const h = decodeAnnounceResponseHeader(resp!.data);
    expect(h.ok && equalBytes(h.value.sendback, SENDBACK)).toBe(true);
    if (!h.ok) return;
    expect(openAnnounceResponse(crypto, crypto.precompute(D.engine.keys.dht.publicKey, announcer.secretKey), h.value).ok).toBe(true);
    expect(node.engine.counters.get('onion.relayed_request_tcp')).toBe(1);
    expect(node.engine.counters.get('tcp_server.onion_responses')).toBe(1);
    expect(node.engine.counters.get('error.handler')).toBe(0);

    // Once the client is gone, the same answer finds nobody: dropped, counted, nothing sent.
    client.close();
    expect(hand(node, 70, B.address, r1.data)).toEqual([]);
    expect(node.engine.counters.get('drop.tcp_server.onion_response_orphan')).toBe(1);
  });

  it('drops what onion_send_1 refuses (next hop not a UDP address) and kills on a request of 159 bytes or fewer', async () => {
    const node = await onionEngine(620, addr(1), { tcpServer: true });
    const r = new Relay(node.engine, crypto);
    const client = r.connect(clientDht);
    const body = tcpOnionBody(node.engine.keys.dht.publicKey);
    const badFamily = body.slice();
    badFamily[24] = 130; // TCP_INET: not a hop an onion relay sends to
    client.send({ type: 'onionRequest', data: badFamily });
    expect(node.engine.takeTransmits()).toEqual([]);
    expect(node.engine.counters.get('drop.onion.tcp_request_bad_next')).toBe(1);
    expect(client.closed).toBe(false);
    client.raw(client.cipher!.seal(concat(Uint8Array.of(8), new Uint8Array(158))));
    expect(client.closed).toBe(true);
    expect(node.engine.counters.get('error.handler')).toBe(0);
  });

  it('a relay that serves no onion ignores onion requests without killing', async () => {
    const node = await onionEngine(630, addr(1), { tcpServer: true, serveOnion: false });
    const r = new Relay(node.engine, crypto);
    const client = r.connect(clientDht);
    client.send({ type: 'onionRequest', data: tcpOnionBody(node.engine.keys.dht.publicKey) });
    expect(node.engine.takeTransmits()).toEqual([]);
    expect(client.closed).toBe(false);
    expect(node.engine.counters.get('drop.tcp_server.onion_disabled')).toBe(1);
  });

  it('a datagram may not claim a client’s pseudo-address as its source', async () => {
    const node = await onionEngine(640, addr(1), { tcpServer: true });
    const p0 = new Uint8Array(300).fill(1);
    p0[0] = 0x80;
    expect(hand(node, 0, tcpOnionSource(3), p0)).toEqual([]);
    expect(node.engine.counters.get('drop.onion.request_from_tcp_address')).toBe(1);
  });
});

describe('the pseudo-address naming a TCP client (onion-source.ts)', () => {
  it('round-trips stream ids and is an IPv6 address of 100::/64, port 0, that fits a return blob', () => {
    for (const id of [1, 2, 255, 65_536, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      const a = tcpOnionSource(id);
      expect(a.family).toBe('ipv6');
      expect(a.port).toBe(0);
      expect(a.ip.startsWith('100::')).toBe(true);
      expect(encodeOnionIpPort(a)).toHaveLength(19);
      expect(tcpOnionStream(a)).toBe(id);
    }
    expect(() => tcpOnionSource(0)).toThrow(RangeError);
  });

  it('names no real address', () => {
    const real: IpPort[] = [
      { family: 'ipv4', ip: '127.0.0.1', port: 0 },
      { family: 'ipv6', ip: '::1', port: 0 },
      { family: 'ipv6', ip: '100::5', port: 33445 },
      { family: 'ipv6', ip: '100::2:3:4:5:6', port: 0 }, // 0100:0:0:2:…: outside the /64
      { family: 'ipv6', ip: '100:0:0:1::5', port: 0 },
      { family: 'ipv6', ip: '100::', port: 0 }, // id 0 is never a stream
    ];
    for (const a of real) expect(tcpOnionStream(a)).toBeNull();
  });
});
