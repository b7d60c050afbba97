/**
 * Received LAN discovery 0x21 (docs/protocol.md §2.6; runtime/dht/packets.ts handleLanDiscovery;
 * c-toxcore DHT.c handle_LANdiscovery). Packets are fed straight into an engine's handleDatagram:
 * no socket, nothing broadcast — toxstate never sends LAN discovery. With the engine option
 * `lanDiscovery` on, a 33-byte packet from a LAN or loopback address is answered with a nodes
 * request for our own DHT key, sent to the source; off (the default), it is counted and ignored.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, equalBytes, type Bytes } from '../../protocol/bytes.js';
import { decodeDhtHeader, openNodesRequest } from '../../protocol/dht/index.js';
import { equalIpPort, type IpPort } from '../../protocol/ip-port.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { DHT_ASK_BACK_BURST } from '../../runtime/dht/dht.js';
import type { Engine } from '../../runtime/engine.js';
import { generateKeyPair, type KeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { makeEngine } from './helpers.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const at = (ip: string, port = 33445): IpPort => ({ family: ip.includes(':') ? 'ipv6' : 'ipv4', ip, port });
const lanDiscovery = (dhtPk: Bytes): Bytes => concat(new Uint8Array([PACKET_ID.lan_discovery]), dhtPk);

async function started(seed: number, on: boolean | undefined): Promise<Engine> {
  const e = await makeEngine(seed, on === undefined ? {} : { lanDiscovery: on });
  e.start(0, { families: ['ipv4', 'ipv6'] });
  e.takeTransmits();
  return e;
}

describe('received LAN discovery', () => {
  it('on: a packet from a LAN address is answered with a nodes request for our own DHT key, to the source', async () => {
    const e = await started(8101, true);
    const peer: KeyPair = generateKeyPair(crypto, seededRandom(8102));
    for (const [i, source] of [at('192.168.1.20'), at('10.1.2.3', 40000), at('127.0.0.1', 33446), at('fe80::1', 33445)].entries()) {
      e.handleDatagram(100 + i, source, lanDiscovery(peer.publicKey));
      const out = e.takeTransmits();
      expect(out).toHaveLength(1);
      expect(equalIpPort(out[0]!.to, source)).toBe(true);
      const h = decodeDhtHeader(out[0]!.data);
      if (!h.ok) throw new Error(h.error);
      expect(out[0]!.data[0]).toBe(PACKET_ID.nodes_request);
      const req = openNodesRequest(crypto, crypto.precompute(e.keys.dht.publicKey, peer.secretKey), h.value);
      if (!req.ok) throw new Error(req.error);
      expect(equalBytes(req.value.searchedPk, e.keys.dht.publicKey)).toBe(true);
    }
    expect(e.counters.get('dht.lan_discovery_answered')).toBe(4);
  });

  it('off (the default): counted as ignored, nothing sent', async () => {
    for (const on of [undefined, false]) {
      const e = await started(8103, on);
      e.handleDatagram(100, at('192.168.1.20'), lanDiscovery(generateKeyPair(crypto, seededRandom(8104)).publicKey));
      expect(e.takeTransmits()).toEqual([]);
      expect(e.counters.get('ignored.lan_discovery')).toBe(1);
      expect(e.counters.get('dht.lan_discovery_answered')).toBe(0);
    }
  });

  it('on: from a public address, of the wrong length, naming ourselves or an invalid key: dropped, nothing sent', async () => {
    const e = await started(8105, true);
    const peer = generateKeyPair(crypto, seededRandom(8106)).publicKey;
    e.handleDatagram(100, at('198.51.100.7'), lanDiscovery(peer));
    e.handleDatagram(101, at('192.168.1.20'), concat(lanDiscovery(peer), new Uint8Array([0])));
    e.handleDatagram(102, at('192.168.1.20'), lanDiscovery(peer).slice(0, 32));
    e.handleDatagram(103, at('192.168.1.20'), lanDiscovery(e.keys.dht.publicKey));
    e.handleDatagram(104, at('192.168.1.20'), lanDiscovery(new Uint8Array(32).fill(0xff)));
    expect(e.takeTransmits()).toEqual([]);
    expect(e.counters.get('drop.dht.lan_discovery_not_lan')).toBe(1);
    expect(e.counters.get('drop.dht.lan_discovery_malformed')).toBe(2);
    expect(e.counters.get('drop.dht.lan_discovery_from_self')).toBe(1);
    expect(e.counters.get('drop.dht.invalid_public_key')).toBe(1);
  });

  it('on: a flood from LAN addresses makes at most the ask-back budget of requests', async () => {
    const e = await started(8107, true);
    const random = seededRandom(8108);
    let sent = 0;
    for (let i = 0; i < 1000; i++) {
      e.handleDatagram(100, at('192.168.1.20', 1000 + i), lanDiscovery(generateKeyPair(crypto, random).publicKey));
      sent += e.takeTransmits().length;
    }
    expect(sent).toBe(DHT_ASK_BACK_BURST);
    expect(e.counters.get('dht.ask_back_limited')).toBe(1000 - DHT_ASK_BACK_BURST);
    // The same peer again at once is not asked twice while a request to it is pending.
    const peer = generateKeyPair(crypto, random).publicKey;
    e.handleDatagram(10_000, at('192.168.1.30'), lanDiscovery(peer));
    e.handleDatagram(10_001, at('192.168.1.30'), lanDiscovery(peer));
    expect(e.takeTransmits()).toHaveLength(1);
    expect(e.counters.get('dht.lan_discovery_already_asking')).toBe(1);
  });
});
