/**
 * friend_connection and Messenger payloads (docs/protocol.md §5.1, §6.2, §7): the public surface
 * of this folder. `decodeMessengerPacket` dispatches on the id byte of a lossless net_crypto
 * payload; ids this engine does not model (file transfer, conferences, MSI, custom packets)
 * decode to an error naming the id, so the runtime can count and drop them.
 *
 * Serialized form (every payload):
 *
 * | offset | length | field                 |
 * |-------:|-------:|-----------------------|
 * |      0 |      1 | payload id (16..65)   |
 * |      1 |      … | body, see each file   |
 */
import type { Bytes } from '../bytes.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, type Result } from '../result.js';
import { decodeAction, encodeAction, type ActionPacket } from './action.js';
import { decodeAlive, encodeAlive, type AlivePacket } from './alive.js';
import { decodeFriendRequest, encodeFriendRequest, type FriendRequestPacket } from './friend-request.js';
import { decodeMessage, encodeMessage, type MessagePacket } from './message.js';
import { decodeNickname, encodeNickname, type NicknamePacket } from './nickname.js';
import { decodeOffline, encodeOffline, type OfflinePacket } from './offline.js';
import { decodeOnline, encodeOnline, type OnlinePacket } from './online.js';
import { decodeShareRelays, encodeShareRelays, type ShareRelaysPacket } from './share-relays.js';
import { decodeStatusMessage, encodeStatusMessage, type StatusMessagePacket } from './status-message.js';
import { decodeTyping, encodeTyping, type TypingPacket } from './typing.js';
import { decodeUserStatus, encodeUserStatus, type UserStatusPacket } from './user-status.js';

export * from './constants.js';
export * from './action.js';
export * from './alive.js';
export * from './friend-request.js';
export * from './message.js';
export * from './nickname.js';
export * from './offline.js';
export * from './online.js';
export * from './share-relays.js';
export * from './status-message.js';
export * from './typing.js';
export * from './user-status.js';

export type MessengerPacket =
  | AlivePacket
  | ShareRelaysPacket
  | FriendRequestPacket
  | OnlinePacket
  | OfflinePacket
  | NicknamePacket
  | StatusMessagePacket
  | UserStatusPacket
  | TypingPacket
  | MessagePacket
  | ActionPacket;

export type MessengerPacketKind = MessengerPacket['kind'];

/** Encodes any modelled payload. Throws when a field breaks its limit (our own bug). */
export function encodeMessengerPacket(p: MessengerPacket): Bytes {
  switch (p.kind) {
    case 'alive':
      return encodeAlive();
    case 'shareRelays':
      return encodeShareRelays(p.relays);
    case 'friendRequest':
      return encodeFriendRequest(p.nospam, p.message);
    case 'online':
      return encodeOnline();
    case 'offline':
      return encodeOffline();
    case 'nickname':
      return encodeNickname(p.name);
    case 'statusMessage':
      return encodeStatusMessage(p.message);
    case 'userStatus':
      return encodeUserStatus(p.status);
    case 'typing':
      return encodeTyping(p.typing);
    case 'message':
      return encodeMessage(p.text);
    case 'action':
      return encodeAction(p.text);
  }
}

/** Decodes a lossless payload (id byte first). Never throws. */
export function decodeMessengerPacket(bytes: Bytes): Result<MessengerPacket> {
  if (bytes.length === 0) return err('messenger packet: empty');
  switch (bytes[0]) {
    case CRYPTO_PAYLOAD_ID.alive:
      return decodeAlive(bytes);
    case CRYPTO_PAYLOAD_ID.share_relays:
      return decodeShareRelays(bytes);
    case CRYPTO_PAYLOAD_ID.friend_requests:
      return decodeFriendRequest(bytes);
    case CRYPTO_PAYLOAD_ID.online:
      return decodeOnline(bytes);
    case CRYPTO_PAYLOAD_ID.offline:
      return decodeOffline(bytes);
    case CRYPTO_PAYLOAD_ID.nickname:
      return decodeNickname(bytes);
    case CRYPTO_PAYLOAD_ID.status_message:
      return decodeStatusMessage(bytes);
    case CRYPTO_PAYLOAD_ID.user_status:
      return decodeUserStatus(bytes);
    case CRYPTO_PAYLOAD_ID.typing:
      return decodeTyping(bytes);
    case CRYPTO_PAYLOAD_ID.message:
      return decodeMessage(bytes);
    case CRYPTO_PAYLOAD_ID.action:
      return decodeAction(bytes);
    default:
      return err(`messenger packet: id ${bytes[0]} is not modelled`);
  }
}
