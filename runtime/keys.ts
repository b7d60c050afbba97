/**
 * The key store: our long-term (real) key pair, the DHT key pair made fresh at every start,
 * and a bounded cache of precomputed shared keys (crypto_box_beforenm is the expensive step:
 * STACK.md measured ~12k/s). The cache is an LRU of `SHARED_KEY_CACHE_LIMIT` entries;
 * evictions are counted. Keys for packets from unknown senders are computed tentatively and
 * cached only once the packet authenticates (unauthenticated input leaves no state).
 */
import { concat, taggedHex, toHex, type Bytes } from '../protocol/bytes.js';
import type { Crypto } from '../protocol/crypto.js';
import type { Random } from './random.js';

/** Bound on cached shared keys (c-toxcore caches per peer with KEYS_TIMEOUT 600 s; we bound by count). */
/** Mixed into the unusable key a low-order public key gets (SharedKeyCache.compute). */
const LOW_ORDER_LABEL = new TextEncoder().encode('toxstate low-order public key');

export const SHARED_KEY_CACHE_LIMIT = 16_384;

export interface KeyPair {
  readonly publicKey: Bytes;
  readonly secretKey: Bytes;
}

export function generateKeyPair(crypto: Crypto, random: Random): KeyPair {
  const secretKey = random.bytes(32);
  return { publicKey: crypto.publicKeyFromSecret(secretKey), secretKey };
}

export class SharedKeyCache {
  private readonly map = new Map<string, Bytes>();
  evictions = 0;
  computed = 0;

  constructor(
    private readonly crypto: Crypto,
    readonly limit = SHARED_KEY_CACHE_LIMIT,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /**
   * shared(our secret key, their public key) without caching a new one: for a packet not yet
   * authenticated. `remember` it once the packet opened, so that garbage with random sender keys
   * leaves nothing behind and does not push real peers' keys out of the cache.
   */
  tentative(ourTag: string, ourSecret: Bytes, theirPublic: Bytes): Bytes {
    const hit = this.map.get(taggedHex(ourTag, theirPublic));
    if (hit) return hit;
    this.computed++;
    return this.compute(theirPublic, ourSecret);
  }

  /** Public keys libsodium refused (low-order points such as all zeros): each got an unusable key. */
  lowOrderKeys = 0;

  /**
   * crypto_box_beforenm, which libsodium refuses for a low-order public key (all zeros, for one),
   * as any packet from the network may name. Such a key gets a key derived from our own secret
   * that nobody else can compute: every box "from" it fails to open and is dropped as invalid by
   * its layer, never thrown (a constant such as all zeros would let anyone forge those boxes).
   */
  private compute(theirPublic: Bytes, ourSecret: Bytes): Bytes {
    return sharedKeyOf(this.crypto, theirPublic, ourSecret, () => this.lowOrderKeys++);
  }

  /** Caches a key from `tentative` (its packet authenticated). */
  remember(ourTag: string, theirPublic: Bytes, key: Bytes): void {
    const k = taggedHex(ourTag, theirPublic);
    if (this.map.has(k)) return;
    this.map.set(k, key);
    if (this.map.size > this.limit) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.evictions++;
    }
  }

  /** shared(our secret key, their public key); `ourTag` names which of our keys (e.g. 'dht'). */
  get(ourTag: string, ourSecret: Bytes, theirPublic: Bytes): Bytes {
    const k = taggedHex(ourTag, theirPublic);
    const hit = this.map.get(k);
    if (hit) {
      this.map.delete(k);
      this.map.set(k, hit);
      return hit;
    }
    const key = this.compute(theirPublic, ourSecret);
    this.computed++;
    this.map.set(k, key);
    if (this.map.size > this.limit) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.evictions++;
    }
    return key;
  }
}

/**
 * crypto_box_beforenm for a public key from the network, never throwing: libsodium refuses a
 * low-order public key (all zeros, for one); such a key gets a key derived from our own secret
 * that nobody else can compute, so every box "from" it fails to open and its layer drops the packet
 * as invalid (a constant such as all zeros would let anyone forge those boxes). `onLowOrder` is
 * told when that happened.
 */
export function sharedKeyOf(crypto: Crypto, theirPublic: Bytes, ourSecret: Bytes, onLowOrder?: () => void): Bytes {
  try {
    return crypto.precompute(theirPublic, ourSecret);
  } catch {
    onLowOrder?.();
    return crypto.sha512(concat(ourSecret, theirPublic, LOW_ORDER_LABEL)).slice(0, 32);
  }
}

export class Keys {
  readonly realPkHex: string;
  readonly dhtPkHex: string;
  readonly cache: SharedKeyCache;

  constructor(
    readonly crypto: Crypto,
    readonly real: KeyPair,
    readonly dht: KeyPair,
    cacheLimit = SHARED_KEY_CACHE_LIMIT,
  ) {
    this.realPkHex = toHex(real.publicKey);
    this.dhtPkHex = toHex(dht.publicKey);
    this.cache = new SharedKeyCache(crypto, cacheLimit);
  }

  /** shared(our DHT sk, their pk): DHT packets, cookie requests, onion layer 1, announce serving. */
  dhtShared(theirPk: Bytes): Bytes {
    return this.cache.get('dht', this.dht.secretKey, theirPk);
  }

  /** dhtShared for a packet not yet authenticated: nothing is cached until `rememberDht`. */
  dhtSharedTentative(theirPk: Bytes): Bytes {
    return this.cache.tentative('dht', this.dht.secretKey, theirPk);
  }

  /** The packet keyed with `dhtSharedTentative` authenticated: cache its key. */
  rememberDht(theirPk: Bytes, key: Bytes): void {
    this.cache.remember('dht', theirPk, key);
  }

  /** shared(our real sk, their pk): handshakes, self-announce, onion data inner layer, DHT-PK route. */
  realShared(theirPk: Bytes): Bytes {
    return this.cache.get('real', this.real.secretKey, theirPk);
  }
}
