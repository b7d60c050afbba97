/**
 * Automatic acceptance of friend requests within bounds (runtime/messenger/auto-accept.ts), on
 * one engine with a virtual clock: requests go straight into the messenger's receiver, as the
 * onion layer hands them over after the boxes open.
 */
import { describe, expect, it } from 'vitest';
import { toHex, type Bytes } from '../../protocol/bytes.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import type { AppEvent } from '../../runtime/app-events.js';
import type { Engine } from '../../runtime/engine.js';
import { generateKeyPair } from '../../runtime/keys.js';
import type { AutoAcceptOptions } from '../../runtime/messenger/auto-accept.js';
import { PENDING_LIMIT } from '../../runtime/messenger/auto-accept.js';
import { seededRandom } from '../../runtime/random.js';
import { makeEngine } from './helpers.js';

const message = new TextEncoder().encode('hi');

async function acceptor(opts: AutoAcceptOptions, seed = 7): Promise<{ e: Engine; events: AppEvent[]; at: (t: number) => void; request: (pk: Bytes, t: number) => void }> {
  const e = await makeEngine(seed);
  e.start(0);
  e.setAutoAccept(0, opts);
  const events: AppEvent[] = [];
  const at = (t: number): void => {
    e.handleTimeout(t);
    e.takeTransmits();
    events.push(...e.takeEvents());
  };
  const request = (pk: Bytes, t: number): void => {
    at(t);
    e.messenger.receiveFriendRequest(pk, e.nospam, message);
    at(t);
  };
  return { e, events, at, request };
}

const outcomes = (events: AppEvent[], outcome: string): string[] =>
  events.flatMap((x) => (x.type === 'auto_accept' && x.outcome === outcome ? [x.pk] : []));

describe('auto-accept', () => {
  it('a flood of 2,000 requests from distinct keys: accepting keeps to the rate, and a requester that asks again is accepted', async () => {
    const crypto = await loadCrypto();
    const r = seededRandom(55);
    const { e, events, at, request } = await acceptor({});
    const spam = Array.from({ length: 2_000 }, () => generateKeyPair(crypto, r).publicKey);
    const real = generateKeyPair(crypto, r).publicKey;
    const realAsks = new Set([500, 5_500, 15_500, 35_500]);
    let maxPending = 0;
    for (let t = 0; t <= 40_000; t += 1) {
      if (t < 2_000) request(spam[t]!, t);
      if (realAsks.has(t)) request(real, t);
      else if (t % 100 === 0) at(t);
      maxPending = Math.max(maxPending, e.messenger.stats().autoAcceptPending);
    }
    const accepted = outcomes(events, 'accepted');
    expect(accepted).toContain(toHex(real));
    // The real requester's second request (5.5 s) makes it the one seen most: the first token
    // after the burst (6 s) is its.
    const realAt = events.find((x) => x.type === 'auto_accept' && x.pk === toHex(real))!.t;
    expect(realAt).toBeLessThanOrEqual(6_100);
    expect(accepted.length).toBeLessThanOrEqual(5 + Math.ceil((10 * 40) / 60));
    expect(e.friends.size).toBe(accepted.length);
    expect(maxPending).toBe(PENDING_LIMIT);
    // Every spam request not accepted and not still pending lost its place (the real one may have too, and come back).
    expect(outcomes(events, 'evicted').length).toBeGreaterThanOrEqual(2_000 - PENDING_LIMIT - (accepted.length - 1));
    expect(e.counters.get('auto_accept.accepted')).toBe(accepted.length);
    // Every request was surfaced to the application (the ring cycled), and the table stayed bounded.
    expect(events.filter((x) => x.type === 'friend_request').length).toBeGreaterThanOrEqual(2_001);
  });

  it('a repeat that the requester ring does not surface still counts for the requester', async () => {
    const crypto = await loadCrypto();
    const r = seededRandom(56);
    const { e, events, request, at } = await acceptor({ perMinute: 1, burst: 1 });
    const [a, b, c] = [0, 1, 2].map(() => generateKeyPair(crypto, r).publicKey) as [Bytes, Bytes, Bytes];
    request(a, 0); // the burst
    request(c, 1_000);
    request(b, 1_000);
    request(b, 5_000); // in the ring of 32: dropped as recently seen, but counted
    expect(e.counters.get('drop.messenger.friend_request_recently_seen')).toBe(1);
    expect(e.messenger.autoAccept!.sightingsOf(toHex(b))).toBe(2);
    at(61_000);
    expect(outcomes(events, 'accepted')).toEqual([toHex(a), toHex(b)]);
  });

  it('the friend list limit: beyond it requests are refused', async () => {
    const crypto = await loadCrypto();
    const r = seededRandom(57);
    const { e, events, request } = await acceptor({ maxFriends: 3, perMinute: 60 });
    const keys = Array.from({ length: 6 }, () => generateKeyPair(crypto, r).publicKey);
    keys.forEach((k, i) => request(k, i * 10));
    expect(e.friends.size).toBe(3);
    expect(outcomes(events, 'accepted')).toHaveLength(3);
    expect(outcomes(events, 'refused')).toHaveLength(3);
  });

  it('probation: an accepted friend that never comes online is removed again; one that did stays', async () => {
    const crypto = await loadCrypto();
    const r = seededRandom(58);
    const { e, events, request, at } = await acceptor({ probationMs: 10_000 });
    const keys = Array.from({ length: 3 }, () => generateKeyPair(crypto, r).publicKey);
    keys.forEach((k) => request(k, 0));
    expect(e.friends.size).toBe(3);
    e.messenger.onOnline(e.friends.get(toHex(keys[0]!))!);
    at(9_999);
    expect(e.friends.size).toBe(3);
    at(10_000);
    expect([...e.friends.all()].map((f) => f.pkHex)).toEqual([toHex(keys[0]!)]);
    expect(outcomes(events, 'expired').sort()).toEqual([toHex(keys[1]!), toHex(keys[2]!)].sort());
    expect(e.messenger.stats().autoAcceptProbation).toBe(0);
  });

  it('refuses options out of range', async () => {
    const e = await makeEngine(59);
    expect(() => e.setAutoAccept(0, { perMinute: -1 })).toThrow(/perMinute/);
    expect(() => e.setAutoAccept(0, { burst: 0 })).toThrow(/burst/);
    expect(() => e.setAutoAccept(0, { maxFriends: Number.NaN })).toThrow(/maxFriends/);
  });
});

describe('friend requests from invalid keys (c-toxcore public_key_valid)', () => {
  it('a sender key with bit 255 set is dropped by the receiver, never surfaced', async () => {
    const crypto = await loadCrypto();
    const e = await makeEngine(60);
    const bad = generateKeyPair(crypto, seededRandom(61)).publicKey.slice();
    bad[31]! |= 0x80;
    expect(e.messenger.receiveFriendRequest(bad, e.nospam, message)).toBe(false);
    expect(e.counters.get('drop.messenger.friend_request_invalid_public_key')).toBe(1);
    expect(e.takeEvents().filter((x) => x.type === 'friend_request')).toEqual([]);
  });
});
