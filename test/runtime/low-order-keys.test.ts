/**
 * Public keys libsodium refuses (X25519 low-order points: all zeros, one, and the points of order 8)
 * arrive from the network in every layer's packets. None may throw (`error.handler` stays 0): each
 * such packet fails to open like any forgery and is dropped by its layer, counted, and nothing is
 * sent back. Also: the key such a public key gets cannot be computed by anyone else, so a box
 * sealed with a constant (all zeros) does not open.
 */
import { describe, expect, it } from 'vitest';
import { concat, hex } from '../../protocol/bytes.js';
import { sharedKeyOf } from '../../runtime/keys.js';
import { makeEngine } from './helpers.js';

const LOW_ORDER = [
  '00'.repeat(32),
  '01' + '00'.repeat(31),
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
].map(hex);

const FROM = { family: 'ipv4' as const, ip: '127.0.0.9', port: 4000 };

/** A packet `id ‖ key ‖ nonce ‖ box` of `boxLength` bytes (sealed with nothing anyone can open). */
const packet = (id: number, key: Uint8Array, boxLength: number): Uint8Array => concat(Uint8Array.of(id), key, new Uint8Array(24).fill(7), new Uint8Array(boxLength).fill(9));

describe('low-order public keys from the network', () => {
  it('DHT pings, nodes requests, DHT requests, cookie requests and onion requests naming one are dropped, never thrown', async () => {
    const e = await makeEngine(61);
    e.start(0);
    e.takeTransmits();
    for (const key of LOW_ORDER) {
      e.handleDatagram(1, FROM, packet(0x00, key, 9 + 16)); // ping request
      e.handleDatagram(1, FROM, packet(0x02, key, 40 + 16)); // nodes request
      e.handleDatagram(1, FROM, packet(0x18, key, 145 - 57)); // cookie request (145 bytes)
      e.handleDatagram(1, FROM, concat(Uint8Array.of(0x20), e.keys.dht.publicKey, key, new Uint8Array(24), new Uint8Array(40).fill(3))); // DHT request to us
      e.handleDatagram(1, FROM, concat(Uint8Array.of(0x80), new Uint8Array(24).fill(1), key, new Uint8Array(200).fill(5))); // onion request 0
    }
    expect(e.counters.get('error.handler')).toBe(0);
    expect(e.lastError).toBeNull();
    expect(e.counters.sum('drop.')).toBeGreaterThanOrEqual(LOW_ORDER.length * 5);
    expect(e.takeTransmits()).toEqual([]);
  });

  it('the key a low-order public key gets is ours alone: a box sealed with all zeros does not open with it', async () => {
    const e = await makeEngine(62);
    const other = await makeEngine(63);
    let lowOrder = 0;
    const k = sharedKeyOf(e.crypto, LOW_ORDER[0]!, e.keys.dht.secretKey, () => lowOrder++);
    expect(lowOrder).toBe(1);
    expect(k).toHaveLength(32);
    expect(k).not.toEqual(new Uint8Array(32));
    // Another node's secret gives another key: nobody can compute ours.
    expect(sharedKeyOf(e.crypto, LOW_ORDER[0]!, other.keys.dht.secretKey)).not.toEqual(k);
    const nonce = new Uint8Array(24);
    const forged = e.crypto.seal(new Uint8Array(32), nonce, Uint8Array.of(1, 2, 3));
    expect(e.crypto.open(k, nonce, forged)).toBeNull();
    // A real key is computed as before.
    expect(sharedKeyOf(e.crypto, other.keys.dht.publicKey, e.keys.dht.secretKey)).toEqual(e.crypto.precompute(other.keys.dht.publicKey, e.keys.dht.secretKey));
  });
});
