/**
 * friend_connection and Messenger limits (docs/protocol.md §5.1, §6.2, §7.2): the one definition
 * of the name, status-message, message and friend-request lengths, used by the codecs, the
 * savedata codecs, the CLI and the runtime. These are lossless net_crypto payloads: the id is
 * the first byte of the payload, `CRYPTO_PAYLOAD_ID` in packet-ids.ts (re-exported here).
 */
import { MAX_CRYPTO_DATA_SIZE_BYTES } from '../net-crypto/constants.js';
import { ONION_CLIENT_MAX_DATA_SIZE_BYTES, ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES } from '../onion/constants.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { NOSPAM_SIZE_BYTES } from '../tox-id.js';

export { CRYPTO_PAYLOAD_ID };

/** At most this many relays in one share-relays packet (friend_connection.h MAX_SHARED_RELAYS = RECOMMENDED_FRIEND_TCP_CONNECTIONS). */
export const MAX_SHARED_RELAYS = 3;
/**
 * Name bytes: a nickname packet, a saved name and a saved friend's name (Messenger.h
 * `MAX_NAME_LENGTH` = 128; tox.h `TOX_MAX_NAME_LENGTH`).
 */
export const MAX_NAME_LENGTH_BYTES = 128;
/**
 * Status-message bytes: a status-message packet and the saved ones (Messenger.h
 * `MAX_STATUSMESSAGE_LENGTH` = 1007; tox.h `TOX_MAX_STATUS_MESSAGE_LENGTH`).
 */
export const MAX_STATUSMESSAGE_LENGTH_BYTES = 1007;
/**
 * Message / action text bytes, 1372: one less than the payload limit (tox.h
 * `TOX_MAX_MESSAGE_LENGTH`; Messenger.c `m_send_message` refuses `length >= MAX_CRYPTO_DATA_SIZE`).
 */
export const MAX_MESSAGE_LENGTH_BYTES = MAX_CRYPTO_DATA_SIZE_BYTES - 1;
/**
 * Friend-request message bytes on the wire, 1016 = 1021 − id 1 − nospam 4, both as friend_connection
 * payload 18 and as onion data 32 (tox.h `TOX_MAX_FRIEND_REQUEST_LENGTH`; friend_requests.c
 * `friendreq_handlepacket` refuses a whole request over `ONION_CLIENT_MAX_DATA_SIZE`, onion_client.h).
 */
export const MAX_FRIEND_REQUEST_MESSAGE_BYTES = ONION_CLIENT_MAX_DATA_SIZE_BYTES - 1 - NOSPAM_SIZE_BYTES;
/**
 * Friend-request message bytes a c-toxcore 0.2.18 receiver accepts over the onion, 943 = 948 − id 1
 * − nospam 4: its `handle_data_response` drops onion data over 948 bytes (see
 * `ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES`, onion/constants.ts). The runtime refuses longer ones.
 */
export const MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES = ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES - 1 - NOSPAM_SIZE_BYTES;

/** Messenger.h Userstatus: NONE 0, AWAY 1, BUSY 2; USERSTATUS_INVALID (3) and above are ignored. */
export const USERSTATUS_NONE = 0;
export const USERSTATUS_AWAY = 1;
export const USERSTATUS_BUSY = 2;
export const USERSTATUS_INVALID = 3;
