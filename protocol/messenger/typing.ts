/**
 * TYPING, Messenger payload 51 (docs/protocol.md §6.2): whether the sender is typing.
 *
 * Serialized form (exactly 2 bytes):
 *
 * | offset | length | field                          |
 * |-------:|-------:|--------------------------------|
 * |      0 |      1 | 0x33                           |
 * |      1 |      1 | typing: 0 no, 1 yes            |
 *
 * We send 0 or 1; like c-toxcore (`data[0] != 0`) any non-zero byte reads as typing. Any other
 * length is ignored by c-toxcore and refused here.
 */
import type { Bytes } from '../bytes.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';

export interface TypingPacket {
  readonly kind: 'typing';
  readonly typing: boolean;
}

export function encodeTyping(typing: boolean): Bytes {
  return Uint8Array.of(CRYPTO_PAYLOAD_ID.typing, typing ? 1 : 0);
}

export function decodeTyping(bytes: Bytes): Result<TypingPacket> {
  if (bytes.length === 0 || bytes[0] !== CRYPTO_PAYLOAD_ID.typing) return err(`typing: id is not ${CRYPTO_PAYLOAD_ID.typing}`);
  if (bytes.length !== 2) return err(`typing: length ${bytes.length}, must be exactly 2`);
  return ok({ kind: 'typing', typing: bytes[1] !== 0 });
}
