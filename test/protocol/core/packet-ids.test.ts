/**
 * packet-ids.ts against c-toxcore v0.2.18 `toxcore/network.h` (non-test
 * `Net_Packet_Type`) and docs/protocol.md §2.7.
 */
import { describe, expect, it } from 'vitest';
import { datagramKind, PACKET_ID, packetKind } from '../../../protocol/packet-ids.js';

describe('packet ids', () => {
  it('has the c-toxcore 0.2.18 values', () => {
    const expected: Record<string, number> = {
      ping_request: 0x00, ping_response: 0x01, nodes_request: 0x02, nodes_response: 0x04,
      cookie_request: 0x18, cookie_response: 0x19, handshake: 0x1a, crypto_data: 0x1b,
      dht_request: 0x20, lan_discovery: 0x21,
      onion_request_0: 0x80, onion_request_1: 0x81, onion_request_2: 0x82,
      announce_request: 0x83, announce_response: 0x84, onion_data_request: 0x85, onion_data_response: 0x86,
      announce_request_new: 0x87, announce_response_new: 0x88,
      onion_response_3: 0x8c, onion_response_2: 0x8d, onion_response_1: 0x8e,
      forward_request: 0x90, forwarding: 0x91, forward_reply: 0x92,
      data_search_request: 0x93, data_search_response: 0x94,
      data_retrieve_request: 0x95, data_retrieve_response: 0x96,
      store_announce_request: 0x97, store_announce_response: 0x98,
      bootstrap_info: 0xf0,
    };
    expect({ ...PACKET_ID }).toEqual(expected);
  });

  it('ids are unique and packetKind inverts the table', () => {
    const ids = Object.values(PACKET_ID);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [k, v] of Object.entries(PACKET_ID)) expect(packetKind(v)).toBe(k);
  });

  it('everything else is unknown', () => {
    const known = new Set<number>(Object.values(PACKET_ID));
    for (let id = 0; id < 256; id++) if (!known.has(id)) expect(packetKind(id)).toBe('unknown');
    expect(packetKind(256)).toBe('unknown');
    expect(packetKind(-1)).toBe('unknown');
    expect(datagramKind(new Uint8Array(0))).toBe('unknown');
    expect(datagramKind(Uint8Array.of(0x1a, 0))).toBe('handshake');
  });
});
