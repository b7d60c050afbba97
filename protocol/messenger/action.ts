/**
 * ACTION, Messenger payload 65 (docs/protocol.md §6.2): a "/me" message; the body is the same
 * as MESSAGE (message.ts).
 *
 * Serialized form (2..1373 bytes):
 *
 * | offset | length  | field                                   |
 * |-------:|--------:|-----------------------------------------|
 * |      0 |       1 | 0x41                                    |
 * |      1 | 1..1372 | text (UTF-8 by convention, not checked) |
 */
import type { Bytes } from '../bytes.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { ok, type Result } from '../result.js';
import { decodeText, encodeText } from './message.js';

export interface ActionPacket {
  readonly kind: 'action';
  readonly text: Bytes;
}

export function encodeAction(text: Bytes): Bytes {
  return encodeText(CRYPTO_PAYLOAD_ID.action, text);
}

export function decodeAction(bytes: Bytes): Result<ActionPacket> {
  const t = decodeText(CRYPTO_PAYLOAD_ID.action, 'action', bytes);
  return t.ok ? ok({ kind: 'action', text: t.value }) : t;
}
