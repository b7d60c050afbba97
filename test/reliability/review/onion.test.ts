/**
 * Attack review, DHT and onion (issue 13 items 4 and 9): the attacks performed on the simulated
 * network (scenarios in onion.ts) and what they achieve now.
 *   - Item 4: up to 24 DHT keys on one IP that answer DHT requests but drop onion traffic do not
 *     keep two friends apart: the keys per IP are bounded in the DHT's tables, onion paths are
 *     drawn host first from distinct hosts, proven relays preferred and failed hosts avoided.
 *   - Item 9: a replayed self-announce — to the friend's own announce node from anywhere, or to
 *     another announce node from the exit relay's address — sends no onion data to the attacker,
 *     and the announcement ends 300 s after the friend's last real announce.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto, type Crypto } from '../../../runtime/adapters/node-crypto.js';
import { DHT_KEYS_PER_HOST_CLOSE } from '../../../runtime/dht/dht.js';
import { replayToAnnounceNodeOutcome, replayToFriendOutcome, runSybilScenario, SYBIL_ESTABLISHED_BOUND_MS, sybilOutcome } from '../../../harness/reliability/review/onion.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

describe('item 4: DHT-only Sybils on one IP', () => {
  it('with 0, 8 and 24 Sybils Alice and Bob are Established within 20 s of joining (the slowest of 4 seeds)', () => {
    const o = sybilOutcome(crypto);
    console.log(`item 4: ${o.result}`);
    expect(o.held, o.result).toBe(true);
    for (const n of [0, 8, 24]) expect(o.figures[`establishedMs_${n}`]).toBeLessThanOrEqual(SYBIL_ESTABLISHED_BOUND_MS);
    // The attack was live in every run: the Sybils answered DHT requests, got into Alice's close
    // list (as many as the per-IP limit lets in) and were sent onion traffic, which they dropped.
    for (const n of [8, 24]) {
      expect(o.figures[`sybilAnswers_${n}`]).toBeGreaterThan(0);
      expect(o.figures[`onionDropped_${n}`]).toBeGreaterThan(0);
      expect(o.figures[`sybilsInAliceCloseMin_${n}`]).toBeGreaterThan(0);
      expect(o.figures[`sybilsInAliceClose_${n}`]).toBeLessThanOrEqual(DHT_KEYS_PER_HOST_CLOSE);
    }
    expect(o.figures['onionDropped_0']).toBe(0);
  });

  it('paths that died unanswered are blamed on the Sybil IP alone, and 2 minutes on, few path hops are Sybils', () => {
    const r = runSybilScenario(crypto, 24, 7, 100_000, 120_000);
    expect(r.establishedMs).not.toBeNull();
    expect(r.alicePathsFailed).toBeGreaterThan(0);
    expect(r.aliceFailuresOfSybilIp).toBeGreaterThan(0);
    expect(r.aliceFailedHosts).toBe(1); // no honest host blamed
    expect(r.aliceProvenRelays).toBeGreaterThanOrEqual(3);
    // Drawn uniformly by key, 4 of 9 keys are Sybils (44% of hops); by host, 1 of 6 hosts (17%).
    expect(r.aliceLiveHops).toBeGreaterThan(0);
    expect(r.sybilHopsInAlicePaths * 9).toBeLessThanOrEqual(r.aliceLiveHops);
  });
});

describe('item 9: a replayed self-announce', () => {
  it("replayed to the friend's own announce node from the attacker's address: no onion data reaches the attacker, no sighting is renewed", () => {
    const o = replayToFriendOutcome(crypto);
    console.log(`item 9 (friend's node): ${o.result}`);
    expect(o.held, o.result).toBe(true);
    expect(o.figures['replays']).toBe(45);
    expect(o.figures['dataToAttacker']).toBe(0);
    expect(o.figures['sightingsFromReplays']).toBe(0);
    expect(o.figures['entryLifetimeAfterLastRealAnnounceS']).toBeLessThanOrEqual(300);
    // What Alice's data did reach: Bob's own return path while his real announce lasted.
    expect(o.figures['aliceDataSentLocal']).toBeGreaterThan(0);
  });

  it("replayed to another announce node from the exit relay's address with a valid ping_id: refused as a replay, the entry ends 300 s after Bob's last real announce", () => {
    const o = replayToAnnounceNodeOutcome(crypto);
    console.log(`item 9 (announce node): ${o.result}`);
    expect(o.held, o.result).toBe(true);
    expect(o.figures['replaysRefused']).toBeGreaterThan(0);
    expect(o.figures['dataToAttacker']).toBe(0);
    expect(o.figures['entryLifetimeAfterLastRealAnnounceS']).toBeLessThanOrEqual(300);
    expect(o.figures['aliceDhtPkSent']).toBeGreaterThan(0);
  });
});
