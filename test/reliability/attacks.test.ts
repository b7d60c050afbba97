/**
 * Protocol attacks, each shown refused against an Established pair on the simulated network
 * (scenarios in harness/reliability/attacks.ts): replayed handshakes and cookie responses, a cookie
 * too old, a handshake with a forged sender key, DHT-PK from non-friends or with an old
 * no_replay, nodes responses that try to poison the DHT, and DHT requests replayed from another
 * address to redirect a node or a friend. Attacks refused by earlier tests
 * are not run twice: their tests are listed (KNOWN_ATTACK_TESTS) and checked to exist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { KNOWN_ATTACK_TESTS, runAttacks, type AttackOutcome } from '../../harness/reliability/attacks.js';

let outcomes: AttackOutcome[];
const get = (prefix: string): AttackOutcome => {
  const o = outcomes.find((x) => x.attack.startsWith(prefix));
  if (!o) throw new Error(`no attack ${prefix}`);
  return o;
};

beforeAll(async () => {
  outcomes = runAttacks(await loadCrypto());
});

describe('protocol attacks against an Established session', () => {
  it('every attack is refused and the session with Bob survives it', () => {
    expect(outcomes).toHaveLength(8);
    for (const o of outcomes) {
      expect(o.sessionSurvived, o.attack).toBe(true);
      expect(o.refused, `${o.attack}: ${JSON.stringify(o.drops)}`).toBe(true);
    }
  });

  it('a replayed handshake changes nothing while established, and is refused as expired once its cookie is 15 s old', () => {
    const now = get('replayed handshake (Bob');
    expect(now.drops).toEqual({ 'drop.net_crypto.handshake_while_established': now.details['replayed'] });
    expect(now.details['sessionKeyUnchanged']).toBe(true);
    const later = get('replayed handshake 20 s later');
    expect(later.drops).toEqual({ 'drop.net_crypto.handshake_cookie_expired': later.details['replayed'] });
  });

  it('a replayed cookie response is taken by no connection', () => {
    expect(get('replayed cookie response').drops).toEqual({ 'drop.net_crypto.cookie_response_invalid': 1, 'drop.net_crypto.cookie_response_unknown_address': 1 });
  });

  it('claiming a friend’s key gets a cookie, but the handshake cannot be sealed without the friend’s secret key', () => {
    const o = get('handshake with a forged sender key');
    expect(o.details).toEqual({ cookieObtained: true, handshakes: 1 });
    expect(o.drops).toEqual({ 'drop.net_crypto.handshake_invalid': 1 });
  });

  it('DHT-PK packets from non-friends and with an old no_replay are dropped; the session keeps the friend’s DHT key', () => {
    expect(get('DHT-PK from a non-friend').drops).toEqual({ 'drop.onion.dhtpk_not_friend': 1, 'drop.dht.dhtpk_not_friend': 1 });
    const old = get('DHT-PK with an old no_replay');
    expect(old.drops).toEqual({ 'drop.dhtpk.replayed': 2 });
    expect(old.details['sessionDhtKeyUnchanged']).toBe(true);
  });

  it('fake nodes from poisoning nodes responses never enter the close list, are never handed out, and evict no real node', () => {
    const o = get('nodes responses poisoning');
    expect(o.details['fakesOffered']).toBeGreaterThan(100);
    expect(o.details['fakesInCloseList']).toBe(0);
    expect(o.details['fakesGood']).toBe(0);
    expect(o.details['fakesHandedOut']).toBe(0);
    const [kept, total] = String(o.details['realNodesKept']).split('/');
    expect(kept).toBe(total);
    expect(Number(o.details['maxPending'])).toBeLessThanOrEqual(512);
  });

  it('a DHT request replayed from another address moves no node and redirects no friend: its source is only asked back', () => {
    const o = get('DHT requests replayed from another address');
    expect(o.details['nodeAddressKept']).toBe(true);
    expect(o.details['cookieRequestsToAttacker']).toBe(0);
    expect(o.details['friendRedirected']).toBe(false);
    expect(o.details['reconnectedAfterHeal']).toBe(true);
  });

  it('the attacks refused by earlier tests are listed with tests that exist', () => {
    for (const k of KNOWN_ATTACK_TESTS) {
      const [file, names] = k.where.split(' › ');
      const text = readFileSync(join(import.meta.dirname, '../..', file!), 'utf8');
      for (const quoted of names!.match(/'[^']+'/g) ?? []) {
        const prefix = quoted.slice(1, -1).replace(/…$/, '');
        expect(text.includes(prefix), `${file}: ${prefix}`).toBe(true);
      }
    }
  });
});
