/**
 * Who is where in a capture: which address each long-term ("real") key sends from, and which DHT
 * key each address used when — what the conformance monitor needs before it can say "this
 * cookie request is Alice asking Bob".
 *
 * Evidence, strongest first (docs/protocol.md §3.4, §4.2):
 * - an announce response (0x84) that opens with a profile's key and the announce node's DHT key
 *   is delivered to that profile's own address (the last onion hop sends it to the client);
 * - a handshake (0x1a) opens with shared(profile sk, friend pk): it is between those two keys,
 *   and once one end's address is known the other end is the other address;
 * - every DHT packet names its sender's DHT key in the clear (protocol/dissect/context.ts);
 *   c-toxcore makes a new DHT key pair at every start, so a new DHT key at an address is a new
 *   run of whichever peer lives there.
 *
 * Pure: a function of the datagrams, the profiles and the crypto. Serialized form: none.
 */
import { formatIpPort } from '../../protocol/ip-port.js';
import type { Bytes } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import {
  createOpenContext,
  describeDatagram,
  dhtSenderPk,
  hexUpper,
  learnCapture,
  openAnnounceRequestWithProfiles,
  openAnnounceResponseWithProfiles,
  openHandshakeWithProfiles,
  type DissectProfile,
} from '../../protocol/dissect/index.js';
import type { PacketKind } from '../../protocol/packet-ids.js';
import type { IpPort } from '../../protocol/ip-port.js';

/** One UDP datagram of a capture, numbered and timed. */
export interface CapturedDatagram {
  /** 1-based frame number in the capture file (what Wireshark shows). */
  readonly n: number;
  /** Milliseconds since the first frame. */
  readonly t: number;
  readonly src: IpPort;
  readonly dst: IpPort;
  readonly payload: Bytes;
  /** The UDP payload size the header declares (more than `payload.length` when the capture cut it). */
  readonly size: number;
}

/** Evidence that a long-term key sent from an address at a time. */
export interface Anchor {
  readonly pk: string;
  readonly address: string;
  readonly t: number;
  readonly n: number;
  readonly how: 'announce response' | 'handshake';
}

/** A handshake that opened: between which two keys, who sent it (when the addresses tell). */
export interface OpenedHandshake {
  readonly n: number;
  readonly between: readonly [string, string];
  readonly cookieHashOk: boolean;
  sender: string | null;
}

/** A profile's own announce request (0x83, sender = its long-term key) or a response to one (0x84). */
export interface SelfAnnounce {
  readonly pk: string;
  readonly n: number;
  readonly t: number;
  readonly kind: 'request' | 'response';
  /** Responses: the node's is_stored (2: our announcement is stored there). */
  readonly isStored: number | null;
  /** Requests: the ping_id is all zero (a first request to that node, as after a start). */
  readonly firstRequest: boolean;
  /** The address it was sent from (requests arrive from the last onion relay) or delivered to (responses reach the client). */
  readonly address: string;
}

export interface Identities {
  readonly anchors: readonly Anchor[];
  readonly selfAnnounces: readonly SelfAnnounce[];
  readonly handshakes: ReadonlyMap<number, OpenedHandshake>;
  /** The key living at `address` around time `t`, or null. */
  peerAt(address: string, t: number): string | null;
  /** Every address a key was seen at. */
  addressesOf(pk: string): readonly string[];
  /** The DHT key `address` used around time `t` (the last one it sent before `t`, else its first). */
  dhtKeyAt(address: string, t: number): string | null;
  /** The DHT keys `address` used, each with the time it first appeared. */
  dhtRuns(address: string): readonly { readonly t: number; readonly n: number; readonly dhtKey: string }[];
}

/** The packet kinds of a friend connection (net_crypto), the only ones the monitor follows. */
export const SESSION_KINDS: ReadonlySet<PacketKind | 'unknown'> = new Set(['cookie_request', 'cookie_response', 'handshake', 'crypto_data']);

/** Picks from time-stamped entries the last one at or before `t`, else the first. */
function around<T extends { readonly t: number }>(list: readonly T[] | undefined, t: number): T | null {
  if (!list || list.length === 0) return null;
  let best: T | null = null;
  for (const e of list) {
    if (e.t <= t) best = e;
    else break;
  }
  return best ?? list[0]!;
}

export function identify(datagrams: readonly CapturedDatagram[], profiles: readonly DissectProfile[], crypto: Crypto): Identities {
  const whole = datagrams.filter((d) => d.payload.length === d.size);
  const open = createOpenContext(crypto, profiles, learnCapture(whole));
  const anchors: Anchor[] = [];
  const handshakes = new Map<number, OpenedHandshake>();
  const dhtKeys = new Map<string, { t: number; n: number; dhtKey: string }[]>();

  const selfAnnounces: SelfAnnounce[] = [];
  // Sendbacks first, so every response finds its request's announce node.
  for (const d of whole) {
    if (d.payload[0] !== 0x83) continue;
    const r = openAnnounceRequestWithProfiles(open, d.payload, d.dst);
    if (r.tried && 'decrypted' in r && r.decrypted.announce === 'self') {
      const profile = profiles.find((p) => p.label === r.decrypted.profile)!;
      selfAnnounces.push({ pk: hexUpper(profile.publicKey), n: d.n, t: d.t, kind: 'request', isStored: null, firstRequest: r.decrypted.first_request === true, address: formatIpPort(d.src) });
    }
  }
  for (const d of whole) {
    const kind = describeDatagram(d.payload).kind;
    const sender = dhtSenderPk(d.payload);
    if (sender !== null) {
      const address = formatIpPort(d.src);
      const runs = dhtKeys.get(address) ?? [];
      if (runs.length === 0 || runs[runs.length - 1]!.dhtKey !== sender) runs.push({ t: d.t, n: d.n, dhtKey: sender });
      dhtKeys.set(address, runs);
    }
    if (kind === 'announce_response') {
      const r = openAnnounceResponseWithProfiles(open, d.payload);
      if (r.tried && 'decrypted' in r) {
        const profile = profiles.find((p) => p.label === r.decrypted.profile)!;
        const pk = hexUpper(profile.publicKey);
        anchors.push({ pk, address: formatIpPort(d.dst), t: d.t, n: d.n, how: 'announce response' });
        selfAnnounces.push({ pk, n: d.n, t: d.t, kind: 'response', isStored: Number(r.decrypted.is_stored), firstRequest: false, address: formatIpPort(d.dst) });
      }
    } else if (kind === 'handshake') {
      const r = openHandshakeWithProfiles(open, d.payload);
      if (r.tried && 'decrypted' in r) {
        const between = r.decrypted.between as readonly string[];
        handshakes.set(d.n, { n: d.n, between: [between[0]!, between[1]!], cookieHashOk: r.decrypted.cookie_hash_ok === true, sender: null });
      }
    }
  }

  const byAddress = (): Map<string, Anchor[]> => {
    const m = new Map<string, Anchor[]>();
    for (const a of [...anchors].sort((x, y) => x.t - y.t)) m.set(a.address, [...(m.get(a.address) ?? []), a]);
    return m;
  };
  let index = byAddress();
  const peerAt = (address: string, t: number): string | null => around(index.get(address), t)?.pk ?? null;

  // Orient handshakes: one known end names the other, until nothing new is learnt.
  const byN = new Map(whole.map((d) => [d.n, d]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const h of handshakes.values()) {
      if (h.sender !== null) continue;
      const d = byN.get(h.n)!;
      const src = formatIpPort(d.src);
      const dst = formatIpPort(d.dst);
      const atSrc = peerAt(src, d.t);
      const atDst = peerAt(dst, d.t);
      const [a, b] = h.between;
      if (atSrc === a || atSrc === b) h.sender = atSrc;
      else if (atDst === a || atDst === b) h.sender = atDst === a ? b : a;
      else continue;
      const receiver = h.sender === a ? b : a;
      if (atSrc !== h.sender) anchors.push({ pk: h.sender, address: src, t: d.t, n: d.n, how: 'handshake' });
      if (atDst !== receiver) anchors.push({ pk: receiver, address: dst, t: d.t, n: d.n, how: 'handshake' });
      index = byAddress();
      changed = true;
    }
  }

  selfAnnounces.sort((a, b) => a.t - b.t || a.n - b.n);
  return {
    anchors,
    selfAnnounces,
    handshakes,
    peerAt,
    addressesOf: (pk) => [...new Set(anchors.filter((a) => a.pk === pk).map((a) => a.address))],
    dhtKeyAt: (address, t) => around(dhtKeys.get(address), t)?.dhtKey ?? null,
    dhtRuns: (address) => dhtKeys.get(address) ?? [],
  };
}

