/**
 * The first byte of every UDP datagram: packet ids c-toxcore 0.2.18 may send
 * (tox-protocol.md §2.7; c-toxcore v0.2.18 `toxcore/network.h` `Net_Packet_Type`,
 * the non-test-network table), each with a stable snake_case kind name.
 *
 * Serialized form (every packet):
 *
 * | offset | length | field            |
 * |-------:|-------:|------------------|
 * |      0 |      1 | packet id        |
 * |      1 |      … | packet-specific  |
 */

/** Kind name → id. The comment after each entry is c-toxcore's enum name. */
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
