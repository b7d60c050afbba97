/**
 * Every packet id, in one place: one table per id space, each entry with its c-toxcore 0.2.18
 * name. Nothing else in protocol/ defines an id; codecs, the dissector and the runtime name them
 * from here (test/protocol/one-source.test.ts keeps it so).
 *
 * | table               | what the id is                                     | c-toxcore source                      |
 * |---------------------|----------------------------------------------------|---------------------------------------|
 * | `PACKET_ID`         | first byte of every UDP datagram                   | network.h `Net_Packet_Type` (non-test) |
 * | `CRYPTO_PAYLOAD_ID` | first byte of a net_crypto data payload            | net_crypto.h, friend_connection.h, Messenger.h `PACKET_ID_*` |
 * | `DHT_REQUEST_ID`    | request id inside a DHT request 0x20               | DHT.h `CRYPTO_PACKET_*`               |
 * | `ONION_DATA_ID`     | type byte of onion data (inside 0x85/0x86)         | onion_client.h `ONION_DATA_*`         |
 * | `TCP_PACKET_ID`     | first plaintext byte of a TCP relay frame          | TCP_common.h `TCP_PACKET_*`           |
 *
 * The UDP packet ids are docs/protocol.md §2.7. Serialized form (every UDP packet):
 *
 * | offset | length | field            |
 * |-------:|-------:|------------------|
 * |      0 |      1 | packet id        |
 * |      1 |      … | packet-specific  |
 */

/** UDP packet ids: kind name → id. The comment after each entry is c-toxcore's enum name. */
export const PACKET_ID = {
  ping_request: 0x00, // NET_PACKET_PING_REQUEST
  ping_response: 0x01, // NET_PACKET_PING_RESPONSE
  nodes_request: 0x02, // NET_PACKET_GET_NODES
  nodes_response: 0x04, // NET_PACKET_SEND_NODES_IPV6
  cookie_request: 0x18, // NET_PACKET_COOKIE_REQUEST
  cookie_response: 0x19, // NET_PACKET_COOKIE_RESPONSE
  handshake: 0x1a, // NET_PACKET_CRYPTO_HS
  crypto_data: 0x1b, // NET_PACKET_CRYPTO_DATA
  dht_request: 0x20, // NET_PACKET_CRYPTO
  lan_discovery: 0x21, // NET_PACKET_LAN_DISCOVERY
  onion_request_0: 0x80, // NET_PACKET_ONION_SEND_INITIAL
  onion_request_1: 0x81, // NET_PACKET_ONION_SEND_1
  onion_request_2: 0x82, // NET_PACKET_ONION_SEND_2
  announce_request: 0x83, // NET_PACKET_ANNOUNCE_REQUEST_OLD
  announce_response: 0x84, // NET_PACKET_ANNOUNCE_RESPONSE_OLD
  onion_data_request: 0x85, // NET_PACKET_ONION_DATA_REQUEST
  onion_data_response: 0x86, // NET_PACKET_ONION_DATA_RESPONSE
  announce_request_new: 0x87, // NET_PACKET_ANNOUNCE_REQUEST (not relayed by 0.2.18 relays)
  announce_response_new: 0x88, // NET_PACKET_ANNOUNCE_RESPONSE
  onion_response_3: 0x8c, // NET_PACKET_ONION_RECV_3
  onion_response_2: 0x8d, // NET_PACKET_ONION_RECV_2
  onion_response_1: 0x8e, // NET_PACKET_ONION_RECV_1
  forward_request: 0x90, // NET_PACKET_FORWARD_REQUEST
  forwarding: 0x91, // NET_PACKET_FORWARDING
  forward_reply: 0x92, // NET_PACKET_FORWARD_REPLY
  data_search_request: 0x93, // NET_PACKET_DATA_SEARCH_REQUEST
  data_search_response: 0x94, // NET_PACKET_DATA_SEARCH_RESPONSE
  data_retrieve_request: 0x95, // NET_PACKET_DATA_RETRIEVE_REQUEST
  data_retrieve_response: 0x96, // NET_PACKET_DATA_RETRIEVE_RESPONSE
  store_announce_request: 0x97, // NET_PACKET_STORE_ANNOUNCE_REQUEST
  store_announce_response: 0x98, // NET_PACKET_STORE_ANNOUNCE_RESPONSE
  bootstrap_info: 0xf0, // BOOTSTRAP_INFO_PACKET_ID
} as const;

export type PacketKind = keyof typeof PACKET_ID;

/**
 * net_crypto payload ids (docs/protocol.md §4.3, §5.1, §6.2): the first byte of a crypto data
 * payload. 0–2 are net_crypto's own (PACKET_ID_RANGE_* and the classes: net-crypto/payload-ids.ts),
 * 16–18 friend_connection's, the rest Messenger's (only the ones this engine models).
 */
export const CRYPTO_PAYLOAD_ID = {
  padding: 0, // PACKET_ID_PADDING (net_crypto.h)
  request: 1, // PACKET_ID_REQUEST (net_crypto.h)
  kill: 2, // PACKET_ID_KILL (net_crypto.h): 2, although spec.md once said 3
  alive: 16, // PACKET_ID_ALIVE (friend_connection.h)
  share_relays: 17, // PACKET_ID_SHARE_RELAYS (friend_connection.h)
  friend_requests: 18, // PACKET_ID_FRIEND_REQUESTS (friend_connection.h)
  online: 24, // PACKET_ID_ONLINE (net_crypto.h)
  offline: 25, // PACKET_ID_OFFLINE (net_crypto.h)
  nickname: 48, // PACKET_ID_NICKNAME (net_crypto.h)
  status_message: 49, // PACKET_ID_STATUSMESSAGE (net_crypto.h)
  user_status: 50, // PACKET_ID_USERSTATUS (net_crypto.h)
  typing: 51, // PACKET_ID_TYPING (net_crypto.h)
  message: 64, // PACKET_ID_MESSAGE (net_crypto.h)
  action: 65, // PACKET_ID_ACTION = PACKET_ID_MESSAGE + MESSAGE_ACTION (net_crypto.h)
} as const;

/**
 * Request ids inside a DHT request 0x20 (docs/protocol.md §2.5). 0.2.18 handles 254 and 156 over
 * this route; 32 is defined but not handled.
 */
export const DHT_REQUEST_ID = {
  friend_request: 32, // CRYPTO_PACKET_FRIEND_REQ (DHT.h)
  dht_pk: 156, // CRYPTO_PACKET_DHTPK (DHT.h)
  nat_ping: 254, // CRYPTO_PACKET_NAT_PING (DHT.h)
} as const;

/** Onion data payload types (docs/protocol.md §3.7): c-toxcore defines them as the DHT request ids. */
export const ONION_DATA_ID = {
  friend_request: DHT_REQUEST_ID.friend_request, // ONION_DATA_FRIEND_REQ = CRYPTO_PACKET_FRIEND_REQ (onion_client.h)
  dht_pk: DHT_REQUEST_ID.dht_pk, // ONION_DATA_DHTPK = CRYPTO_PACKET_DHTPK (onion_client.h)
} as const;

/**
 * TCP relay packet ids (docs/protocol.md §14.3): the first plaintext byte of a TCP relay frame
 * (TCP_common.h `TCP_PACKET_*`). A first byte of 16 or more (`NUM_RESERVED_PORTS`,
 * protocol/tcp/constants.ts) is a route id, not a packet id. 10 and 11 (forwarding) are
 * recognised but not used by toxstate.
 */
export const TCP_PACKET_ID = {
  routing_request: 0, // TCP_PACKET_ROUTING_REQUEST
  routing_response: 1, // TCP_PACKET_ROUTING_RESPONSE
  connection_notification: 2, // TCP_PACKET_CONNECTION_NOTIFICATION
  disconnect_notification: 3, // TCP_PACKET_DISCONNECT_NOTIFICATION
  ping: 4, // TCP_PACKET_PING
  pong: 5, // TCP_PACKET_PONG
  oob_send: 6, // TCP_PACKET_OOB_SEND
  oob_recv: 7, // TCP_PACKET_OOB_RECV
  onion_request: 8, // TCP_PACKET_ONION_REQUEST
  onion_response: 9, // TCP_PACKET_ONION_RESPONSE
  forward_request: 10, // TCP_PACKET_FORWARD_REQUEST
  forwarding: 11, // TCP_PACKET_FORWARDING
} as const;

const KIND_BY_ID: ReadonlyMap<number, PacketKind> = new Map(
  (Object.entries(PACKET_ID) as [PacketKind, number][]).map(([k, v]) => [v, k]),
);

/** The kind name of a packet id, or 'unknown' for any other value. */
export function packetKind(id: number): PacketKind | 'unknown' {
  return KIND_BY_ID.get(id) ?? 'unknown';
}

/** The kind of a datagram from its first byte ('unknown' for an empty datagram). */
export function datagramKind(datagram: Uint8Array): PacketKind | 'unknown' {
  return datagram.length === 0 ? 'unknown' : packetKind(datagram[0]!);
}
