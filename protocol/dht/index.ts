/**
 * DHT packet codecs (docs/protocol.md §2): the public surface of protocol/dht.
 * One packet per file; see each file's header for its serialized form.
 */
export * from './dht-header.js';
export * from './ping.js';
export * from './nodes-request.js';
export * from './nodes-response.js';
export * from './dht-request.js';
export * from './dht-pk.js';
export * from './nat-ping.js';
export * from './lan-discovery.js';
