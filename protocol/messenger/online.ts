/**
 * ONLINE, Messenger payload 24 (docs/protocol.md §6.1, §11.9): "I consider you online". c-toxcore
 * marks a friend online only after receiving it, and drops every other Messenger packet before
 * that; it answers with its own ONLINE.
 *
 * Serialized form (exactly 1 byte; c-toxcore ignores it with any trailing byte):
 *
 * | offset | length | field |
 * |-------:|-------:|-------|
 * |      0 |      1 | 0x18  |
 */
import type { Bytes } from '../bytes.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';

export interface OnlinePacket {
  readonly kind: 'online';
}

export function encodeOnline(): Bytes {
  return Uint8Array.of(CRYPTO_PAYLOAD_ID.online);
}

export function decodeOnline(bytes: Bytes): Result<OnlinePacket> {
  if (bytes.length === 0 || bytes[0] !== CRYPTO_PAYLOAD_ID.online) return err(`online: id is not ${CRYPTO_PAYLOAD_ID.online}`);
  if (bytes.length !== 1) return err(`online: length ${bytes.length}, must be exactly 1`);
  return ok({ kind: 'online' });
}
