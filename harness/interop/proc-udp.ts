/**
 * Which UDP sockets a process has, read from /proc (the interop tests check that c-toxcore and
 * toxstate peers bind 127.0.0.1 only).
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { endianness } from 'node:os';


export interface UdpSocket {
  readonly family: 4 | 6;
  readonly address: string;
  readonly port: number;
  readonly inode: number;
}

/** Decodes a /proc/net/udp{,6} hex address (32-bit words in host byte order). */
export function decodeProcAddress(hexAddr: string, littleEndian = endianness() === 'LE'): string {
  const words: number[][] = [];
  for (let i = 0; i < hexAddr.length; i += 8) {
    const w = hexAddr.slice(i, i + 8).match(/../g)?.map((b) => parseInt(b, 16)) ?? [];
    words.push(littleEndian ? w.reverse() : w);
  }
  const bytes = words.flat();
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // The URL parser prints IPv6 in canonical (RFC 5952) form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** Parses /proc/net/udp or udp6 text into sockets. */
export function parseProcNetUdp(text: string, family: 4 | 6): UdpSocket[] {
  const out: UdpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addr, port] = (f[1] ?? '').split(':');
    if (addr === undefined || port === undefined) continue;
    out.push({ family, address: decodeProcAddress(addr), port: parseInt(port, 16), inode: Number(f[9]) });
  }
  return out;
}

/** The UDP sockets (IPv4 and IPv6) that process `pid` has open, with their bound addresses. */
export async function udpSocketsOfPid(pid: number): Promise<UdpSocket[]> {
  const inodes = new Set<number>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(Number(m[1]));
  }
  const v4 = parseProcNetUdp(await readFile(`/proc/${pid}/net/udp`, 'utf8'), 4);
  const v6 = parseProcNetUdp(await readFile(`/proc/${pid}/net/udp6`, 'utf8').catch(() => ''), 6);
  return [...v4, ...v6].filter((s) => inodes.has(s.inode));
}
