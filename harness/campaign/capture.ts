/**
 * Building a scenario's capture: every datagram either peer *sent* (c-toxcore's from its shim
 * log, toxstate's from its tap), each once, merged in time order into a classic pcap
 * (harness/interop/pcap-writer.ts: LINKTYPE_IPV4, synthesised IPv4+UDP headers), with counts by
 * sender and by packet kind (the first payload byte), and a check that the two clocks agree: a
 * datagram one peer sent and the other's shim logged as received must not be received before it
 * was sent.
 */
import { toHex } from '../../protocol/bytes.js';
import { writePcap, type PcapDatagram } from '../interop/pcap-writer.js';

/** Names for the first payload byte (docs/protocol.md §2.7). */
export const PACKET_KINDS: Readonly<Record<number, string>> = {
  0x00: 'ping_request',
  0x01: 'ping_response',
  0x02: 'nodes_request',
  0x04: 'nodes_response',
  0x18: 'cookie_request',
  0x19: 'cookie_response',
  0x1a: 'handshake',
  0x1b: 'crypto_data',
  0x20: 'crypto_request',
  0x21: 'lan_discovery',
  0x80: 'onion_request_0',
  0x81: 'onion_request_1',
  0x82: 'onion_request_2',
  0x83: 'announce_request',
  0x84: 'announce_response',
  0x85: 'onion_data_request',
  0x86: 'onion_data_response',
  0x8c: 'onion_response_3',
  0x8d: 'onion_response_2',
  0x8e: 'onion_response_1',
  0x90: 'forward_request',
  0x91: 'forwarding',
  0x92: 'forward_reply',
  0x93: 'data_search_request',
  0x94: 'data_search_response',
  0x95: 'data_retrieve_request',
  0x96: 'data_retrieve_response',
  0x97: 'store_announce_request',
  0x98: 'store_announce_response',
  0xf0: 'bootstrap_info',
};

export function kindOf(payload: Uint8Array): string {
  const b = payload[0];
  if (b === undefined) return 'empty';
  return PACKET_KINDS[b] ?? `unknown_0x${b.toString(16).padStart(2, '0')}`;
}

export interface SenderDatagrams {
  readonly label: string;
  readonly datagrams: readonly PcapDatagram[];
}

/** Received datagrams as a peer's shim logged them: key (src>dst:hex) → receive times. */
export type ReceiveLog = Map<string, bigint[]>;

export function datagramKey(src: { ip: string; port: number }, dst: { ip: string; port: number }, payload: Uint8Array): string {
  return `${src.ip}:${src.port}>${dst.ip}:${dst.port}:${toHex(payload)}`;
}

export interface MergedCapture {
  readonly pcap: Uint8Array;
  readonly datagrams: readonly (PcapDatagram & { readonly sender: string })[];
  readonly bySender: Record<string, number>;
  /** kind → sender → count. */
  readonly byKind: Record<string, Record<string, number>>;
  /**
   * Datagrams matched with a receive line of the other side's shim: how many, and the smallest
   * receive-minus-send time (µs); negative would mean the clocks disagree.
   */
  readonly clockCheck: { readonly matched: number; readonly minLatencyUs: number | null; readonly negative: number };
}

export function mergeCapture(senders: readonly SenderDatagrams[], received: ReceiveLog): MergedCapture {
  const all = senders.flatMap((s) => s.datagrams.map((d) => ({ ...d, sender: s.label })));
  // Stable: equal stamps keep each sender's own order.
  all.sort((a, b) => (a.timeUs < b.timeUs ? -1 : a.timeUs > b.timeUs ? 1 : 0));
  const bySender: Record<string, number> = {};
  const byKind: Record<string, Record<string, number>> = {};
  for (const d of all) {
    bySender[d.sender] = (bySender[d.sender] ?? 0) + 1;
    const k = kindOf(d.payload);
    const row = (byKind[k] ??= {});
    row[d.sender] = (row[d.sender] ?? 0) + 1;
  }
  let matched = 0;
  let negative = 0;
  let minLatencyUs: number | null = null;
  const used = new Map<string, number>();
  for (const d of all) {
    const key = datagramKey(d.src, d.dst, d.payload);
    const times = received.get(key);
    const i = used.get(key) ?? 0;
    const at = times?.[i];
    if (at === undefined) continue;
    used.set(key, i + 1);
    matched++;
    const latency = Number(at - d.timeUs);
    if (latency < 0) negative++;
    if (minLatencyUs === null || latency < minLatencyUs) minLatencyUs = latency;
  }
  return { pcap: writePcap(all), datagrams: all, bySender, byKind, clockCheck: { matched, minLatencyUs, negative } };
}
