/**
 * What a whole capture teaches before any packet is opened: which DHT public key each address
 * uses. Every DHT packet (ping, nodes, cookie request, LAN discovery, the announce-store family)
 * and the first onion hop (0x80, sealed with the client's DHT key) carries its sender's DHT pk in
 * the clear, and it comes from the sender's own address (docs/protocol.md §2.2, §3.3, §4.1).
 * DHT requests 0x20 are left out: a relay forwards them unchanged, so their source address is
 * the relay's, not the sender's.
 *
 * Pure: a function of the datagrams. Serialized form: none (an in-memory index).
 *
 * | learnt from            | key                     | value                    |
 * |------------------------|-------------------------|--------------------------|
 * | source address         | `ipPortKey(src)`        | sender DHT pks, in order |
 */
import { fromHex, type Bytes } from '../bytes.js';
import { ipPortKey, type IpPort } from '../ip-port.js';
import type { PacketKind } from '../packet-ids.js';
import { describeDatagram } from './describe.js';
import { hexUpper } from './json.js';

export interface CaptureKnowledge {
  /** `ipPortKey(address)` → the distinct DHT pks seen sending from it, first seen first. */
  readonly dhtPksByAddress: ReadonlyMap<string, readonly Bytes[]>;
  /** Every distinct DHT pk seen, first seen first. */
  readonly dhtPks: readonly Bytes[];
}

/** Kinds whose `sender_pk` is the sender's DHT pk and whose source address is the sender's. */
const DHT_SENDER_KINDS: ReadonlySet<PacketKind | 'unknown'> = new Set<PacketKind | 'unknown'>([
  'ping_request',
  'ping_response',
  'nodes_request',
  'nodes_response',
  'cookie_request',
  'lan_discovery',
  'onion_request_0',
  'data_search_request',
  'data_search_response',
  'data_retrieve_request',
  'data_retrieve_response',
  'store_announce_request',
  'store_announce_response',
]);

export interface KnowledgeInput {
  readonly payload: Bytes;
  readonly src?: IpPort;
}

/** The sender's DHT key (uppercase hex) of a valid datagram whose kind carries it in the clear, else null. */
export function dhtSenderPk(payload: Bytes): string | null {
  const desc = describeDatagram(payload);
  if (desc.error !== null || !DHT_SENDER_KINDS.has(desc.kind)) return null;
  const pkHex = desc.fields.sender_pk;
  return typeof pkHex === 'string' ? pkHex : null;
}

export function learnCapture(inputs: readonly KnowledgeInput[]): CaptureKnowledge {
  const byAddress = new Map<string, Bytes[]>();
  const all = new Map<string, Bytes>();
  for (const d of inputs) {
    const pkHex = dhtSenderPk(d.payload);
    if (pkHex === null) continue;
    const parsed = fromHex(pkHex);
    if (!parsed.ok) continue;
    const pk = parsed.value;
    if (!all.has(pkHex)) all.set(pkHex, pk);
    if (!d.src) continue;
    const key = ipPortKey(d.src);
    const list = byAddress.get(key) ?? [];
    if (!list.some((k) => hexUpper(k) === pkHex)) list.push(pk);
    byAddress.set(key, list);
  }
  return { dhtPksByAddress: byAddress, dhtPks: [...all.values()] };
}
