/**
 * ALIVE, friend_connection payload 16 (docs/protocol.md §5.1, §5.2): the keep-alive ping. It is
 * the only thing that refreshes a friend connection's liveness (killed after 32 s without it);
 * c-toxcore sends one about every 9 s.
 *
 * Serialized form (1 byte):
 *
 * | offset | length | field |
 * |-------:|-------:|-------|
 * |      0 |      1 | 0x10  |
 *
 * c-toxcore `handle_packet` (friend_connection.c) looks only at the id byte, so trailing bytes
 * are accepted and ignored on decode.
 */
import type { Bytes } from '../bytes.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';

export interface AlivePacket {
  readonly kind: 'alive';
}

export function encodeAlive(): Bytes {
  return Uint8Array.of(CRYPTO_PAYLOAD_ID.alive);
}

export function decodeAlive(bytes: Bytes): Result<AlivePacket> {
  if (bytes.length === 0 || bytes[0] !== CRYPTO_PAYLOAD_ID.alive) return err(`alive: id is not ${CRYPTO_PAYLOAD_ID.alive}`);
  return ok({ kind: 'alive' });
}
