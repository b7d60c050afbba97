/**
 * NICKNAME, Messenger payload 48 (docs/protocol.md §6.2): the sender's display name.
 *
 * Serialized form (1..129 bytes):
 *
 * | offset | length | field                                   |
 * |-------:|-------:|-----------------------------------------|
 * |      0 |      1 | 0x30                                    |
 * |      1 | 0..128 | name bytes (UTF-8 by convention, no NUL) |
 *
 * c-toxcore ignores a name longer than MAX_NAME_LENGTH (128); an empty name is valid.
 */
import { Writer, type Bytes } from '../bytes.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { MAX_NAME_LENGTH_BYTES } from './constants.js';

export interface NicknamePacket {
  readonly kind: 'nickname';
  readonly name: Bytes;
}

/** Throws on a name longer than 128 bytes. */
export function encodeNickname(name: Bytes): Bytes {
  if (name.length > MAX_NAME_LENGTH_BYTES) throw new Error(`nickname: ${name.length} bytes, at most ${MAX_NAME_LENGTH_BYTES}`);
  return new Writer(1 + name.length).u8(CRYPTO_PAYLOAD_ID.nickname).bytes(name).finish();
}

export function decodeNickname(bytes: Bytes): Result<NicknamePacket> {
  if (bytes.length === 0 || bytes[0] !== CRYPTO_PAYLOAD_ID.nickname) return err(`nickname: id is not ${CRYPTO_PAYLOAD_ID.nickname}`);
  if (bytes.length - 1 > MAX_NAME_LENGTH_BYTES) return err(`nickname: ${bytes.length - 1} bytes, at most ${MAX_NAME_LENGTH_BYTES}`);
  return ok({ kind: 'nickname', name: bytes.slice(1) });
}
