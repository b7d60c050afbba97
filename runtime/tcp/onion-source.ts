/**
 * How an onion return path names a TCP relay client (docs/protocol.md §14.7). c-toxcore's relay
 * gives an onion request that came over TCP a source IP_Port of its own family
 * (`TCP_ONION_FAMILY`) holding the connection's index and identifier (TCP_server.c
 * `con_id_to_ip_port` / `ip_port_to_con_id`); onion.c `handle_recv_1` hands a response whose
 * RETURN_1 opens to such a source back to the TCP server (`recv_1_function`) instead of sending it.
 *
 * toxstate's return blobs carry a UDP IP_Port (protocol/onion/return-path.ts), so the client
 * connection is named by a pseudo-address instead: an IPv6 address in the discard-only prefix
 * 100::/64 (RFC 6666, never a peer's source) whose low 64 bits are the connection's stream id,
 * port 0. Stream ids are never reused while the engine lives (runtime/tcp/streams.ts), so an id
 * also plays the part of c-toxcore's per-connection identifier: a response for a connection that
 * has gone finds nothing. The blob is sealed under the relay's secret key, so only our own relay
 * can make one that names a client.
 */
import { decodeOnionIpPort, encodeOnionIpPort, type IpPort } from '../../protocol/ip-port.js';

/** The prefix's first 8 bytes: 0100:0000:0000:0000. */
const PREFIX = Uint8Array.of(0x01, 0x00, 0, 0, 0, 0, 0, 0);

/** The pseudo-address naming TCP client connection `streamId` (a safe integer ≥ 1). */
export function tcpOnionSource(streamId: number): IpPort {
  if (!Number.isSafeInteger(streamId) || streamId < 1) throw new RangeError(`tcpOnionSource: bad stream id ${streamId}`);
  const raw = new Uint8Array(19);
  raw[0] = 10; // IP_TYPE_UDP_IPV6: the blob's IP_Port form
  raw.set(PREFIX, 1);
  new DataView(raw.buffer).setBigUint64(9, BigInt(streamId));
  const decoded = decodeOnionIpPort(raw);
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.value;
}

/** The stream id a pseudo-address names, or null for any other address (every real one). */
export function tcpOnionStream(ipPort: IpPort): number | null {
  // Cheap filter first: every address of the prefix is written `100::…` in canonical text.
  if (ipPort.family !== 'ipv6' || ipPort.port !== 0 || !ipPort.ip.startsWith('100::')) return null;
  const raw = encodeOnionIpPort(ipPort);
  for (let i = 0; i < PREFIX.length; i++) if (raw[1 + i] !== PREFIX[i]) return null;
  const id = new DataView(raw.buffer, raw.byteOffset).getBigUint64(9);
  return id >= 1n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : null;
}
