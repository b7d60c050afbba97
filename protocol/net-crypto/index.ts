/**
 * net_crypto packets (docs/protocol.md §4): the public surface of this folder. One packet per
 * file: cookie (the token), cookie request 0x18, cookie response 0x19, handshake 0x1a,
 * crypto data 0x1b, and the request payload (id 1); payload-id classes and constants.
 *
 * Serialized form: see each file's header; every packet starts with its one-byte id.
 *
 * | offset | length | field                  |
 * |-------:|-------:|------------------------|
 * |      0 |      1 | packet id 0x18..0x1b   |
 */
export * from './constants.js';
export * from './cookie.js';
export * from './cookie-request.js';
export * from './cookie-response.js';
export * from './handshake.js';
export * from './crypto-data.js';
export * from './request-packet.js';
export * from './payload-ids.js';
