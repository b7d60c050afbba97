/**
 * Flood outcomes (the figures are bench/flood.ts): 13 kinds of unauthenticated or forged packets
 * from 20,000 source addresses at Alice while she and Bob are Established on the simulated
 * network. Nothing is kept per packet, every table stays within its limit, strangers get no
 * cookie, answers never exceed the budgets, and the session with Bob stays up.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { DHT_ASK_BACK_BURST, DHT_ASK_BACK_INTERVAL_MS, DHT_UNVERIFIED_FULL_ANSWERS_BURST, DHT_UNVERIFIED_FULL_ANSWERS_PER_S } from '../../runtime/dht/dht.js';
import { COOKIE_GUARD_TABLE_LIMIT } from '../../runtime/net-crypto/constants.js';
import type { TableStats } from '../../harness/fuzz/engine-target.js';
import { FLOOD_KINDS, runFlood, type FloodFigures } from '../../harness/reliability/flood.js';

const PER_KIND = 600;
let f: FloodFigures;

beforeAll(async () => {
  f = runFlood({ crypto: await loadCrypto(), packets: PER_KIND * FLOOD_KINDS.length, sources: 20_000 });
});

describe(`flood: ${PER_KIND} packets of each of ${FLOOD_KINDS.length} kinds from 20,000 addresses`, () => {
  it('the friend session stays Established and no layer throws', () => {
    expect(f.errorHandler).toBe(0);
    expect(f.establishedThroughout).toBe(true);
    expect(f.offlineEvents).toBe(0);
  });

  it('every table stays within its documented limit; nothing is kept per packet', () => {
    for (const k of Object.keys(f.max) as Array<keyof TableStats>) expect(f.max[k], k).toBeLessThanOrEqual(f.limits[k].limit);
    // No per-packet state: no connection, no friend, no search, no announce entry, no journal
    // growth beyond the session's own steps, few cached keys (the 8 attackers' DHT keys at most).
    expect(f.after.netCryptoConnections).toBe(f.before.netCryptoConnections);
    expect(f.after.netCryptoPending).toBe(0);
    expect(f.after.friends).toBe(f.before.friends);
    expect(f.after.dhtSearches).toBe(f.before.dhtSearches);
    expect(f.after.announceEntries).toBe(f.before.announceEntries);
    expect(f.after.sharedKeys - f.before.sharedKeys).toBeLessThanOrEqual(8);
    expect(f.after.journal - f.before.journal).toBeLessThan(50);
    // The cookie guard is the one per-source table: capped, least recently seen evicted.
    expect(f.max.cookieGuard).toBeGreaterThan(0);
    expect(f.max.cookieGuard).toBeLessThanOrEqual(COOKIE_GUARD_TABLE_LIMIT);
  });

  it('forged and garbage packets are dropped and counted, never answered', () => {
    for (const k of ['handshake (garbage)', 'onion_request_1 (garbage)', 'onion_request_2 (garbage)', 'onion_response_3 (forged)', 'onion_response_2 (forged)', 'onion_response_1 (forged)', 'crypto_data (garbage, from Bob)']) {
      expect(f.byKind[k]!.answers, k).toBe(0);
    }
    const drops = Object.fromEntries(f.drops);
    expect(drops['drop.net_crypto.handshake_cookie_invalid']).toBe(PER_KIND);
    expect(drops['drop.onion.request_invalid']).toBe(2 * PER_KIND);
    expect(drops['drop.onion.response_invalid']).toBe(3 * PER_KIND);
    expect(drops['drop.net_crypto.data_invalid']).toBe(PER_KIND);
  });

  it('strangers get no cookie; a claimed friend gets one per request within its source bucket', () => {
    expect(f.byKind['cookie_request (stranger)']!.answers).toBe(0);
    expect(Object.fromEntries(f.drops)['drop.net_crypto.cookie_request_not_friend']).toBe(PER_KIND);
    const claims = f.byKind['cookie_request (claims Bob)']!;
    expect(claims.answers).toBeLessThanOrEqual(claims.sent);
    expect(claims.answerBytes).toBe(claims.answers * 161);
  });

  it('DHT requests from unknown keys: one answer each, full answers and requests back within their global budgets', () => {
    const seconds = f.virtualMs / 1000;
    const nodes = f.byKind['nodes_request']!;
    const ping = f.byKind['ping_request']!;
    const askBackMax = DHT_ASK_BACK_BURST + (seconds * DHT_ASK_BACK_BURST * 1000) / DHT_ASK_BACK_INTERVAL_MS;
    // Each request is answered once; a few more packets are our requests back (bounded).
    expect(nodes.answers + ping.answers - nodes.sent - ping.sent).toBeLessThanOrEqual(askBackMax);
    // Ping answers are exactly as large as the request (82 = 82).
    const fullAnswersMax = DHT_UNVERIFIED_FULL_ANSWERS_BURST + seconds * DHT_UNVERIFIED_FULL_ANSWERS_PER_S;
    // Nodes answers: 121 bytes (1 node) once the budget of full (238-byte) answers is spent.
    const excess = nodes.answerBytes - nodes.sent * 121 - (nodes.answers - nodes.sent) * 113;
    expect(excess).toBeLessThanOrEqual(fullAnswersMax * (238 - 121));
    expect(excess).toBeGreaterThan(0);
  });

  it('valid onion layers are relayed onward, never back to the source, and smaller than they came', () => {
    const onion = f.byKind['onion_request_0 (valid layer)']!;
    expect(onion.answers).toBe(0);
    expect(f.forwardedElsewhere.count).toBe(PER_KIND);
    expect(f.forwardedElsewhere.bytes).toBeLessThan(onion.requestBytes);
  });
});
