/**
 * LAN discovery 0x21 (docs/protocol.md §2.6; c-toxcore `toxcore/LAN_discovery.c`
 * `lan_discovery_send`, `toxcore/DHT.c` `handle_LANdiscovery`). Unencrypted,
 * exactly 33 bytes. c-toxcore answers one from a LAN address with a nodes
 * request for its own DHT key. toxstate never broadcasts, so there is
 * deliberately no encoder here (tests build the bytes by hand).
 *
 * Serialized form:
 *
 * | offset | length | field                 |
 * |-------:|-------:|-----------------------|
 * |      0 |      1 | 0x21                  |
 * |      1 |     32 | sender DHT public key |
 */
import type { Bytes } from '../bytes.js';
import { PUBLIC_KEY_SIZE_BYTES } from '../crypto.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';

/** id 1 + DHT pk 32: c-toxcore requires exactly this length. */
export const LAN_DISCOVERY_SIZE_BYTES = 1 + PUBLIC_KEY_SIZE_BYTES;

export interface LanDiscovery {
  readonly dhtPk: Bytes;
}

export function decodeLanDiscovery(bytes: Bytes): Result<LanDiscovery> {
  if (bytes.length !== LAN_DISCOVERY_SIZE_BYTES) return err(`LAN discovery: ${bytes.length} bytes, expected ${LAN_DISCOVERY_SIZE_BYTES}`);
  if (bytes[0] !== PACKET_ID.lan_discovery) return err(`LAN discovery: packet id 0x${bytes[0]!.toString(16)} is not 0x21`);
  return ok({ dhtPk: bytes.slice(1) });
}
