/**
 * OFFLINE, Messenger payload 25 (docs/protocol.md §6.2): the friend goes back to "confirmed"
 * (offline) while the connection stays up.
 *
 * Serialized form (exactly 1 byte; c-toxcore ignores it with any trailing byte):
 *
 * | offset | length | field |
 * |-------:|-------:|-------|
 * |      0 |      1 | 0x19  |
 */
import type { Bytes } from '../bytes.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';

export interface OfflinePacket {
  readonly kind: 'offline';
}

export function encodeOffline(): Bytes {
  return Uint8Array.of(CRYPTO_PAYLOAD_ID.offline);
}

export function decodeOffline(bytes: Bytes): Result<OfflinePacket> {
  if (bytes.length === 0 || bytes[0] !== CRYPTO_PAYLOAD_ID.offline) return err(`offline: id is not ${CRYPTO_PAYLOAD_ID.offline}`);
  if (bytes.length !== 1) return err(`offline: length ${bytes.length}, must be exactly 1`);
  return ok({ kind: 'offline' });
}
