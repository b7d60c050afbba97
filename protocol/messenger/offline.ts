/**
 * OFFLINE, Messenger payload 25 (tox-protocol.md §6.2): the friend goes back to "confirmed"
 * (offline) while the connection stays up.
 *
 * Serialized form (exactly 1 byte; c-toxcore ignores it with any trailing byte):
 *
 * | offset | length | field |
 * |-------:|-------:|-------|
 * |      0 |      1 | 0x19  |
 */
import type { Bytes } from '../bytes.js';
import { err, ok, type Result } from '../result.js';
import { PACKET_ID_OFFLINE } from './constants.js';

export interface OfflinePacket {
  readonly kind: 'offline';
}

export function encodeOffline(): Bytes {
  return Uint8Array.of(PACKET_ID_OFFLINE);
}

export function decodeOffline(bytes: Bytes): Result<OfflinePacket> {
  if (bytes.length === 0 || bytes[0] !== PACKET_ID_OFFLINE) return err('offline: id is not 25');
  if (bytes.length !== 1) return err(`offline: length ${bytes.length}, must be exactly 1`);
  return ok({ kind: 'offline' });
}
