/**
 * TCP relay constants (docs/protocol.md §14), each with its c-toxcore 0.2.18 name and source
 * file. The names are c-toxcore's so that the relay code reads like the reference; sizes are in
 * bytes, durations in seconds (`_S`). 0.2.23 has the same values (§14.8).
 */
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES } from '../crypto.js';
import { ONION_SEND_BASE_SIZE_BYTES } from '../onion/constants.js';

/**
 * Packet ids, the first plaintext byte of every frame (TCP_common.h `TCP_PACKET_*`): defined once,
 * in protocol/packet-ids.ts, re-exported here. routing_request 0, routing_response 1,
 * connection_notification 2, disconnect_notification 3, ping 4, pong 5, oob_send 6, oob_recv 7,
 * onion_request 8, onion_response 9; forward_request 10 and forwarding 11 are recognised, unused.
 */
export { TCP_PACKET_ID } from '../packet-ids.js';

/** Ids below this are packet ids; a first byte at or above it is a route id (TCP_common.h NUM_RESERVED_PORTS). */
export const NUM_RESERVED_PORTS = 16;
/** Routes per client connection: ids 16..255 (TCP_common.h NUM_CLIENT_CONNECTIONS = 256 − NUM_RESERVED_PORTS). */
export const NUM_CLIENT_CONNECTIONS = 256 - NUM_RESERVED_PORTS;

/** Temp public key ‖ base nonce = 56 (TCP_common.h TCP_HANDSHAKE_PLAIN_SIZE). */
export const TCP_HANDSHAKE_PLAIN_SIZE = PUBLIC_KEY_SIZE_BYTES + NONCE_SIZE_BYTES;
/** Nonce ‖ box(plain) = 96, relay → client (TCP_common.h TCP_SERVER_HANDSHAKE_SIZE). */
export const TCP_SERVER_HANDSHAKE_SIZE = NONCE_SIZE_BYTES + TCP_HANDSHAKE_PLAIN_SIZE + MAC_SIZE_BYTES;
/** Client pk ‖ nonce ‖ box(plain) = 128, client → relay (TCP_common.h TCP_CLIENT_HANDSHAKE_SIZE). */
export const TCP_CLIENT_HANDSHAKE_SIZE = PUBLIC_KEY_SIZE_BYTES + TCP_SERVER_HANDSHAKE_SIZE;

/** OOB data is 1..1024 bytes when sent and when the relay takes it (TCP_common.h TCP_MAX_OOB_DATA_LENGTH). */
export const TCP_MAX_OOB_DATA_LENGTH = 1024;

/**
 * Largest box (plaintext + 16-byte MAC) of one frame, 2048 (TCP_common.h MAX_PACKET_SIZE). A sender
 * refuses `plain + MAC > 2048` (TCP_common.c write_packet_TCP_secure_connection); a receiver kills
 * the connection on a 2-byte length prefix above 2048 (TCP_common.c read_TCP_length).
 */
export const MAX_PACKET_SIZE = 2048;
/** Longest plaintext of one frame: MAX_PACKET_SIZE − MAC = 2032 (derived, TCP_common.c write_packet_TCP_secure_connection). */
export const TCP_MAX_PLAIN_SIZE = MAX_PACKET_SIZE - MAC_SIZE_BYTES;
/** The frame's length prefix: u16 big-endian (TCP_common.c write_packet_TCP_secure_connection `net_htons`). */
export const TCP_LENGTH_PREFIX_SIZE = 2;
/** Ping and pong ids: 8 opaque bytes, a host-order u64 in c-toxcore (TCP_client.c handle_TCP_client_ping). */
export const TCP_PING_ID_SIZE = 8;

/**
 * A relay running an onion kills a client whose ONION_REQUEST plaintext is this long or shorter:
 * 1 + nonce 24 + 2 × ONION_SEND_BASE (32 + 19 + 16) = 159 (TCP_server.c handle_TCP_packet; onion.h ONION_SEND_BASE).
 */
export const TCP_ONION_REQUEST_MIN_EXCLUSIVE = 1 + NONCE_SIZE_BYTES + 2 * ONION_SEND_BASE_SIZE_BYTES;

/** From creating a client connection to the relay's handshake (TCP_client.h TCP_CONNECTION_TIMEOUT). */
export const TCP_CONNECTION_TIMEOUT_S = 10;
/** Ping interval, client and relay (TCP_common.h TCP_PING_FREQUENCY). */
export const TCP_PING_FREQUENCY_S = 30;
/** A ping unanswered this long after it was sent ends the connection (TCP_common.h TCP_PING_TIMEOUT). */
export const TCP_PING_TIMEOUT_S = 10;
/** Grace before an unused relay connection may sleep or be closed (TCP_connection.h TCP_CONNECTION_ANNOUNCE_TIMEOUT). */
export const TCP_CONNECTION_ANNOUNCE_TIMEOUT_S = TCP_CONNECTION_TIMEOUT_S;
/** Relay slots per peer connection (TCP_connection.h MAX_FRIEND_TCP_CONNECTIONS). */
export const MAX_FRIEND_TCP_CONNECTIONS = 6;
/** Online relays per peer beyond which no new relay is opened for it (TCP_connection.h RECOMMENDED_FRIEND_TCP_CONNECTIONS). */
export const RECOMMENDED_FRIEND_TCP_CONNECTIONS = MAX_FRIEND_TCP_CONNECTIONS / 2;
/** Relays used for the onion while the DHT is down (TCP_connection.h NUM_ONION_TCP_CONNECTIONS). */
export const NUM_ONION_TCP_CONNECTIONS = RECOMMENDED_FRIEND_TCP_CONNECTIONS;
/** Each of the relay's two waiting rings (before the handshake, before the first frame) (TCP_server.h MAX_INCOMING_CONNECTIONS). */
export const MAX_INCOMING_CONNECTIONS = 256;
