/**
 * net_crypto constants (docs/protocol.md §4.5, §4.1–§4.3), each with its c-toxcore 0.2.18 source.
 * Every name carries its unit: byte sizes end in `_BYTES`, packet counts in `_PACKETS`, durations in
 * `_S`.
 */
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHA512_SIZE_BYTES } from '../crypto.js';

/** A cookie is valid while `time <= now <= time + 15` (net_crypto.c COOKIE_TIMEOUT, seconds). */
export const COOKIE_TIMEOUT_S = 15;
/** Requester real pk ‖ requester DHT pk (net_crypto.c COOKIE_DATA_LENGTH). */
export const COOKIE_DATA_SIZE_BYTES = PUBLIC_KEY_SIZE_BYTES * 2;
/** time u64 ‖ cookie data (net_crypto.c COOKIE_CONTENTS_LENGTH). */
export const COOKIE_CONTENTS_SIZE_BYTES = 8 + COOKIE_DATA_SIZE_BYTES;
/** nonce ‖ secretbox(contents) = 112 (net_crypto.c COOKIE_LENGTH). */
export const COOKIE_SIZE_BYTES = NONCE_SIZE_BYTES + COOKIE_CONTENTS_SIZE_BYTES + MAC_SIZE_BYTES;

/** real pk ‖ 32 zero bytes ‖ echo id u64 (net_crypto.c COOKIE_REQUEST_PLAIN_LENGTH). */
export const COOKIE_REQUEST_PLAIN_SIZE_BYTES = COOKIE_DATA_SIZE_BYTES + 8;
/** 145 (net_crypto.c COOKIE_REQUEST_LENGTH). */
export const COOKIE_REQUEST_SIZE_BYTES = 1 + PUBLIC_KEY_SIZE_BYTES + NONCE_SIZE_BYTES + COOKIE_REQUEST_PLAIN_SIZE_BYTES + MAC_SIZE_BYTES;
/** 161 (net_crypto.c COOKIE_RESPONSE_LENGTH). */
export const COOKIE_RESPONSE_SIZE_BYTES = 1 + NONCE_SIZE_BYTES + COOKIE_SIZE_BYTES + 8 + MAC_SIZE_BYTES;
/** Size of the opaque echo id ("number") carried by cookie request and response (net_crypto.c `uint64_t number`). */
export const ECHO_ID_SIZE_BYTES = 8;

/** base nonce ‖ session pk ‖ sha512(cookie) ‖ other cookie (net_crypto.c create_crypto_handshake `plain`). */
export const HANDSHAKE_PLAIN_SIZE_BYTES = NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES + SHA512_SIZE_BYTES + COOKIE_SIZE_BYTES;
/** 385 (net_crypto.c HANDSHAKE_PACKET_LENGTH). */
export const HANDSHAKE_SIZE_BYTES = 1 + COOKIE_SIZE_BYTES + NONCE_SIZE_BYTES + HANDSHAKE_PLAIN_SIZE_BYTES + MAC_SIZE_BYTES;

/** Largest net_crypto UDP packet (net_crypto.h MAX_CRYPTO_PACKET_SIZE). */
export const MAX_CRYPTO_PACKET_SIZE_BYTES = 1400;
/** id ‖ nonce low 2 ‖ MAC (net_crypto.c CRYPTO_MIN_PACKET_SIZE / `crypto_packet_overhead`). */
export const CRYPTO_DATA_OVERHEAD_SIZE_BYTES = 1 + 2 + MAC_SIZE_BYTES;
/** 27: a data packet must be strictly larger (net_crypto.h CRYPTO_DATA_PACKET_MIN_SIZE). */
export const CRYPTO_DATA_PACKET_MIN_SIZE_BYTES = CRYPTO_DATA_OVERHEAD_SIZE_BYTES + 4 + 4;
/** Smallest acceptable data packet: header + one payload byte = 28. */
export const CRYPTO_DATA_PACKET_MIN_ACCEPTED_SIZE_BYTES = CRYPTO_DATA_PACKET_MIN_SIZE_BYTES + 1;
/** Largest payload (id byte included) a data packet carries: 1373 (net_crypto.h MAX_CRYPTO_DATA_SIZE). */
export const MAX_CRYPTO_DATA_SIZE_BYTES = MAX_CRYPTO_PACKET_SIZE_BYTES - CRYPTO_DATA_PACKET_MIN_SIZE_BYTES;
/** Padding is `(MAX_CRYPTO_DATA_SIZE - len) % 8` zero bytes (net_crypto.h CRYPTO_MAX_PADDING). */
export const CRYPTO_MAX_PADDING_BYTES = 8;
/** Receive-nonce advance step and half-window (net_crypto.c DATA_NUM_THRESHOLD). */
export const DATA_NUM_THRESHOLD = 21845;

/** Packets in flight per direction; power of two (net_crypto.h CRYPTO_PACKET_BUFFER_SIZE, packets). */
export const CRYPTO_PACKET_BUFFER_SIZE_PACKETS = 32768;
/** Minimum send queue (net_crypto.h CRYPTO_MIN_QUEUE_LENGTH, packets). */
export const CRYPTO_MIN_QUEUE_LENGTH_PACKETS = 64;
