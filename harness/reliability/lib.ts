/**
 * Shared pieces of the reliability scenarios (flood, amplification, attacks, faults): the demo
 * network brought to Alice–Bob Established, an attacker that crafts packets with the protocol
 * codecs (its own keys, any claimed identity, any source address), and table/memory figures.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import {
  DHT_REQUEST_ID,
  sealDhtPkRouted,
  sealDhtRequest,
  sealNodesRequest,
  sealNodesResponse,
  sealPingRequest,
  type DhtPk,
} from '../../protocol/dht/index.js';
import { encodeDhtPkPayload } from '../../protocol/dht/dht-pk.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { sealCookieRequest } from '../../protocol/net-crypto/index.js';
import {
  decodeOnionDataRequest,
  encodeOnionResponse,
  onionDataResponseFromRequest,
  sealAnnounceRequest,
  sealOnionDataRequest,
  sealOnionRequest,
  type OnionPath,
} from '../../protocol/onion/index.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import type { SimNode } from '../../runtime/adapters/sim-network.js';
import type { Engine } from '../../runtime/engine.js';
import { generateKeyPair, type KeyPair } from '../../runtime/keys.js';
import { seededRandom, type Random } from '../../runtime/random.js';
import { createDemoNetwork, type DemoNetwork } from '../../runtime/scenarios/demo-network.js';

/** The demo network (4 DHT nodes, Alice, Bob) run until Alice and Bob are Established, plus `settleMs`. */
export function establishedDemo(crypto: Crypto, seed = 2026, settleMs = 5_000): DemoNetwork {
  const demo = createDemoNetwork({ crypto, seed });
  if (!demo.sim.runUntilTrue(() => bothEstablished(demo), 120_000)) throw new Error('demo network: Alice and Bob did not connect');
  demo.sim.runFor(settleMs);
  return demo;
}

export function bothEstablished(demo: DemoNetwork): boolean {
  const a = demo.alice.node.engine;
  const b = demo.bob.node.engine;
  return a.progressOf(b.selfHex) === 'Established' && b.progressOf(a.selfHex) === 'Established';
}

export function offlineEvents(...nodes: SimNode[]): number {
  return nodes.reduce((n, node) => n + node.events.filter((e) => e.type === 'friend_offline').length, 0);
}

export interface MemoryFigures {
  heapUsedMb: number;
  rssMb: number;
}

export function memory(): MemoryFigures {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heapUsedMb: Math.round((m.heapUsed / 2 ** 20) * 10) / 10, rssMb: Math.round((m.rss / 2 ** 20) * 10) / 10 };
}

/** A random loopback address (the simulated network is in memory; nothing is sent anywhere). */
export function randomAddress(r: Random): IpPort {
  return { family: 'ipv4', ip: `127.${1 + r.int(254)}.${r.int(256)}.${1 + r.int(254)}`, port: 1024 + r.int(60_000) };
}

/** An attacker: its own DHT and real key pairs, crafting packets for one target engine. */
export class Attacker {
  readonly dht: KeyPair;
  readonly real: KeyPair;
  readonly r: Random;
  readonly dhtShared: Bytes;

  constructor(
    readonly crypto: Crypto,
    readonly target: Engine,
    seed: number,
  ) {
    this.r = seededRandom(seed);
    this.dht = generateKeyPair(crypto, this.r);
    this.real = generateKeyPair(crypto, this.r);
    this.dhtShared = crypto.precompute(target.keys.dht.publicKey, this.dht.secretKey);
  }

  pingRequest(): Bytes {
    return sealPingRequest(this.crypto, this.dhtShared, this.dht.publicKey, this.r.bytes(24), { pingId: this.r.bytes(8) });
  }

  nodesRequest(searched: Bytes = this.r.bytes(32)): Bytes {
    return sealNodesRequest(this.crypto, this.dhtShared, this.dht.publicKey, this.r.bytes(24), { searchedPk: searched, pingId: this.r.bytes(8) });
  }

  /** A nodes response naming `nodes` (only accepted when it answers a request of the target's). */
  nodesResponse(pingId: Bytes, nodes: readonly PackedNode[]): Bytes {
    return sealNodesResponse(this.crypto, this.dhtShared, this.dht.publicKey, this.r.bytes(24), { nodes: [...nodes], pingId });
  }

  /** A cookie request naming `claimedRealPk` (anyone can claim any key here: only the DHT key is proven). */
  cookieRequest(claimedRealPk: Bytes = this.real.publicKey): Bytes {
    return sealCookieRequest(this.crypto, this.dhtShared, this.dht.publicKey, this.r.bytes(24), { realPk: claimedRealPk, echoId: this.r.bytes(8) });
  }

  /** A 354-byte announce request as exit relay C delivers it (zero ping_id: a search or a first announce). */
  announceRequest(searched: Bytes = this.r.bytes(32)): Bytes {
    const req = sealAnnounceRequest(this.crypto, this.dhtShared, this.dht.publicKey, this.r.bytes(24), {
      pingId: new Uint8Array(32),
      searchedPk: searched,
      dataPk: this.r.bytes(32),
      sendback: this.r.bytes(8),
    });
    const out = new Uint8Array(req.length + 177);
    out.set(req, 0);
    out.set(this.r.bytes(177), req.length);
    return out;
  }

  /** A valid 0x80 whose first hop is the target; the next hop is `next` (any address). */
  onionRequest(next: IpPort, payloadSize = 177): Bytes {
    const k2 = generateKeyPair(this.crypto, this.r);
    const k3 = generateKeyPair(this.crypto, this.r);
    const path: OnionPath = {
      publicKey1: this.dht.publicKey,
      sharedKey1: this.dhtShared,
      ipPort2: next,
      publicKey2: k2.publicKey,
      sharedKey2: this.r.bytes(32),
      ipPort3: next,
      publicKey3: k3.publicKey,
      sharedKey3: this.r.bytes(32),
    };
    const payload = this.r.bytes(payloadSize);
    payload[0] = 0x83;
    return sealOnionRequest(this.crypto, path, this.r.bytes(24), next, payload);
  }

  /**
   * Onion data 0x86 as the target's announce node would deliver it: sender `sender` (real keys),
   * for the target's onion data key, carrying `data` (DHT-PK 156 or friend request 32).
   */
  onionData(sender: KeyPair, data: Bytes): Bytes {
    const temp = generateKeyPair(this.crypto, this.r);
    const req = sealOnionDataRequest(this.crypto, {
      destRealPk: this.target.keys.real.publicKey,
      nonce: this.r.bytes(24),
      tempPk: temp.publicKey,
      outerSharedKey: this.crypto.precompute(this.target.onion.dataKey.publicKey, temp.secretKey),
      senderRealPk: sender.publicKey,
      innerSharedKey: this.crypto.precompute(this.target.keys.real.publicKey, sender.secretKey),
      data,
    });
    const h = decodeOnionDataRequest(req, { withReturn: false });
    if (!h.ok) throw new Error(h.error);
    return onionDataResponseFromRequest(h.value);
  }

  /** A DHT-PK payload (156) announcing `dhtPk` with `noReplay`. */
  static dhtPkPayload(d: DhtPk): Bytes {
    return encodeDhtPkPayload(d);
  }

  /** DHT request 0x20 id 156 to the target from `sender` (real keys), sent with our DHT key. */
  dhtPkRoute(sender: KeyPair, d: DhtPk): Bytes {
    const data = sealDhtPkRouted(this.crypto, this.crypto.precompute(this.target.keys.real.publicKey, sender.secretKey), sender.publicKey, this.r.bytes(24), d);
    return sealDhtRequest(this.crypto, this.dhtShared, this.target.keys.dht.publicKey, this.dht.publicKey, this.r.bytes(24), { requestId: DHT_REQUEST_ID.dht_pk, data });
  }

  /** An onion response of level 1–3 with a return blob the target never made. */
  forgedOnionResponse(level: 1 | 2 | 3): Bytes {
    const size = level === 3 ? 177 : level === 2 ? 118 : 59;
    const r = this.r.bytes(100);
    r[0] = 0x84;
    return encodeOnionResponse(level, this.r.bytes(size), r);
  }
}
