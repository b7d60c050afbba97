/**
 * FRIEND_REQUESTS, friend_connection payload 18 (docs/protocol.md §5.1, §7): a friend request
 * sent over an already established net_crypto connection (the same body as onion data id 32).
 * The receiver checks the nospam against its own before showing the message.
 *
 * Serialized form (6..1021 bytes):
 *
 * | offset | length | field                                      |
 * |-------:|-------:|--------------------------------------------|
 * |      0 |      1 | 0x12                                       |
 * |      1 |      4 | nospam: the receiver's Tox ID bytes 32..35 |
 * |      5 |  1..1016 | message (UTF-8 by convention, not checked) |
 *
 * c-toxcore `friendreq_handlepacket`: length must be > 5 and ≤ 1021 (onion_client.h ONION_CLIENT_MAX_DATA_SIZE).
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import { ONION_CLIENT_MAX_DATA_SIZE_BYTES } from '../onion/constants.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { NOSPAM_SIZE_BYTES } from '../tox-id.js';
import { MAX_FRIEND_REQUEST_MESSAGE_BYTES } from './constants.js';

export interface FriendRequestPacket {
  readonly kind: 'friendRequest';
  /** 4 raw bytes, in Tox ID order. */
  readonly nospam: Bytes;
  /** 1..1016 bytes. */
  readonly message: Bytes;
}

/** Throws on a nospam that is not 4 bytes or a message outside 1..1016 bytes. */
export function encodeFriendRequest(nospam: Bytes, message: Bytes): Bytes {
  if (nospam.length !== NOSPAM_SIZE_BYTES) throw new Error('friend request: nospam must be 4 bytes');
  if (message.length < 1 || message.length > MAX_FRIEND_REQUEST_MESSAGE_BYTES) {
    throw new Error(`friend request: message length ${message.length} outside 1..${MAX_FRIEND_REQUEST_MESSAGE_BYTES}`);
  }
  return new Writer(1 + NOSPAM_SIZE_BYTES + message.length).u8(CRYPTO_PAYLOAD_ID.friend_requests).bytes(nospam).bytes(message).finish();
}

export function decodeFriendRequest(bytes: Bytes): Result<FriendRequestPacket> {
  if (bytes.length === 0 || bytes[0] !== CRYPTO_PAYLOAD_ID.friend_requests) return err(`friend request: id is not ${CRYPTO_PAYLOAD_ID.friend_requests}`);
  if (bytes.length <= 1 + NOSPAM_SIZE_BYTES) return err('friend request: no message');
  if (bytes.length > ONION_CLIENT_MAX_DATA_SIZE_BYTES) return err(`friend request: length ${bytes.length} exceeds ${ONION_CLIENT_MAX_DATA_SIZE_BYTES}`);
  const r = new Reader(bytes);
  r.u8();
  const nospam = r.bytes(NOSPAM_SIZE_BYTES);
  return ok({ kind: 'friendRequest', nospam, message: r.rest() });
}
