/**
 * Which layer receives each UDP packet, by the packet id table (protocol/packet-ids.ts). Ids
 * toxstate recognises but does not serve (LAN discovery's answer aside, TCP-era and group ids)
 * are counted as `ignored.<kind>`; unknown ids as `drop.unknown_id`.
 */
import type { Bytes } from '../protocol/bytes.js';
import type { IpPort } from '../protocol/ip-port.js';
import { PACKET_ID, packetKind } from '../protocol/packet-ids.js';

/** What the dispatcher hands packets to. */
export interface DispatchTarget {
  readonly serveOnion: boolean;
  readonly dht: { handlePacket(from: IpPort, data: Bytes): void };
  readonly netCrypto: {
    handleCookieRequest(from: IpPort, data: Bytes): void;
    handleCookieResponse(from: IpPort, data: Bytes): void;
    handleHandshake(from: IpPort, data: Bytes): void;
    handleCryptoData(from: IpPort, data: Bytes): void;
  };
  readonly relay: { handlePacket(from: IpPort, data: Bytes): void };
  readonly announceServer: { handlePacket(from: IpPort, data: Bytes): void };
  readonly onion: { handleResponse(from: IpPort, data: Bytes): void };
  drop(reason: string): void;
  count(name: string): void;
}

type Handler = (t: DispatchTarget, from: IpPort, data: Bytes) => void;

const toDht: Handler = (t, from, data) => t.dht.handlePacket(from, data);
const toRelay: Handler = (t, from, data) => (t.serveOnion ? t.relay.handlePacket(from, data) : t.drop('onion_relay_disabled'));
const toAnnounce: Handler = (t, from, data) => (t.serveOnion ? t.announceServer.handlePacket(from, data) : t.drop('announce_disabled'));
const toOnionClient: Handler = (t, from, data) => t.onion.handleResponse(from, data);

/** Packet id → the layer that receives it. */
export const PACKET_ROUTES: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [PACKET_ID.ping_request, toDht],
  [PACKET_ID.ping_response, toDht],
  [PACKET_ID.nodes_request, toDht],
  [PACKET_ID.nodes_response, toDht],
  [PACKET_ID.dht_request, toDht],
  [PACKET_ID.lan_discovery, toDht],
  [PACKET_ID.cookie_request, (t, from, data) => t.netCrypto.handleCookieRequest(from, data)],
  [PACKET_ID.cookie_response, (t, from, data) => t.netCrypto.handleCookieResponse(from, data)],
  [PACKET_ID.handshake, (t, from, data) => t.netCrypto.handleHandshake(from, data)],
  [PACKET_ID.crypto_data, (t, from, data) => t.netCrypto.handleCryptoData(from, data)],
  [PACKET_ID.onion_request_0, toRelay],
  [PACKET_ID.onion_request_1, toRelay],
  [PACKET_ID.onion_request_2, toRelay],
  [PACKET_ID.onion_response_3, toRelay],
  [PACKET_ID.onion_response_2, toRelay],
  [PACKET_ID.onion_response_1, toRelay],
  [PACKET_ID.announce_request, toAnnounce],
  [PACKET_ID.onion_data_request, toAnnounce],
  [PACKET_ID.announce_response, toOnionClient],
  [PACKET_ID.onion_data_response, toOnionClient],
]);

/** Hands one datagram to the layer its first byte names. */
export function dispatchDatagram(t: DispatchTarget, from: IpPort, data: Bytes): void {
  if (data.length === 0) return t.drop('empty');
  const id = data[0]!;
  const handler = PACKET_ROUTES.get(id);
  if (handler) return handler(t, from, data);
  const kind = packetKind(id);
  t.count(kind === 'unknown' ? 'drop.unknown_id' : `ignored.${kind}`);
}
