/**
 * Issue 13 items 1, 2 and 5 against a real `toxstate node --json` process over UDP on
 * 127.0.0.1 (scenarios in crashes.ts): the node survives each attack, still does its job, and
 * its counters name what happened.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadCrypto, type Crypto } from '../../../runtime/adapters/node-crypto.js';
import { closeAllTPeers } from '../../../harness/interop/tpeer.js';
import { friendRequestFlood, invalidKeyFriendRequest, invalidUtf8Echo, portZeroNode, unacknowledgedEchoes } from '../../../harness/reliability/review/crashes.js';
import type { ReviewOutcome } from '../../../harness/reliability/review/outcome.js';

let crypto: Crypto;
const cryptoReady = loadCrypto().then((c) => (crypto = c));
afterAll(() => closeAllTPeers());

function report(o: ReviewOutcome): void {
  console.log(`item ${o.item}: ${o.result}\n  ${JSON.stringify(o.figures)}`);
}

describe('issue 13: remote crashes and the --accept-friends bound, against a real toxstate node', () => {
  it('item 1: a friend request from a key with bit 255 set is dropped; the node stays up and accepts a valid one', async () => {
    await cryptoReady;
    const o = await invalidKeyFriendRequest(crypto);
    report(o);
    expect(o.figures['aliveAfterAttack']).toBe(true);
    expect(o.figures['invalidKeyDrops']).toBe(1);
    expect(o.figures['badRequestSurfaced']).toBe(0);
    expect(o.figures['validRequestAccepted']).toBe(true);
    expect(o.figures['exitCode']).toBe(0);
    expect(o.held).toBe(true);
  }, 40_000);

  it('same class: a nodes response naming port 0 and an invalid key does not end the node', async () => {
    await cryptoReady;
    const o = await portZeroNode(crypto);
    report(o);
    expect(o.figures['alive']).toBe(true);
    // The DHT drops the port-0 node before asking it; the adapter's refusal is the second line.
    expect(o.figures['portZeroNodesDropped']).toBeGreaterThanOrEqual(1);
    expect(o.figures['portZeroSendsRefused']).toBe(0);
    expect(o.figures['invalidKeyNodesDropped']).toBeGreaterThanOrEqual(1);
    expect(o.figures['exitCode']).toBe(0);
    expect(o.held).toBe(true);
  }, 40_000);

  it('item 2: 600 bytes of 0xFF are echoed byte for byte, and the text never grows', async () => {
    await cryptoReady;
    const o = await invalidUtf8Echo(crypto);
    report(o);
    expect(o.figures['echoedExactly']).toBe(true);
    expect(o.figures['decodedTextBytes']).toBe(600);
    expect(o.figures['stillEchoes']).toBe(true);
    expect(o.figures['refusalsOrErrors']).toBe(0);
    expect(o.held).toBe(true);
  }, 40_000);

  it('item 2: a friend that never acknowledges gets back-pressure (send_refused queue_full), not a dead node', async () => {
    await cryptoReady;
    const o = await unacknowledgedEchoes(crypto);
    report(o);
    expect(o.figures['received']).toBe(1_100);
    expect(o.figures['echoesRefusedQueueFull']).toBeGreaterThan(0);
    expect(o.figures['refusalsCounted']).toBe(o.figures['echoesRefusedQueueFull']);
    expect(o.figures['alive']).toBe(true);
    expect(o.figures['exitCode']).toBe(0);
    expect(o.held).toBe(true);
  }, 60_000);

  it('item 5: 2,000 spam requests and one real requester: accepting stays within the rate, and the real one gets in', async () => {
    await cryptoReady;
    const o = await friendRequestFlood(crypto);
    report(o);
    expect(o.figures['realAcceptedAfterMs']).toBeGreaterThanOrEqual(0);
    expect(o.figures['realOnline']).toBe(true);
    expect(o.figures['accepted']).toBeLessThanOrEqual(o.figures['acceptBound'] as number);
    expect(o.figures['friendsAtEnd']).toBe(o.figures['accepted']);
    expect(o.figures['evicted']).toBeGreaterThan(0);
    expect(o.figures['exitCode']).toBe(0);
    expect(o.held).toBe(true);
  }, 60_000);
});
