/**
 * TCP relay wire protocol (docs/protocol.md §14): the public surface of this folder. Pure codecs
 * shared by the relay client and server: constants (c-toxcore names), the two raw handshakes, the
 * encrypted frame stream (cipher and stream splitter) and the packets inside frames.
 *
 * Serialized form: see each file's header. On the wire a connection is
 *
 * | offset | length | field                                                      |
 * |-------:|-------:|------------------------------------------------------------|
 * |      0 | 128/96 | handshake (client → relay 128, relay → client 96)          |
 * |   then |  2 + L | frames: u16 BE L ‖ box(session key, nonce){ packet }       |
 *
 * c-toxcore: TCP_common.c, TCP_client.c, TCP_server.c.
 */
export * from './constants.js';
export * from './handshake.js';
export * from './frame.js';
export * from './packets.js';
