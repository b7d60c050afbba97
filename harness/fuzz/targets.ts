/**
 * Fuzz targets: every protocol decoder that takes bytes, called the way a receiver would call it
 * — header decoder, then the opener with the receiver's real keys (corpus.ts KeyView), then the
 * decoders of what opened — plus the dissector, with and without profiles.
 *
 * A decoder must return a Result (`{ ok: true, value }` or `{ ok: false, error: string }`) and
 * never throw. Every call goes through `call(name, fn)`, which records a throw as a crash (with
 * the decoder's name and the input) and a malformed return as a contract violation.
 *
 * Real keys matter: a mutated packet fails the MAC almost always, so the code after the MAC check
 * is reached by the valid seeds and by the rare mutation that keeps the box intact (a mutation
 * of the clear part: the sender key, the nonce, the sendback, the return blob, the length).
 */
import { toHex, type Bytes } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import {
  decodeDhtHeader,
  decodeDhtPkData,
  decodeDhtPkPayload,
  decodeDhtPkRoutedHeader,
  decodeDhtRequestHeader,
  decodeLanDiscovery,
  decodeNatPing,
  DHT_REQUEST_ID,
  openDhtPkRouted,
  openDhtRequest,
  openNodesRequest,
  openNodesResponse,
  openPingRequest,
  openPingResponse,
} from '../../protocol/dht/index.js';
import { describeDatagram, dissectDatagram, dissectDatagrams, type DissectProfile } from '../../protocol/dissect/index.js';
import { decodeOnionIpPort, type IpPort } from '../../protocol/ip-port.js';
import { decodeMessengerPacket } from '../../protocol/messenger/index.js';
import {
  decodeCookieRequestHeader,
  decodeCryptoDataHeader,
  decodeHandshakeHeader,
  decodeRequestPacket,
  openCookie,
  openCookieRequest,
  openCookieResponse,
  openCryptoData,
  openHandshake,
  recoverNonce,
} from '../../protocol/net-crypto/index.js';
import {
  decodeAnnounceRequestHeader,
  decodeAnnounceResponseHeader,
  decodeFriendRequestPayload,
  decodeOnionDataPayload,
  decodeOnionDataRequest,
  decodeOnionDataResponse,
  decodeOnionRequestHeader,
  decodeOnionResponse,
  openAnnounceRequest,
  openAnnounceResponse,
  openOnionDataInner,
  openOnionDataOuter,
  openOnionLayer,
  openReturn,
  relayOnionResponse,
} from '../../protocol/onion/index.js';
import { decodePackedNodes } from '../../protocol/packed-node.js';
import { CRYPTO_PAYLOAD_ID, datagramKind, PACKET_ID } from '../../protocol/packet-ids.js';
import { decodeDhtSection, decodeFriendRecord, decryptSave, parseSavedata } from '../../protocol/profile/index.js';
import { decodeToxId, parseToxId } from '../../protocol/tox-id.js';
import type { KeyView, PayloadKind } from './corpus.js';

export interface Crash {
  readonly target: string;
  readonly error: string;
  readonly inputHex: string;
}

/** Per-run bookkeeping shared by the targets. */
export class TargetStats {
  calls = 0;
  /** Results with ok: true (how far valid or lucky inputs got). */
  oks = 0;
  /** Opens that authenticated (a MAC passed). */
  opened = 0;
  readonly crashes: Crash[] = [];
  crashCount = 0;
  contractViolations = 0;
  readonly byTarget = new Map<string, { calls: number; oks: number }>();

  record(name: string, ok: boolean): void {
    this.calls++;
    if (ok) this.oks++;
    let t = this.byTarget.get(name);
    if (!t) {
      t = { calls: 0, oks: 0 };
      this.byTarget.set(name, t);
    }
    t.calls++;
    if (ok) t.oks++;
  }

  crash(name: string, e: unknown, input: Bytes): void {
    this.crashCount++;
    if (this.crashes.length < 20) {
      this.crashes.push({ target: name, error: e instanceof Error ? (e.stack ?? e.message) : String(e), inputHex: toHex(input.subarray(0, 2048)) });
    }
  }
}

type AnyResult = { ok: boolean; value?: unknown; error?: unknown };

function isResult(r: unknown): r is AnyResult {
  if (typeof r !== 'object' || r === null || !('ok' in r)) return false;
  const x = r as AnyResult;
  return (x.ok === true && 'value' in x) || (x.ok === false && typeof x.error === 'string');
}

/**
 * The targets, bound to one crypto and a bounded shared-key memo (X25519 is the expensive step;
 * the memo holds keys of real peers, and is cleared when a run of random sender keys fills it).
 */
export class Targets {
  readonly stats = new TargetStats();
  private readonly memo = new Map<string, Bytes>();
  private input: Bytes = new Uint8Array(0);

  constructor(readonly crypto: Crypto) {}

  /**
   * shared(pk, sk). While warming up (the unmutated seeds) every pair is computed and kept; after
   * that a pair never seen (a mutated key) gets a fixed wrong key: a mutated key cannot open a
   * box anyway, the opener still runs its checks and its MAC, and the run does not spend an
   * X25519 per input. (The engine target computes every key, as a receiver must.)
   */
  private shared(pk: Bytes, sk: Bytes): Bytes {
    const k = toHex(pk) + toHex(sk.subarray(0, 8));
    let v = this.memo.get(k);
    if (!v) {
      if (!this.warming) return this.wrongKey;
      v = this.crypto.precompute(pk, sk);
      this.memo.set(k, v);
    }
    return v;
  }

  private warming = true;
  private readonly wrongKey = new Uint8Array(32).fill(0x5a);

  /** Runs every seed once, unmutated, to learn the real key pairs; then fuzzing starts. */
  warmUp(seeds: ReadonlyArray<{ data: Bytes; keys: KeyView | null }>): void {
    this.warming = true;
    for (const s of seeds) this.datagram(s.data, s.keys);
    this.warming = false;
  }

  /** Real key pairs learnt from the seeds. */
  get knownPairs(): number {
    return this.memo.size;
  }

  /** Runs one decoder; a throw is a crash, a non-Result a contract violation. */
  call<T>(name: string, fn: () => T, opener = false): T | undefined {
    let r: T;
    try {
      r = fn();
    } catch (e) {
      this.stats.record(name, false);
      this.stats.crash(name, e, this.input);
      return undefined;
    }
    if (isResult(r)) {
      this.stats.record(name, r.ok);
      if (opener && r.ok) this.stats.opened++;
    } else {
      this.stats.record(name, true);
    }
    return r;
  }

  private callR<T>(name: string, fn: () => { ok: true; value: T } | { ok: false; error: string }, opener = false): T | undefined {
    const r = this.call(name, fn, opener);
    if (r === undefined) return undefined;
    if (!isResult(r)) {
      this.stats.contractViolations++;
      return undefined;
    }
    return r.ok ? (r.value as T) : undefined;
  }

  /** A datagram as its receiver would take it, keyed where keys are known. */
  datagram(data: Bytes, keys: KeyView | null): void {
    this.input = data;
    const c = this.crypto;
    this.call('datagramKind', () => datagramKind(data));
    this.call('describeDatagram', () => describeDatagram(data));
    this.call('dissectDatagram', () => dissectDatagram(data));
    const id = data.length > 0 ? data[0]! : -1;
    switch (id) {
      case PACKET_ID.ping_request:
      case PACKET_ID.ping_response:
      case PACKET_ID.nodes_request:
      case PACKET_ID.nodes_response: {
        const h = this.callR('decodeDhtHeader', () => decodeDhtHeader(data));
        if (!h || !keys) return;
        const k = this.shared(h.senderPk, keys.dht.secretKey);
        this.callR('openPingRequest', () => openPingRequest(c, k, h), true);
        this.callR('openPingResponse', () => openPingResponse(c, k, h), true);
        this.callR('openNodesRequest', () => openNodesRequest(c, k, h), true);
        this.callR('openNodesResponse', () => openNodesResponse(c, k, h), true);
        return;
      }
      case PACKET_ID.dht_request: {
        const h = this.callR('decodeDhtRequestHeader', () => decodeDhtRequestHeader(data));
        if (!h || !keys) return;
        const req = this.callR('openDhtRequest', () => openDhtRequest(c, this.shared(h.senderPk, keys.dht.secretKey), h), true);
        if (!req) return;
        this.payload('natPing', req.data);
        if (req.requestId !== DHT_REQUEST_ID.dht_pk) return;
        const inner = this.callR('decodeDhtPkRoutedHeader', () => decodeDhtPkRoutedHeader(req.data));
        if (!inner) return;
        this.callR('openDhtPkRouted', () => openDhtPkRouted(c, this.shared(inner.senderRealPk, keys.real.secretKey), inner, h.senderPk), true);
        return;
      }
      case PACKET_ID.lan_discovery:
        this.callR('decodeLanDiscovery', () => decodeLanDiscovery(data));
        return;
      case PACKET_ID.cookie_request: {
        const h = this.callR('decodeCookieRequestHeader', () => decodeCookieRequestHeader(data));
        if (!h || !keys) return;
        this.callR('openCookieRequest', () => openCookieRequest(c, this.shared(h.senderDhtPk, keys.dht.secretKey), data), true);
        return;
      }
      case PACKET_ID.cookie_response:
        if (!keys) return;
        for (const pk of keys.peerDhtPks) if (this.callR('openCookieResponse', () => openCookieResponse(c, this.shared(pk, keys.dht.secretKey), data), true)) break;
        return;
      case PACKET_ID.handshake: {
        const h = this.callR('decodeHandshakeHeader', () => decodeHandshakeHeader(data));
        if (!h || !keys) return;
        if (keys.cookieKey) {
          const ck = keys.cookieKey;
          this.callR('openCookie', () => openCookie(c, ck, h.cookie), true);
        }
        for (const pk of keys.friendRealPks) if (this.callR('openHandshake', () => openHandshake(c, this.shared(pk, keys.real.secretKey), data), true)) break;
        return;
      }
      case PACKET_ID.crypto_data: {
        const h = this.callR('decodeCryptoDataHeader', () => decodeCryptoDataHeader(data));
        if (!h || !keys) return;
        for (const s of keys.sessions) {
          const { nonce } = recoverNonce(s.recvNonce, h.nonceLow16);
          const body = this.callR('openCryptoData', () => openCryptoData(c, s.sessionKey, nonce, data), true);
          if (body) {
            this.payload(body.payload[0] === CRYPTO_PAYLOAD_ID.request ? 'request' : 'messenger', body.payload);
            break;
          }
        }
        return;
      }
      case PACKET_ID.onion_request_0:
      case PACKET_ID.onion_request_1:
      case PACKET_ID.onion_request_2: {
        const h = this.callR('decodeOnionRequestHeader', () => decodeOnionRequestHeader(data));
        if (!h || !keys) return;
        const layer = this.callR('openOnionLayer', () => openOnionLayer(c, this.shared(h.publicKey, keys.dht.secretKey), h), true);
        if (layer && keys.relayKey && h.returnBlob) {
          const rk = keys.relayKey;
          const blob = h.returnBlob;
          this.callR('openReturn', () => openReturn(c, rk, blob), true);
        }
        return;
      }
      case PACKET_ID.announce_request: {
        const h = this.callR('decodeAnnounceRequestHeader', () => decodeAnnounceRequestHeader(data));
        if (!h || !keys) return;
        this.callR('openAnnounceRequest', () => openAnnounceRequest(c, this.shared(h.senderPk, keys.dht.secretKey), h), true);
        return;
      }
      case PACKET_ID.announce_response: {
        const h = this.callR('decodeAnnounceResponseHeader', () => decodeAnnounceResponseHeader(data));
        if (!h || !keys) return;
        for (const pk of keys.peerDhtPks) if (this.callR('openAnnounceResponse', () => openAnnounceResponse(c, this.shared(pk, keys.real.secretKey), h), true)) break;
        return;
      }
      case PACKET_ID.onion_data_request:
        this.callR('decodeOnionDataRequest+return', () => decodeOnionDataRequest(data, { withReturn: true }));
        this.callR('decodeOnionDataRequest', () => decodeOnionDataRequest(data, { withReturn: false }));
        return;
      case PACKET_ID.onion_data_response: {
        const h = this.callR('decodeOnionDataResponse', () => decodeOnionDataResponse(data));
        if (!h || !keys?.onionData) return;
        const od = keys.onionData;
        const outer = this.callR('openOnionDataOuter', () => openOnionDataOuter(c, this.shared(h.tempPk, od.secretKey), h), true);
        if (!outer) return;
        const inner = this.callR('openOnionDataInner', () => openOnionDataInner(c, this.shared(outer.senderRealPk, keys.real.secretKey), h.nonce, outer.innerBox), true);
        if (inner) this.payload('onionDataPayload', inner);
        return;
      }
      case PACKET_ID.onion_response_3:
      case PACKET_ID.onion_response_2:
      case PACKET_ID.onion_response_1: {
        const r = this.callR('decodeOnionResponse', () => decodeOnionResponse(data));
        if (!r || !keys?.relayKey) return;
        const rk = keys.relayKey;
        this.callR('relayOnionResponse', () => relayOnionResponse(c, rk, r), true);
        this.callR('openReturn', () => openReturn(c, rk, r.returnBlob), true);
        return;
      }
      default:
    }
  }

  /** A plaintext for the payload-level decoders. */
  payload(kind: PayloadKind, data: Bytes): void {
    this.input = data;
    switch (kind) {
      case 'messenger':
        this.callR('decodeMessengerPacket', () => decodeMessengerPacket(data));
        return;
      case 'request': {
        const start = data.length > 4 ? ((data[1]! << 24) | (data[2]! << 16) | (data[3]! << 8) | data[4]!) >>> 0 : 0;
        this.callR('decodeRequestPacket', () => decodeRequestPacket(data, { bufferStart: start }));
        this.callR('decodeRequestPacket+end', () => decodeRequestPacket(data, { bufferStart: start, bufferEnd: (start + (data[0] ?? 0) * 300) >>> 0 }));
        return;
      }
      case 'dhtPkData':
        this.callR('decodeDhtPkData', () => decodeDhtPkData(data));
        return;
      case 'onionDataPayload': {
        this.callR('decodeOnionDataPayload', () => decodeOnionDataPayload(data));
        this.callR('decodeDhtPkPayload', () => decodeDhtPkPayload(data));
        this.callR('decodeFriendRequestPayload', () => decodeFriendRequestPayload(data));
        return;
      }
      case 'packedNodes':
        this.callR('decodePackedNodes', () => decodePackedNodes(data, { allowTcp: true }));
        this.callR('decodePackedNodes(udp, ≤4)', () => decodePackedNodes(data, { allowTcp: false, maxCount: 4 }));
        return;
      case 'toxId':
        this.callR('decodeToxId', () => decodeToxId(data));
        this.callR('parseToxId', () => parseToxId(String.fromCharCode(...data.subarray(0, 200))));
        this.callR('parseToxId(hex)', () => parseToxId(toHex(data)));
        return;
      case 'savedata': {
        this.call('parseSavedata', () => parseSavedata(this.crypto, data));
        this.callR('decodeFriendRecord', () => decodeFriendRecord(data.subarray(0, 2216)));
        this.call('decodeDhtSection', () => decodeDhtSection(data));
        // scrypt costs ~50 ms: only inputs too short for the key derivation reach it quickly.
        if (data.length < 80 || data[0] !== 0x74) this.call('decryptSave', () => decryptSave(this.crypto, 'fuzz', data));
        return;
      }
      case 'natPing':
        this.callR('decodeNatPing', () => decodeNatPing(data));
        return;
      case 'onionIpPort':
        this.callR('decodeOnionIpPort', () => decodeOnionIpPort(data));
        return;
    }
  }

  /** A whole capture through the keyed dissector (handshakes and self-announces open). */
  dissectBatch(inputs: ReadonlyArray<{ payload: Bytes; src?: IpPort; dst?: IpPort }>, profiles: readonly DissectProfile[]): void {
    this.input = inputs[0]?.payload ?? new Uint8Array(0);
    this.call('dissectDatagrams(profiles)', () => dissectDatagrams(inputs, { crypto: this.crypto, profiles }));
  }
}
