/**
 * Onion size constants (docs/protocol.md §3.2), each with its c-toxcore 0.2.18
 * source. All values are byte counts.
 *
 * There is no serialized form here; the packet files reference these:
 *
 * | constant                          | bytes | c-toxcore                                  |
 * |-----------------------------------|------:|--------------------------------------------|
 * | ONION_IP_PORT_SIZE_BYTES          |    19 | `SIZE_IPPORT` (network.h)                  |
 * | ONION_RETURN_1/2/3_SIZE_BYTES     | 59/118/177 | `ONION_RETURN_1/2/3` (onion.h)        |
 * | ONION_SEND_BASE_SIZE_BYTES        |    67 | `ONION_SEND_BASE` (onion.h)                |
 * | ONION_MAX_PACKET_SIZE_BYTES       |  1400 | `ONION_MAX_PACKET_SIZE` (onion.h)          |
 * | ONION_MAX_DATA_SIZE_BYTES         |  1174 | `ONION_MAX_DATA_SIZE` (onion.h)            |
 * | ONION_RESPONSE_MAX_DATA_SIZE_BYTES|  1222 | `ONION_RESPONSE_MAX_DATA_SIZE` (onion.h)   |
 * | MAX_DATA_REQUEST_SIZE_BYTES       |  1069 | `MAX_DATA_REQUEST_SIZE` (onion_announce.h) |
 * | ONION_CLIENT_MAX_DATA_SIZE_BYTES  |  1021 | `ONION_CLIENT_MAX_DATA_SIZE` (onion_client.h) |
 * | ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES | 948 | derived: 1069 − 121 (see below)          |
 */
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES } from '../crypto.js';
import { ONION_IP_PORT_SIZE_BYTES } from '../ip-port.js';

export { ONION_IP_PORT_SIZE_BYTES };

/** nonce 24 + secretbox(IP_Port 19): the blob relay A appends (`ONION_RETURN_1`, onion.h). */
export const ONION_RETURN_1_SIZE_BYTES = NONCE_SIZE_BYTES + ONION_IP_PORT_SIZE_BYTES + MAC_SIZE_BYTES; // 59
/** nonce 24 + secretbox(IP_Port 19 ‖ RETURN_1) (`ONION_RETURN_2`). */
export const ONION_RETURN_2_SIZE_BYTES = NONCE_SIZE_BYTES + ONION_IP_PORT_SIZE_BYTES + MAC_SIZE_BYTES + ONION_RETURN_1_SIZE_BYTES; // 118
/** nonce 24 + secretbox(IP_Port 19 ‖ RETURN_2) (`ONION_RETURN_3`). */
export const ONION_RETURN_3_SIZE_BYTES = NONCE_SIZE_BYTES + ONION_IP_PORT_SIZE_BYTES + MAC_SIZE_BYTES + ONION_RETURN_2_SIZE_BYTES; // 177
/** What each onion layer adds: next public key 32 + IP_Port 19 + MAC 16 (`ONION_SEND_BASE`). */
export const ONION_SEND_BASE_SIZE_BYTES = PUBLIC_KEY_SIZE_BYTES + ONION_IP_PORT_SIZE_BYTES + MAC_SIZE_BYTES; // 67
/** Overhead of a 0x82 besides id and payload: nonce + one layer + RETURN_2 (`ONION_SEND_3`). */
export const ONION_SEND_3_SIZE_BYTES = NONCE_SIZE_BYTES + ONION_SEND_BASE_SIZE_BYTES + ONION_RETURN_2_SIZE_BYTES; // 209
/** `ONION_SEND_2`: nonce + two layers + RETURN_1. */
export const ONION_SEND_2_SIZE_BYTES = NONCE_SIZE_BYTES + 2 * ONION_SEND_BASE_SIZE_BYTES + ONION_RETURN_1_SIZE_BYTES; // 217
/** `ONION_SEND_1`: nonce + three layers. */
export const ONION_SEND_1_SIZE_BYTES = NONCE_SIZE_BYTES + 3 * ONION_SEND_BASE_SIZE_BYTES; // 225
/** Every onion hop drops larger packets (`ONION_MAX_PACKET_SIZE`). */
export const ONION_MAX_PACKET_SIZE_BYTES = 1400;
/** Largest payload for the destination: 1400 − (225 + 1) (`ONION_MAX_DATA_SIZE`). */
export const ONION_MAX_DATA_SIZE_BYTES = ONION_MAX_PACKET_SIZE_BYTES - (ONION_SEND_1_SIZE_BYTES + 1); // 1174
/** Largest response payload R: 1400 − (1 + 177) (`ONION_RESPONSE_MAX_DATA_SIZE`). */
export const ONION_RESPONSE_MAX_DATA_SIZE_BYTES = ONION_MAX_PACKET_SIZE_BYTES - (1 + ONION_RETURN_3_SIZE_BYTES); // 1222

/** 0x85 without data: id + dest pk + nonce + temp pk + MAC (`ONION_DATA_REQUEST_MIN_SIZE`, onion_announce.h). */
export const ONION_DATA_REQUEST_MIN_SIZE_BYTES = 1 + PUBLIC_KEY_SIZE_BYTES + NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES + MAC_SIZE_BYTES; // 105
/** 0x86 without data: id + nonce + temp pk + MAC (`ONION_DATA_RESPONSE_MIN_SIZE`). */
export const ONION_DATA_RESPONSE_MIN_SIZE_BYTES = 1 + NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES + MAC_SIZE_BYTES; // 73
/** Inner layer overhead: sender real pk + MAC (`ONION_DATA_IN_RESPONSE_MIN_SIZE`, onion_client.h). */
export const ONION_DATA_IN_RESPONSE_MIN_SIZE_BYTES = PUBLIC_KEY_SIZE_BYTES + MAC_SIZE_BYTES; // 48
/** Largest 0x86 a client accepts: 1174 − 105 (`MAX_DATA_REQUEST_SIZE`). */
export const MAX_DATA_REQUEST_SIZE_BYTES = ONION_MAX_DATA_SIZE_BYTES - ONION_DATA_REQUEST_MIN_SIZE_BYTES; // 1069
/** Largest onion data payload (`ONION_CLIENT_MAX_DATA_SIZE`): 1069 − 48. */
export const ONION_CLIENT_MAX_DATA_SIZE_BYTES = MAX_DATA_REQUEST_SIZE_BYTES - ONION_DATA_IN_RESPONSE_MIN_SIZE_BYTES; // 1021
/**
 * Largest onion data payload a c-toxcore receiver actually accepts: its 0x86
 * is 121 + L bytes and `handle_data_response` (onion_client.c, still so at
 * c-toxcore HEAD) drops any 0x86 over `MAX_DATA_REQUEST_SIZE` (1069), so
 * L ≤ 948 although senders allow up to 1021. Derived, not a c-toxcore constant.
 * Checked between two libtoxcore 0.2.18 peers: a friend request with a
 * 943-byte message (payload 948) arrives, one with 944 bytes never does.
 */
export const ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES =
  MAX_DATA_REQUEST_SIZE_BYTES - (ONION_DATA_RESPONSE_MIN_SIZE_BYTES + ONION_DATA_IN_RESPONSE_MIN_SIZE_BYTES); // 948

/** Announce ping_id: an HMAC-SHA-512-256 tag (`ONION_PING_ID_SIZE` = `TIMED_AUTH_SIZE`, onion_announce.h). */
export const ONION_PING_ID_SIZE_BYTES = 32;
/** Announce sendback: 8 opaque bytes (`ONION_ANNOUNCE_SENDBACK_DATA_LENGTH`). */
export const ONION_ANNOUNCE_SENDBACK_SIZE_BYTES = 8;
