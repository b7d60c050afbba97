/**
 * Which TCP sockets a process has, and in which state, read from /proc/<pid>/net/tcp{,6} — the TCP
 * relay tests check that a c-toxcore relay listens on loopback only (c-toxcore's TCP server binds
 * the wildcard address, TCP_server.c new_listening_TCP_socket, and the loopback shim rebinds it).
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { decodeProcAddress } from './proc-udp.js';

export interface TcpSocket {
  readonly family: 4 | 6;
  readonly address: string;
  readonly port: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** /proc's state code: 0x0A LISTEN, 0x01 ESTABLISHED, … (include/net/tcp_states.h). */
  readonly state: number;
  readonly inode: number;
}

export const TCP_LISTEN = 0x0a;
export const TCP_ESTABLISHED = 0x01;

/** Parses /proc/net/tcp or tcp6 text into sockets. */
export function parseProcNetTcp(text: string, family: 4 | 6): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addr, port] = (f[1] ?? '').split(':');
    const [raddr, rport] = (f[2] ?? '').split(':');
    if (addr === undefined || port === undefined || raddr === undefined || rport === undefined) continue;
    out.push({
      family,
      address: decodeProcAddress(addr),
      port: parseInt(port, 16),
      remoteAddress: decodeProcAddress(raddr),
      remotePort: parseInt(rport, 16),
      state: parseInt(f[3] ?? '', 16),
      inode: Number(f[9]),
    });
  }
  return out;
}

/** The TCP sockets (IPv4 and IPv6) that process `pid` has open. */
export async function tcpSocketsOfPid(pid: number): Promise<TcpSocket[]> {
  const inodes = new Set<number>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(Number(m[1]));
  }
  const v4 = parseProcNetTcp(await readFile(`/proc/${pid}/net/tcp`, 'utf8'), 4);
  const v6 = parseProcNetTcp(await readFile(`/proc/${pid}/net/tcp6`, 'utf8').catch(() => ''), 6);
  return [...v4, ...v6].filter((s) => inodes.has(s.inode));
}
