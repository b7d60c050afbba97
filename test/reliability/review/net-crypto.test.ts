/**
 * Issue 13 items 3 and 10, performed (scenarios in ./net-crypto.ts) and asserted:
 *   - item 3: junk cookie requests spoofed from a friend's own address no longer keep two friends
 *     apart (they connect within JUNK_DELAY_BOUND_MS of the no-junk time at 100–1,000/s each
 *     way), a friend's requests are never throttled by junk, and junk costs a bounded number of
 *     X25519s; the other net_crypto packets (0x19/0x1a/0x1b) take the same flood;
 *   - item 10: a friend asking for every packet over and over, never acknowledging, draws a
 *     bounded number of resends: at most RESEND_BURST_PACKETS per round trip, decaying to one
 *     per RESEND_MAX_ROUND_MS.
 */
import { describe, expect, it } from 'vitest';
import { loadCrypto, type Crypto } from '../../../runtime/adapters/node-crypto.js';
import type { IpPort } from '../../../protocol/ip-port.js';
import { COOKIE_REQUEST_SIZE_BYTES } from '../../../protocol/net-crypto/index.js';
import { COOKIE_REQUEST_BURST, COOKIE_UNKNOWN_KEY_BURST, COOKIE_UNKNOWN_KEY_REFILL_MS, RESEND_BURST_PACKETS } from '../../../runtime/net-crypto/constants.js';
import { seededRandom } from '../../../runtime/random.js';
import { makeFriendEngine, RawPeer } from '../../runtime/net-crypto-helpers.js';
import {
  connectUnderJunk,
  JUNK_DELAY_BOUND_MS,
  junkCookieRequestsOutcome,
  junkOtherPacketsOutcome,
  GAP_REQUESTS_BOUND_10S,
  GAP_REQUESTS_BOUND_LAST_5S,
  gapNeverFilledOutcome,
  resendEverythingOutcome,
  REVIEW_PATTERN_RATIO_BOUND,
  steadyResendBound,
  totalResendBound,
  x25519Bound,
} from '../../../harness/reliability/review/net-crypto.js';

const addr = (n: number): IpPort => ({ family: 'ipv4', ip: `127.3.0.${n}`, port: 33445 });

/** The real crypto, counting X25519 precomputations. */
async function countingCrypto(): Promise<{ crypto: Crypto; x25519: () => number }> {
  const real = await loadCrypto();
  let n = 0;
  const crypto: Crypto = {
    ...real,
    precompute: (pk, sk) => {
      n++;
      return real.precompute(pk, sk);
    },
  };
  return { crypto, x25519: () => n };
}

function randomJunk(seed: number, count: number, claimedDhtPk?: Uint8Array): Uint8Array[] {
  const r = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const b = r.bytes(COOKIE_REQUEST_SIZE_BYTES);
    b[0] = 0x18;
    b[32]! &= 0x7f; // a valid key (c-toxcore public_key_valid): refuting the request takes an X25519
    if (claimedDhtPk) b.set(claimedDhtPk, 1);
    return b;
  });
}

describe('issue 13 item 3: junk cookie requests spoofed from a friend’s address', () => {
  it('two friends connect within 2 s of the no-junk time with 100, 300 and 1,000 junk requests per second each way (random keys, the friend’s own key, and requests that authenticate)', async () => {
    const crypto = await loadCrypto();
    const o = junkCookieRequestsOutcome(crypto);
    console.log(o.result);
    expect(o.held, o.result).toBe(true);
    const baseline = o.figures['baselineMs'] as number;
    expect(baseline).toBeLessThan(2_000);
    for (const k of ['random100', 'random300', 'random1000', 'friend-key1000', 'authenticated1000']) {
      const t = o.figures[`${k}.establishedMs`];
      expect(typeof t, k).toBe('number');
      expect(t as number, k).toBeLessThanOrEqual(baseline + JUNK_DELAY_BOUND_MS);
    }
    // Junk costs at most the unknown-key budget in X25519s; at 1,000/s most is refused before one.
    for (const k of ['random100', 'random300', 'random1000', 'friend-key1000', 'authenticated1000']) {
      expect(o.figures[`${k}.x25519`] as number, k).toBeLessThanOrEqual(x25519Bound(o.figures[`${k}.durationMs`] as number));
    }
    expect(o.figures['random1000.refusedBeforeX25519'] as number).toBeGreaterThan(o.figures['random1000.x25519'] as number);
  });

  it('junk cookie responses, handshakes and data packets from a friend’s address do not hold the friends up either', async () => {
    const crypto = await loadCrypto();
    const o = junkOtherPacketsOutcome(crypto);
    console.log(o.result);
    expect(o.held, o.result).toBe(true);
    expect(o.figures['junkSent'] as number).toBeGreaterThan(500);
  });

  it('a friend whose session knows its DHT key is answered through any amount of junk from its address; its burst is its own', async () => {
    const { crypto } = await countingCrypto();
    const friend = new RawPeer(crypto, 3301, addr(1));
    const e = await makeFriendEngine(3302, 'alice', [friend.real.publicKey], { crypto });
    e.start(0);
    e.deliverToSession(friend.realHex, { type: 'dhtKey.learned', now: 0, dhtKey: Buffer.from(friend.dht.publicKey).toString('hex'), source: 'onion' });
    e.flush();
    e.takeTransmits();
    for (const j of [...randomJunk(1, 2_000), ...randomJunk(2, 2_000, friend.dht.publicKey)]) e.handleDatagram(0, friend.address, j);
    expect(e.takeTransmits()).toHaveLength(0);
    // Then the friend itself: a full burst, as if no junk had come.
    for (let i = 0; i < 2 * COOKIE_REQUEST_BURST; i++) e.handleDatagram(0, friend.address, friend.cookieRequest(e));
    expect(e.takeTransmits().filter((t) => t.data[0] === 0x19)).toHaveLength(COOKIE_REQUEST_BURST);
    expect(e.counters.get('drop.net_crypto.cookie_request_invalid')).toBeGreaterThanOrEqual(2_000);
  });

  it('a friend whose DHT key is not known yet gets through once, and is then remembered: later junk does not hold it up', async () => {
    const crypto = await loadCrypto();
    const friend = new RawPeer(crypto, 3311, addr(2));
    const e = await makeFriendEngine(3312, 'alice', [friend.real.publicKey]);
    e.start(0);
    e.handleDatagram(0, friend.address, friend.cookieRequest(e));
    expect(e.takeTransmits()).toHaveLength(1);
    for (const j of randomJunk(3, 5_000)) e.handleDatagram(10, friend.address, j);
    e.handleDatagram(10, friend.address, friend.cookieRequest(e));
    expect(e.takeTransmits()).toHaveLength(1);
    expect(e.netCrypto.stats().requesterKeys).toBe(1);
  });

  it('requests claiming unknown DHT keys cost at most 32 X25519s at once, then one per 5 ms, whatever their sources', async () => {
    const { crypto, x25519 } = await countingCrypto();
    const e = await makeFriendEngine(3321, 'alice', [], { crypto });
    e.start(0);
    const before = x25519();
    const junk = randomJunk(4, 3_000);
    for (let i = 0; i < 1_000; i++) e.handleDatagram(0, addr(10 + (i % 200)), junk[i]!);
    expect(x25519() - before).toBeLessThanOrEqual(COOKIE_UNKNOWN_KEY_BURST);
    // 1,000 ms later, 2,000 more: at most 200 more.
    for (let i = 1_000; i < 3_000; i++) e.handleDatagram(1_000, addr(10 + (i % 200)), junk[i]!);
    expect(x25519() - before).toBeLessThanOrEqual(x25519Bound(1_000) / 2);
    expect(x25519() - before).toBeLessThanOrEqual(COOKIE_UNKNOWN_KEY_BURST + 1_000 / COOKIE_UNKNOWN_KEY_REFILL_MS);
    expect(e.netCrypto.stats().unknownKeyRefused).toBeGreaterThan(2_000);
    // Nothing kept: no guard entry, no remembered key.
    expect(e.netCrypto.stats()).toMatchObject({ guardSources: 0, requesterKeys: 0 });
  });

  it('without junk the demo connects as before (the baseline the bound is taken from)', async () => {
    const crypto = await loadCrypto();
    const run = connectUnderJunk(crypto, 'none', 0);
    expect(run.establishedMs).not.toBeNull();
    expect(run.establishedMs!).toBeLessThan(2_000);
    expect(run.x25519).toBeLessThanOrEqual(2);
  });
});

describe('issue 13 item 10: "resend everything", never acknowledged', () => {
  it('draws at most 64 resends per round trip, decaying to one per second; 2× the request bytes at the review’s pace (53× before)', async () => {
    const crypto = await loadCrypto();
    const o = resendEverythingOutcome(crypto);
    console.log(o.result);
    expect(o.held, o.result).toBe(true);
    const f = o.figures;
    expect(f['inFlight'] as number).toBeGreaterThanOrEqual(100);
    expect(f['every100ms.100B.ratio'] as number).toBeLessThanOrEqual(REVIEW_PATTERN_RATIO_BOUND);
    for (const k of ['every100ms.100B', 'every10ms.100B', 'every1000ms.100B', 'every100ms.1372B', 'every1000ms.1372B']) {
      const run = { durationMs: 10_000 } as Parameters<typeof steadyResendBound>[0];
      expect(f[`${k}.resentPackets`] as number, k).toBeGreaterThan(0);
      expect(f[`${k}.resentPackets`] as number, k).toBeLessThanOrEqual(totalResendBound(run));
      expect(f[`${k}.resentLastHalf`] as number, k).toBeLessThanOrEqual(steadyResendBound(run));
      expect(f[`${k}.maxResendsPerRoundTrip`] as number, k).toBeLessThanOrEqual(RESEND_BURST_PACKETS);
      // Not spent for good: an acknowledgement brings the budget back.
      expect(f[`${k}.resentAfterAck`] as number, k).toBeGreaterThanOrEqual(RESEND_BURST_PACKETS / 2);
    }
  });
});

describe('issue 13 item 10, the other direction: a gap the friend never fills', () => {
  it('one packet claiming 4,000 more packets draws a request every 100 ms for at most 3 s after the friend’s last new packet, then one per second, not ten', async () => {
    const crypto = await loadCrypto();
    const o = gapNeverFilledOutcome(crypto);
    console.log(o.result);
    expect(o.held, o.result).toBe(true);
    expect(o.figures['requests'] as number).toBeGreaterThan(0);
    expect(o.figures['requests'] as number).toBeLessThanOrEqual(GAP_REQUESTS_BOUND_10S);
    expect(o.figures['requestsLastHalf'] as number).toBeLessThanOrEqual(GAP_REQUESTS_BOUND_LAST_5S);
  });
});
