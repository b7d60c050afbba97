/**
 * net_crypto payload ids (docs/protocol.md §4.3): the first non-padding byte of a crypto data
 * packet's plaintext says what it is. Ranges from c-toxcore 0.2.18 `toxcore/net_crypto.h`
 * (PACKET_ID_RANGE_*) and `handle_data_packet_core`.
 *
 * | id      | meaning                                                       |
 * |---------|---------------------------------------------------------------|
 * | 0       | padding (skipped by the receiver)                             |
 * | 1       | request (list of missing lossless packets)                    |
 * | 2       | kill (NOT 3; §11.2)                                           |
 * | 3–15    | reserved: dropped                                             |
 * | 16–191  | lossless (16–159 normal, 160–191 custom)                      |
 * | 192–254 | lossy (192–199 A/V, 200–254 custom)                           |
 * | 255     | dropped in 0.2.18                                             |
 *
 * The ids themselves are `CRYPTO_PAYLOAD_ID` in packet-ids.ts (re-exported here).
 */
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';

export { CRYPTO_PAYLOAD_ID };
/** PACKET_ID_RANGE_RESERVED_END (net_crypto.h). */
export const PACKET_ID_RANGE_RESERVED_END = 15;
/** PACKET_ID_RANGE_LOSSLESS_START / _END (net_crypto.h). */
export const PACKET_ID_RANGE_LOSSLESS_START = 16;
export const PACKET_ID_RANGE_LOSSLESS_END = 191;
/** PACKET_ID_RANGE_LOSSLESS_CUSTOM_START (net_crypto.h). */
export const PACKET_ID_RANGE_LOSSLESS_CUSTOM_START = 160;
/** PACKET_ID_RANGE_LOSSY_START / _END (net_crypto.h). */
export const PACKET_ID_RANGE_LOSSY_START = 192;
export const PACKET_ID_RANGE_LOSSY_END = 254;

export type PayloadClass = 'padding' | 'request' | 'kill' | 'reserved' | 'lossless' | 'lossy' | 'dropped';

/** What net_crypto does with a payload whose first byte is `id` (an integer 0..255). */
export function classifyPayloadId(id: number): PayloadClass {
  if (!Number.isInteger(id) || id < 0 || id > 255) throw new Error(`classifyPayloadId: ${id} is not a byte`);
  if (id === CRYPTO_PAYLOAD_ID.padding) return 'padding';
  if (id === CRYPTO_PAYLOAD_ID.request) return 'request';
  if (id === CRYPTO_PAYLOAD_ID.kill) return 'kill';
  if (id <= PACKET_ID_RANGE_RESERVED_END) return 'reserved';
  if (id <= PACKET_ID_RANGE_LOSSLESS_END) return 'lossless';
  if (id <= PACKET_ID_RANGE_LOSSY_END) return 'lossy';
  return 'dropped';
}
