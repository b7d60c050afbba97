/**
 * Hosts, for the limits on keys per IP (issue 13 item 4: many DHT keys on one IP, "Sybils").
 *
 * A DHT key costs nothing to make, an IP address does: every table that picks nodes (the DHT's
 * buckets and search lists, the onion client's path nodes) counts the keys it holds per host and
 * bounds them, so that one address cannot fill it. The host of an address is its IP
 * (IPv4-mapped IPv6 folded to IPv4); for a loopback address it is the IP and the port: a
 * datagram from 127/8 or ::1 comes from a process on this machine (the kernel drops them from
 * outside), and several nodes on one machine — every test network, a c-toxcore peer next to a
 * toxstate one — are distinct hosts. c-toxcore 0.2.18 has only the floor of this: one key per
 * IP:port (DHT.c client_or_ip_port_in_list, a new key at a known address replaces the old one).
 */
import { isLoopback, ipPortKey, unmapIpv4, type IpPort } from '../../protocol/ip-port.js';

/** The host an address stands for (see the header): a map key. */
export function hostKey(ipPort: IpPort): string {
  if (ipPort.family === 'ipv4') return ipPort.ip.startsWith('127.') ? `${ipPort.ip}:${ipPort.port}` : ipPort.ip;
  const u = unmapIpv4(ipPort);
  const key = ipPortKey(u);
  if (isLoopback(u)) return key;
  // ipPortKey is "[ip]:port" for IPv6 and "ip:port" for IPv4: drop the port.
  return key.slice(0, key.lastIndexOf(':'));
}
