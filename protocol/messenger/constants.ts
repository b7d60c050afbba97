/**
 * friend_connection and Messenger payload ids and limits (tox-protocol.md §5.1, §6.2, §7.2).
 * These are lossless net_crypto payloads: the id is the first byte of the payload.
 */
import { MAX_CRYPTO_DATA_SIZE } from '../net-crypto/constants.js';

/** friend_connection.h PACKET_ID_ALIVE. */
export const PACKET_ID_ALIVE = 16;
/** friend_connection.h PACKET_ID_SHARE_RELAYS. */
export const PACKET_ID_SHARE_RELAYS = 17;
/** friend_connection.h PACKET_ID_FRIEND_REQUESTS. */
export const PACKET_ID_FRIEND_REQUESTS = 18;
/** net_crypto.h PACKET_ID_ONLINE. */
export const PACKET_ID_ONLINE = 24;
/** net_crypto.h PACKET_ID_OFFLINE. */
export const PACKET_ID_OFFLINE = 25;
/** net_crypto.h PACKET_ID_NICKNAME. */
export const PACKET_ID_NICKNAME = 48;
/** net_crypto.h PACKET_ID_STATUSMESSAGE. */
export const PACKET_ID_STATUSMESSAGE = 49;
/** net_crypto.h PACKET_ID_USERSTATUS. */
export const PACKET_ID_USERSTATUS = 50;
/** net_crypto.h PACKET_ID_TYPING. */
export const PACKET_ID_TYPING = 51;
/** net_crypto.h PACKET_ID_MESSAGE. */
export const PACKET_ID_MESSAGE = 64;
/** net_crypto.h PACKET_ID_ACTION (= PACKET_ID_MESSAGE + MESSAGE_ACTION). */
export const PACKET_ID_ACTION = 65;

/** At most this many relays in one share-relays packet (friend_connection.h MAX_SHARED_RELAYS = RECOMMENDED_FRIEND_TCP_CONNECTIONS). */
export const MAX_SHARED_RELAYS = 3;
/** Nickname bytes (Messenger.h MAX_NAME_LENGTH). */
export const MAX_NAME_LENGTH_BYTES = 128;
/** Status message bytes (Messenger.h MAX_STATUSMESSAGE_LENGTH). */
export const MAX_STATUSMESSAGE_LENGTH_BYTES = 1007;
/** Message / action text bytes: one less than the payload limit (tox.h TOX_MAX_MESSAGE_LENGTH; Messenger.c `length >= MAX_CRYPTO_DATA_SIZE` refused). */
export const MAX_MESSAGE_LENGTH_BYTES = MAX_CRYPTO_DATA_SIZE - 1;
/** Whole friend-request packet, id included (friend_requests.c: `length > ONION_CLIENT_MAX_DATA_SIZE` refused; onion_client.h = 1021). */
export const ONION_CLIENT_MAX_DATA_SIZE = 1021;
/** Friend-request nospam bytes (friend_requests.c `sizeof(fr->nospam)`). */
export const FRIEND_REQUEST_NOSPAM_SIZE = 4;
/** Friend-request message bytes (tox.h TOX_MAX_FRIEND_REQUEST_LENGTH = 1021 − 1 − 4). */
export const MAX_FRIEND_REQUEST_MESSAGE_BYTES = ONION_CLIENT_MAX_DATA_SIZE - 1 - FRIEND_REQUEST_NOSPAM_SIZE;

/** Messenger.h Userstatus: NONE 0, AWAY 1, BUSY 2; USERSTATUS_INVALID (3) and above are ignored. */
export const USERSTATUS_NONE = 0;
export const USERSTATUS_AWAY = 1;
export const USERSTATUS_BUSY = 2;
export const USERSTATUS_INVALID = 3;
