/**
 * MESSAGE, Messenger payload 64 (docs/protocol.md §6.2): a chat message. ACTION (65, a "/me"
 * message, action.ts) has the same body. There is no receipt packet: the sender learns of
 * delivery when our net_crypto buffer_start passes the packet's number.
 *
 * Serialized form (2..1373 bytes):
 *
 * | offset | length  | field                                   |
 * |-------:|--------:|-----------------------------------------|
 * |      0 |       1 | 0x40 (0x41 for ACTION)                  |
 * |      1 | 1..1372 | text (UTF-8 by convention, not checked) |
 *
 * c-toxcore ignores an empty message; the sender refuses ≥ 1373 bytes of text
 * (Messenger.c `m_send_message`: `length >= MAX_CRYPTO_DATA_SIZE`).
 */
import { Writer, type Bytes } from '../bytes.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { MAX_MESSAGE_LENGTH_BYTES } from './constants.js';

export interface MessagePacket {
  readonly kind: 'message';
  readonly text: Bytes;
}

/** Shared by MESSAGE and ACTION. Throws on text outside 1..1372 bytes. */
export function encodeText(id: typeof CRYPTO_PAYLOAD_ID.message | typeof CRYPTO_PAYLOAD_ID.action, text: Bytes): Bytes {
  if (text.length < 1 || text.length > MAX_MESSAGE_LENGTH_BYTES) {
    throw new Error(`message: text length ${text.length} outside 1..${MAX_MESSAGE_LENGTH_BYTES}`);
  }
  return new Writer(1 + text.length).u8(id).bytes(text).finish();
}

/** Shared by MESSAGE and ACTION. */
export function decodeText(id: number, name: string, bytes: Bytes): Result<Bytes> {
  if (bytes.length === 0 || bytes[0] !== id) return err(`${name}: id is not ${id}`);
  if (bytes.length === 1) return err(`${name}: empty text (ignored by c-toxcore)`);
  if (bytes.length - 1 > MAX_MESSAGE_LENGTH_BYTES) return err(`${name}: text length ${bytes.length - 1} exceeds ${MAX_MESSAGE_LENGTH_BYTES}`);
  return ok(bytes.slice(1));
}

export function encodeMessage(text: Bytes): Bytes {
  return encodeText(CRYPTO_PAYLOAD_ID.message, text);
}

export function decodeMessage(bytes: Bytes): Result<MessagePacket> {
  const t = decodeText(CRYPTO_PAYLOAD_ID.message, 'message', bytes);
  return t.ok ? ok({ kind: 'message', text: t.value }) : t;
}
