/**
 * Onion packet codecs (docs/protocol.md §3): the public surface of protocol/onion.
 * One packet per file; see each file's header for its serialized form.
 */
export * from './constants.js';
export * from './return-path.js';
export * from './onion-request.js';
export * from './onion-response.js';
export * from './announce-request.js';
export * from './announce-response.js';
export * from './onion-data-request.js';
export * from './onion-data-response.js';
export {
  decodeFriendRequestPayload,
  decodeOnionDataPayload,
  encodeFriendRequestPayload,
  ONION_DATA_ID,
  type FriendRequestPayload,
  type OnionDataPayload,
} from './onion-data-payloads.js';
