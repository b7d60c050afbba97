/**
 * friend_connection and Messenger limits (tox-protocol.md §5.1, §6.2, §7.2). These are lossless
 * net_crypto payloads: the id is the first byte of the payload, `CRYPTO_PAYLOAD_ID` in
 * packet-ids.ts (re-exported here).
 */
import { MAX_CRYPTO_DATA_SIZE_BYTES } from '../net-crypto/constants.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';

export { CRYPTO_PAYLOAD_ID };

// Deprecated second names of CRYPTO_PAYLOAD_ID entries, kept only while runtime/ (and
// test/runtime/messenger.test.ts) still import them (issue 14).
/** @deprecated Use `CRYPTO_PAYLOAD_ID.alive`. */
export const PACKET_ID_ALIVE = CRYPTO_PAYLOAD_ID.alive;
/** @deprecated Use `CRYPTO_PAYLOAD_ID.share_relays`. */
export const PACKET_ID_SHARE_RELAYS = CRYPTO_PAYLOAD_ID.share_relays;
/** @deprecated Use `CRYPTO_PAYLOAD_ID.friend_requests`. */
export const PACKET_ID_FRIEND_REQUESTS = CRYPTO_PAYLOAD_ID.friend_requests;
/** @deprecated Use `CRYPTO_PAYLOAD_ID.online`. */
export const PACKET_ID_ONLINE = CRYPTO_PAYLOAD_ID.online;
/** @deprecated Use `CRYPTO_PAYLOAD_ID.nickname`. */
export const PACKET_ID_NICKNAME = CRYPTO_PAYLOAD_ID.nickname;
/** @deprecated Use `CRYPTO_PAYLOAD_ID.status_message`. */
export const PACKET_ID_STATUSMESSAGE = CRYPTO_PAYLOAD_ID.status_message;

/** At most this many relays in one share-relays packet (friend_connection.h MAX_SHARED_RELAYS = RECOMMENDED_FRIEND_TCP_CONNECTIONS). */
export const MAX_SHARED_RELAYS = 3;
/** Nickname bytes (Messenger.h MAX_NAME_LENGTH). */
export const MAX_NAME_LENGTH_BYTES = 128;
/** Status message bytes (Messenger.h MAX_STATUSMESSAGE_LENGTH). */
export const MAX_STATUSMESSAGE_LENGTH_BYTES = 1007;
/** Message / action text bytes: one less than the payload limit (tox.h TOX_MAX_MESSAGE_LENGTH; Messenger.c `length >= MAX_CRYPTO_DATA_SIZE` refused). */
export const MAX_MESSAGE_LENGTH_BYTES = MAX_CRYPTO_DATA_SIZE_BYTES - 1;
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
