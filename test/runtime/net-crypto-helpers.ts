/**
 * Helpers for the net_crypto and messenger tests: two (or more) friend engines on the simulated
 * network, a way to hand one side the other's DHT key and address (what the onion and DHT
 * layers would learn), a datagram tap, and a raw peer that speaks net_crypto with the protocol
 * codecs directly (to forge, replay and inspect packets).
 */
import { toHex, type Bytes } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { formatIpPort, type IpPort } from '../../protocol/ip-port.js';
import {
  openCookieResponse,
  openCryptoData,
  openHandshake,
  sealCookie,
  sealCookieRequest,
  sealHandshake,
  recoverNonce,
} from '../../protocol/net-crypto/index.js';
import { SimNetwork, type SimNode, type SimOptions } from '../../runtime/adapters/sim-network.js';
import { Engine, type EngineOptions } from '../../runtime/engine.js';
import { generateKeyPair, type KeyPair } from '../../runtime/keys.js';
import { seededRandom, type Random } from '../../runtime/random.js';

export interface PeerSpec {
  readonly name: string;
  readonly seed: number;
}

export interface Pair {
  readonly sim: SimNetwork;
  readonly a: SimNode;
  readonly b: SimNode;
  readonly crypto: Crypto;
}

export async function makeFriendEngine(seed: number, name: string, friends: readonly Bytes[], extra: Partial<EngineOptions> = {}): Promise<Engine> {
  const crypto = await loadCrypto();
  const random = seededRandom(seed);
  const identity = generateKeyPair(crypto, random);
  return new Engine({
    crypto,
    random,
    identity,
    nospam: random.bytes(4),
    name,
    statusMessage: `${name}'s status`,
    friends: friends.map((pk) => ({ pk })),
    serveOnion: false,
    epochMs: 1_700_000_000_000,
    ...extra,
  });
}

/** The identity key a seed gives (the first 32 bytes the engine's random draws). */
export async function identityFor(seed: number): Promise<KeyPair> {
  const crypto = await loadCrypto();
  return generateKeyPair(crypto, seededRandom(seed));
}

/** Alice and Bob, friends of each other, on a simulated network; neither knows where the other is. */
export async function makePair(opts: SimOptions = {}, seeds: readonly [number, number] = [11, 22]): Promise<Pair> {
  const crypto = await loadCrypto();
  const idA = await identityFor(seeds[0]);
  const idB = await identityFor(seeds[1]);
  const sim = new SimNetwork({ latencyMs: 5, seed: 7, ...opts });
  const a = sim.add(await makeFriendEngine(seeds[0], 'alice', [idB.publicKey]));
  const b = sim.add(await makeFriendEngine(seeds[1], 'bob', [idA.publicKey]));
  return { sim, a, b, crypto };
}

/** `from` learns `to`'s DHT key and address, as the onion and a DHT search would tell it. */
export function introduce(sim: SimNetwork, from: SimNode, to: SimNode, address: IpPort = to.address): void {
  const friend = to.engine.selfHex;
  from.engine.deliverToSession(friend, { type: 'dhtKey.learned', now: sim.now, dhtKey: to.engine.keys.dhtPkHex, source: 'onion' });
  from.engine.deliverToSession(friend, { type: 'address.learned', now: sim.now, address: formatIpPort(address), source: 'dhtSearch' });
  from.engine.flush();
  sim.flush([from]);
}

export function progress(n: SimNode, peer: SimNode): string | undefined {
  return n.engine.progressOf(peer.engine.selfHex);
}

export function bothEstablished(p: Pair): boolean {
  return progress(p.a, p.b) === 'Established' && progress(p.b, p.a) === 'Established';
}

export function eventsOf<T extends string>(n: SimNode, type: T): Array<Extract<SimNode['events'][number], { type: T }>> {
  return n.events.filter((e): e is Extract<SimNode['events'][number], { type: T }> => e.type === type);
}

/** Records every datagram an engine sends (it still goes out). */
export function tap(engine: Engine): Array<{ to: IpPort; data: Bytes; at: number }> {
  const seen: Array<{ to: IpPort; data: Bytes; at: number }> = [];
  const orig = engine.send.bind(engine);
  engine.send = (to, data) => {
    seen.push({ to, data, at: engine.now });
    orig(to, data);
  };
  return seen;
}

/**
 * A raw net_crypto peer: its own real and DHT keys, talking to one engine directly with the
 * protocol codecs (no engine of its own). Packets it makes are handed to the test to deliver.
 */
export class RawPeer {
  readonly real: KeyPair;
  readonly dht: KeyPair;
  readonly session: KeyPair;
  readonly baseNonce: Bytes;
  readonly cookieKey: Bytes;
  private readonly random: Random;

  constructor(
    readonly crypto: Crypto,
    seed: number,
    readonly address: IpPort,
  ) {
    this.random = seededRandom(seed);
    this.real = generateKeyPair(crypto, this.random);
    this.dht = generateKeyPair(crypto, this.random);
    this.session = generateKeyPair(crypto, this.random);
    this.baseNonce = this.random.bytes(24);
    this.cookieKey = this.random.bytes(32);
  }

  get realHex(): string {
    return toHex(this.real.publicKey);
  }

  cookieRequest(target: Engine, echoId: Bytes = this.random.bytes(8)): Bytes {
    const shared = this.crypto.precompute(target.keys.dht.publicKey, this.dht.secretKey);
    return sealCookieRequest(this.crypto, shared, this.dht.publicKey, this.random.bytes(24), { realPk: this.real.publicKey, echoId });
  }

  /** Asks `target` for a cookie at engine time `now`; returns the cookie (or null). */
  fetchCookie(target: Engine, now: number): Bytes | null {
    target.takeTransmits();
    target.handleDatagram(now, this.address, this.cookieRequest(target));
    const out = target.takeTransmits().find((t) => t.data[0] === 0x19);
    if (!out) return null;
    const shared = this.crypto.precompute(target.keys.dht.publicKey, this.dht.secretKey);
    const r = openCookieResponse(this.crypto, shared, out.data);
    return r.ok ? r.value.cookie : null;
  }

  /** A handshake to `target` with its cookie; `otherCookie` made with our own cookie key. */
  handshake(target: Engine, cookie: Bytes, realSk: Bytes = this.real.secretKey): Bytes {
    const shared = this.crypto.precompute(target.keys.real.publicKey, realSk);
    const otherCookie = sealCookie(this.crypto, this.cookieKey, this.random.bytes(24), {
      time: BigInt(target.unixSeconds()),
      realPk: target.keys.real.publicKey,
      dhtPk: target.keys.dht.publicKey,
    });
    return sealHandshake(this.crypto, shared, this.random.bytes(24), { cookie, baseNonce: this.baseNonce, sessionPk: this.session.publicKey, otherCookie });
  }

  /** Opens a handshake the engine sent us (its box is keyed with our real key). */
  openHandshake(target: Engine, packet: Bytes): ReturnType<typeof openHandshake> {
    return openHandshake(this.crypto, this.crypto.precompute(target.keys.real.publicKey, this.real.secretKey), packet);
  }

  /** Opens a data packet from the engine, given the engine's base nonce and session pk from its handshake. */
  openData(peerSessionPk: Bytes, recvNonce: Bytes, packet: Bytes): ReturnType<typeof openCryptoData> {
    const key = this.crypto.precompute(peerSessionPk, this.session.secretKey);
    const low = (packet[1]! << 8) | packet[2]!;
    const { nonce } = recoverNonce(recvNonce, low);
    return openCryptoData(this.crypto, key, nonce, packet);
  }
}
