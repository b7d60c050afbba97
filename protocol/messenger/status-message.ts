/**
 * STATUSMESSAGE, Messenger payload 49 (docs/protocol.md §6.2): the sender's status message.
 *
 * Serialized form (1..1008 bytes):
 *
 * | offset | length  | field                                |
 * |-------:|--------:|--------------------------------------|
 * |      0 |       1 | 0x31                                 |
 * |      1 | 0..1007 | status message (UTF-8 by convention) |
 *
 * c-toxcore ignores one longer than MAX_STATUSMESSAGE_LENGTH (1007); empty is valid.
 */
import { Writer, type Bytes } from '../bytes.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { MAX_STATUSMESSAGE_LENGTH_BYTES } from './constants.js';

export interface StatusMessagePacket {
  readonly kind: 'statusMessage';
  readonly message: Bytes;
}

/** Throws on a status message longer than 1007 bytes. */
export function encodeStatusMessage(message: Bytes): Bytes {
  if (message.length > MAX_STATUSMESSAGE_LENGTH_BYTES) {
    throw new Error(`status message: ${message.length} bytes, at most ${MAX_STATUSMESSAGE_LENGTH_BYTES}`);
  }
  return new Writer(1 + message.length).u8(CRYPTO_PAYLOAD_ID.status_message).bytes(message).finish();
}

export function decodeStatusMessage(bytes: Bytes): Result<StatusMessagePacket> {
  if (bytes.length === 0 || bytes[0] !== CRYPTO_PAYLOAD_ID.status_message) return err(`status message: id is not ${CRYPTO_PAYLOAD_ID.status_message}`);
  if (bytes.length - 1 > MAX_STATUSMESSAGE_LENGTH_BYTES) {
    return err(`status message: ${bytes.length - 1} bytes, at most ${MAX_STATUSMESSAGE_LENGTH_BYTES}`);
  }
  return ok({ kind: 'statusMessage', message: bytes.slice(1) });
}
